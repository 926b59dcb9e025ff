"""The bundled sample exports: they load clean, are sizeable and agree with each other."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from adapters.base.records import Rejection
from adapters.bc.dates import parse_effective_end, parse_effective_start
from adapters.bc.notation import parse_transfer_credit
from adapters.ontario.reader import OntarioReader
from adapters.samples import sample_path
from adapters.saskatchewan.reader import SaskatchewanReader
from hub.domain.model import Credential, GrantKind, Institution, Rule


def records(province: str) -> list:
    reader = OntarioReader() if province == "ON" else SaskatchewanReader()
    return list(reader.read(sample_path(province)))


def bc_rows(name: str) -> list[dict[str, str]]:
    with open(sample_path("BC") / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def ontario() -> list:
    return records("ON")


@pytest.fixture(scope="module")
def saskatchewan() -> list:
    return records("SK")


def ids(items: list, kind: type) -> set[str]:
    return {x.id for x in items if isinstance(x, kind)}


class TestSamplePath:
    """sample_path finds each province's export by code or by name."""

    def test_codes_and_names(self) -> None:
        assert sample_path("on") == sample_path("ontario") and sample_path("ON").is_file()
        assert sample_path("saskatchewan").suffix == ".xml"
        assert (sample_path("bc") / "equivalencies.csv").is_file()

    def test_unknown_province(self) -> None:
        with pytest.raises(KeyError, match="AB"):
            sample_path("AB")


class TestLoadsClean:
    """Every record of every sample reads; none is rejected."""

    def test_ontario(self, ontario: list) -> None:
        assert [x for x in ontario if isinstance(x, Rejection)] == []
        assert len(ontario) >= 150
        assert {"ON:SENE", "ON:HUMB", "ON:UOFT", "ON:YORK", "ON:GEORGE", "ON:TMU"} <= ids(
            ontario, Institution)

    def test_saskatchewan(self, saskatchewan: list) -> None:
        assert [x for x in saskatchewan if isinstance(x, Rejection)] == []
        assert sum(isinstance(x, Rule) for x in saskatchewan) >= 80
        assert {"SK:USASK", "SK:UREGINA", "SK:SAPO"} <= ids(saskatchewan, Institution)

    def test_bc_rows_are_in_the_guides_forms(self) -> None:
        institutions = bc_rows("institutions.csv")
        rows = bc_rows("equivalencies.csv")
        assert len(institutions) >= 10 and len(rows) >= 300
        codes = {i["code"] for i in institutions}
        for row in rows:
            assert row["receiving_institution"] in codes, row
            credit = parse_transfer_credit(row["transfer_credit"], row["receiving_institution"],
                                           compact_sending_codes=True)
            assert credit.outcome in GrantKind
            parse_effective_start(row["effective_start"])
            parse_effective_end(row["effective_end"])

    def test_bc_folder_reads_clean_with_the_bc_reader(self) -> None:
        from adapters.bc.reader import BcReader

        out = list(BcReader().read(sample_path("BC")))
        assert [x for x in out if isinstance(x, Rejection)] == []
        assert {"BC:88216", "BC:88220", "BC:88213"} <= ids(out, Rule)

    def test_bc_uses_every_documented_form(self) -> None:
        texts = [row["transfer_credit"] for row in bc_rows("equivalencies.csv")]
        for marker in (" 1st (", "XX (", " & ", " or ", "Any 2 of", " = ", "No credit",
                       "No Credit", "Individual assessment", "(-)", "(0)", ", Exempt",
                       "Precludes", ", OL", " - B-", ", W", "UVIC ", "(1.5)"):
            assert any(marker in t for t in texts), marker


class TestCredits:
    """The samples carry the real credit systems and scales."""

    def test_uoft_scale_and_credit_weight(self, ontario: list) -> None:
        uoft = next(x for x in ontario if isinstance(x, Institution) and x.id == "ON:UOFT")
        assert uoft.credit_system.standard_course == 0.5 and uoft.scale.to_percent("C+") == 67

    def test_humber_micro_credentials_stack_into_the_certificate(self, ontario: list) -> None:
        creds = {x.id: x for x in ontario if isinstance(x, Credential)}
        micro = [creds[f"ON:HUMB:MC-DA-0{i}"] for i in range(1, 5)]
        assert all(m.stacks_into[0].target == "ON:HUMB:CERT-DA" for m in micro)
        assert sum(m.stacks_into[0].value for m in micro) == creds["ON:HUMB:CERT-DA"].value

    def test_uvic_counts_in_units(self) -> None:
        uvic = next(i for i in bc_rows("institutions.csv") if i["code"] == "UVIC")
        assert (uvic["credit_unit"], uvic["standard_course"]) == ("units", "1.5")


class TestAcrossProvinces:
    """Cross-province rules go every way and name credentials the other samples hold."""

    def test_every_direction_is_covered(self, ontario: list, saskatchewan: list) -> None:
        bc_senders = {row["sending_institution"].split(":")[0]
                      for row in bc_rows("equivalencies.csv") if ":" in row["sending_institution"]}
        on_senders = {r.sending_institution.split(":")[0] for r in ontario
                      if isinstance(r, Rule)}
        sk_senders = {r.sending_institution.split(":")[0] for r in saskatchewan
                      if isinstance(r, Rule)}
        assert {"ON", "SK"} <= bc_senders
        assert {"BC", "SK"} <= on_senders
        assert {"BC", "ON"} <= sk_senders

    def test_foreign_sending_credentials_exist_in_their_samples(
            self, ontario: list, saskatchewan: list) -> None:
        known = ids(ontario, Credential) | ids(saskatchewan, Credential)
        bc_text = (sample_path("BC") / "equivalencies.csv").read_text(encoding="utf-8")
        for row in bc_rows("equivalencies.csv"):
            if ":" in row["sending_institution"]:
                for code in row["sending_courses"].split(" & "):
                    assert f"{row['sending_institution']}:{code}" in known, row
        for rule in (r for r in ontario + saskatchewan if isinstance(r, Rule)):
            for credential in rule.sending:
                if credential.startswith("BC:"):
                    inst, code = credential.split(":")[1:]
                    assert f"{inst},{code}," in bc_text or f"{inst} {code} (" in bc_text
                elif not credential.startswith(rule.province):
                    assert credential in known, credential

    def test_every_minimum_grade_reads_on_its_sending_institutions_scale(
            self, ontario: list, saskatchewan: list) -> None:
        # MODEL.md reads a minimum through the sending institution's scale. A sample
        # minimum that scale lacks (B- at a college whose scale has none) would make
        # every query of that rule refuse the learner with "cannot be read".
        from adapters.bc.reader import BcReader

        everything = ontario + saskatchewan + list(BcReader().read(sample_path("BC")))
        scales = {i.id: i.scale for i in everything if isinstance(i, Institution)}
        checked = 0
        for rule in (r for r in everything if isinstance(r, Rule) and r.min_grade):
            sender = ":".join(rule.sending[0].split(":")[:2])
            scales[sender].to_percent(rule.min_grade, field=f"{rule.id} min_grade")
            checked += 1
        assert checked > 50

    def test_seneca_to_ubc_is_a_two_rule_chain_with_no_direct_rule(self) -> None:
        rows = bc_rows("equivalencies.csv")
        direct = [r for r in rows if r["sending_institution"] == "ON:SENE"
                  and r["sending_courses"] == "IPC144" and r["receiving_institution"] == "UBCV"]
        assert direct == []
        [first] = [r for r in rows if r["sending_institution"] == "ON:SENE"
                   and r["sending_courses"] == "IPC144" and r["receiving_institution"] == "CAPU"]
        [[grant]] = parse_transfer_credit(first["transfer_credit"], "CAPU").alternatives
        assert grant.code == "CSCI 110"
        [second] = [r for r in rows if r["sending_institution"] == "CAPU"
                    and r["sending_courses"] == grant.code and r["receiving_institution"] == "UBCV"]
        [[final]] = parse_transfer_credit(second["transfer_credit"], "UBCV").alternatives
        assert (final.kind, final.subject, final.level, final.credits) == (
            GrantKind.UNASSIGNED, "CPSC", 1, 3.0)


def test_readme_describes_three_queries() -> None:
    text = (Path(sample_path("ON")).parent / "README.md").read_text(encoding="utf-8")
    assert text.count("transferhub ") >= 3 and "BC:88216" in text and "BC:88220" in text
