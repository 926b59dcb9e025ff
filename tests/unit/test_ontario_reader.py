"""The Ontario JSON Lines reader: canonical records, one rejection per bad line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from adapters.base.records import ExportUnreadable, Rejection
from adapters.ontario.reader import OntarioReader
from hub.domain.model import CredentialKind, GrantKind, Institution, Rule, StackLink

SENE = {"type": "institution", "id": "SENE", "name": "Seneca Polytechnic", "sector": "college",
        "credit_unit": "hours", "standard_course": 42,
        "grading": {"A+": 90, "A": 80, "B+": 75, "B": 70, "C+": 65, "C": 60, "D": 50, "F": 0}}
RULE = {"type": "equivalency", "id": "ONT-2019-0142", "version": 3, "from": ["SENE:IPC144"],
        "to": {"institution": "YORK", "grant": "course",
               "courses": [{"code": "EECS 1015", "value": 0.5}]},
        "min_grade": "65", "effective_start": "2019-09-01", "effective_end": None}


def write(tmp_path: Path, *lines: object) -> Path:
    path = tmp_path / "ontario.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n",
                    encoding="utf-8")
    return path


def read(tmp_path: Path, *lines: object) -> list:
    return list(OntarioReader().read(write(tmp_path, *lines)))


def rejection_for(tmp_path: Path, bad: object) -> Rejection:
    out = read(tmp_path, SENE, bad)
    assert isinstance(out[0], Institution)
    assert len(out) == 2 and isinstance(out[1], Rejection), out
    return out[1]


class TestGoodRecords:
    """Good lines become fully qualified domain records."""

    @pytest.mark.parametrize("grading", [None, {}])
    def test_no_scale_declared_means_the_default(self, tmp_path: Path, grading: object) -> None:
        """MODEL.md: "Where none is declared, this default applies"; ``{}`` declares none."""
        [institution] = read(tmp_path, {**SENE, "grading": grading})
        assert isinstance(institution, Institution) and institution.grading is None

    def test_institution_has_its_credit_system_and_scale(self, tmp_path: Path) -> None:
        [inst] = read(tmp_path, SENE)
        assert inst.id == "ON:SENE" and inst.version == 0
        assert inst.credit_system.unit == "hours" and inst.credit_system.standard_course == 42
        assert inst.scale.to_percent("C+") == 65
        assert inst.sector == "college"

    def test_micro_credential_stacks_into_a_credential_of_its_institution(
            self, tmp_path: Path) -> None:
        [cred] = read(tmp_path, {
            "type": "credential", "kind": "micro-credential", "institution": "HUMB",
            "code": "mc-da-01", "title": "Data Cleaning", "value": 28,
            "competencies": ["data-cleaning"], "stacks_into": [{"code": "CERT-DA", "value": 28}],
            "valid_from": "2021-09-01", "valid_to": None})
        assert cred.id == "ON:HUMB:MC-DA-01" and cred.kind is CredentialKind.MICRO_CREDENTIAL
        assert cred.stacks_into == (StackLink("ON:HUMB:CERT-DA", 28.0),)
        assert cred.competencies == ("data-cleaning",)
        assert cred.valid_from == date(2021, 9, 1) and cred.valid_to is None
        assert cred.version == 0

    def test_course_rule_is_prefixed_and_keeps_window_and_grade(self, tmp_path: Path) -> None:
        [rule] = read(tmp_path, RULE)
        assert isinstance(rule, Rule)
        assert rule.id == "ON:ONT-2019-0142" and rule.version == 3
        assert rule.sending == ("ON:SENE:IPC144",)
        assert rule.receiving_institution == "ON:YORK" and rule.outcome is GrantKind.COURSE
        [[grant]] = rule.alternatives
        assert (grant.code, grant.credits, grant.subject, grant.level) == ("EECS 1015", 0.5,
                                                                           "EECS", 1)
        assert rule.min_grade == "65"
        assert rule.effective_start == date(2019, 9, 1) and rule.effective_end is None

    def test_unassigned_block_and_no_credit_grants(self, tmp_path: Path) -> None:
        unassigned = {**RULE, "id": "A", "from": ["SENE:IPC144", "SENE:OOP244"], "min_grade": 70,
                      "to": {"institution": "UOFT", "grant": "unassigned", "subject": "csc",
                             "level": 1, "value": 1.0}}
        block = {**RULE, "id": "B", "from": ["HUMB:DIP-CP"],
                 "to": {"institution": "TMU", "grant": "block", "program": "BSc", "value": 3}}
        none = {**RULE, "id": "C", "to": {"institution": "ON:YORK", "grant": "no_credit"}}
        a, b, c = read(tmp_path, unassigned, block, none)
        assert a.alternatives[0][0].subject == "CSC" and a.alternatives[0][0].level == 1
        assert a.min_grade == "70" and len(a.sending) == 2
        assert b.outcome is GrantKind.BLOCK and b.alternatives[0][0].program == "BSc"
        assert c.outcome is GrantKind.NO_CREDIT and c.alternatives == ()

    def test_assessment_grant_is_an_assessment_rule(self, tmp_path: Path) -> None:
        """MODEL.md's fifth grant kind, which FORMATS.md's Ontario list leaves out."""
        [rule] = read(tmp_path, {**RULE, "to": {"institution": "YORK", "grant": "assessment"}})
        assert rule.outcome is GrantKind.ASSESSMENT and rule.alternatives == ()

    def test_another_provinces_sending_credential_keeps_its_province(
            self, tmp_path: Path) -> None:
        [rule] = read(tmp_path, {**RULE, "from": ["BC:CAPU:engl  100"]})
        assert rule.sending == ("BC:CAPU:ENGL 100",)
        assert rule.receiving_institution == "ON:YORK"

    def test_blank_and_comment_lines_are_skipped_and_numbering_counts_them(
            self, tmp_path: Path) -> None:
        out = read(tmp_path, "// header", "", SENE, "   ", "{broken")
        assert out[1] == Rejection("line 5", out[1].reason, unidentified=True)

    def test_a_byte_order_mark_does_not_cost_the_first_line(self, tmp_path: Path) -> None:
        path = tmp_path / "ontario.jsonl"
        path.write_bytes(b"\xef\xbb\xbf" + json.dumps(SENE).encode() + b"\n")
        (institution,) = OntarioReader().read(path)
        assert isinstance(institution, Institution) and institution.id == "ON:SENE"


class TestBadLines:
    """Each bad line is one rejection naming the field; the rest of the file goes on."""

    @pytest.mark.parametrize(("bad", "words"), [
        ("{not json", "not a JSON object"),
        ('{"id": "SENE', "not a JSON object: Unterminated string starting at column 8"),
        ("[1, 2]", "one JSON object"),
        ({"type": "course"}, "type"),
        ({**RULE, "version": 0}, "version"),
        ({**RULE, "version": "3"}, "version"),
        ({**RULE, "version": True}, "version"),
        ({**RULE, "effective_start": "2019/09/01"}, "YYYY-MM-DD"),
        ({**RULE, "effective_start": "2019-02-30"}, "calendar date"),
        ({**RULE, "effective_end": "2018-01-01"}, "before"),
        ({**RULE, "min_grade": ["C"]}, "min_grade"),
        ({**RULE, "min_grade": 150}, "min_grade"),
        ({**RULE, "from": []}, "from"),
        ({**RULE, "from": ["IPC144"]}, "from[0]"),
        ({**RULE, "from": ["SENE:IPC144", "HUMB:X"]}, "one institution"),
        ({**RULE, "to": {"institution": "YORK", "grant": "transfer"}}, "to.grant"),
        ({**RULE, "to": {"institution": "YORK", "grant": "course", "courses": []}}, "courses"),
        ({**RULE, "to": {"institution": "YORK", "grant": "course",
                         "courses": [{"code": "X 1", "value": "half"}]}}, "value"),
        ({**RULE, "to": {"institution": "YORK", "grant": "unassigned", "subject": "CSC",
                         "level": 7, "value": 1}}, "level"),
        ({**RULE, "to": {"institution": "YORK", "grant": "block", "value": 1}}, "program"),
        ({**RULE, "to": {"institution": "YORK", "grant": "course",
                         "courses": [{"code": "X 1", "value": -1}]}}, "0 or more"),
        ({**SENE, "standard_course": 0}, "standard_course"),
        ({**SENE, "grading": {"A": "high"}}, "grading"),
        ({**SENE, "id": "seneca polytechnic"}, "PROV:INST"),
        ({"type": "credential", "kind": "badge", "institution": "SENE", "code": "X"}, "kind"),
        ({"type": "credential", "institution": "SENE", "code": "X",
          "stacks_into": [{"code": "CERT"}]}, "value"),
    ])
    def test_rejection_names_the_problem(self, tmp_path: Path, bad: object, words: str) -> None:
        rejection = rejection_for(tmp_path, bad)
        assert rejection.where == "line 2"
        assert words in rejection.reason

    def test_non_utf8_line_is_one_rejection(self, tmp_path: Path) -> None:
        path = tmp_path / "on.jsonl"
        path.write_bytes(json.dumps(SENE).encode() + b'\n{"type": "\xff"}\n'
                         + json.dumps(RULE).encode() + b"\n")
        out = list(OntarioReader().read(path))
        assert [type(x).__name__ for x in out] == ["Institution", "Rejection", "Rule"]
        assert "UTF-8" in out[1].reason


class TestProvinceIsolation:
    """Only Ontario's institutions and credentials, and rules received in Ontario, go out."""

    def test_other_provinces_institution_is_rejected(self, tmp_path: Path) -> None:
        reason = rejection_for(tmp_path, {**SENE, "id": "BC:CAPU"}).reason
        assert "BC:CAPU" in reason and "not in ON" in reason

    def test_other_provinces_credential_is_rejected(self, tmp_path: Path) -> None:
        bad = {"type": "credential", "institution": "SK:SAPO", "code": "COSC 100"}
        assert "not in ON" in rejection_for(tmp_path, bad).reason

    def test_rule_received_in_another_province_is_rejected(self, tmp_path: Path) -> None:
        bad = {**RULE, "to": {"institution": "BC:UBCV", "grant": "no_credit"}}
        reason = rejection_for(tmp_path, bad).reason
        assert "receiving institution BC:UBCV" in reason


class TestUnreadable:
    """Nothing readable raises ExportUnreadable instead of looking like an empty snapshot."""

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ExportUnreadable, match="no such file"):
            list(OntarioReader().read(tmp_path / "absent.jsonl"))

    def test_empty_and_comment_only_files(self, tmp_path: Path) -> None:
        with pytest.raises(ExportUnreadable, match="no records"):
            list(OntarioReader().read(write(tmp_path, "// nothing", "")))

    def test_binary_file(self, tmp_path: Path) -> None:
        path = tmp_path / "x.jsonl"
        path.write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(256)))
        with pytest.raises(ExportUnreadable, match="binary"):
            list(OntarioReader().read(path))

    def test_all_lines_rejected_raises_after_the_rejections(self, tmp_path: Path) -> None:
        seen = []
        with pytest.raises(ExportUnreadable, match="all 2 lines"):
            for item in OntarioReader().read(write(tmp_path, "{x", "{y")):
                seen.append(item)
        assert [r.where for r in seen] == ["line 1", "line 2"]

    def test_overlong_line_is_rejected_without_losing_the_next(self, tmp_path: Path) -> None:
        path = tmp_path / "long.jsonl"
        path.write_bytes(b'{"type": "' + b"x" * (2 << 20) + b'"}\n' + json.dumps(SENE).encode())
        out = list(OntarioReader().read(path))
        assert out[0].where == "line 1" and "longer" in out[0].reason
        assert out[1].id == "ON:SENE"


HUMB_MC = {"type": "credential", "kind": "micro-credential", "institution": "HUMB",
           "code": "MC-DA-01", "title": "Data Cleaning Foundations", "value": 28}


class TestRejectionsNameTheirEntity:
    """A rejected line names the entity it was about when it still reads, so it is kept."""

    @pytest.mark.parametrize(("bad", "key"), [
        ({**RULE, "version": 0}, "ON:ONT-2019-0142"),
        ({**RULE, "to": {"institution": "YORK", "grant": "loan"}}, "ON:ONT-2019-0142"),
        ({**RULE, "to": "YORK"}, "ON:ONT-2019-0142"),
        ({**RULE, "id": 142, "effective_start": "soon"}, "ON:142"),
        ({**HUMB_MC, "value": "lots"}, "ON:HUMB:MC-DA-01"),
        ({**HUMB_MC, "institution": "humb", "kind": "badge"}, "ON:HUMB:MC-DA-01"),
        ({**SENE, "grading": "A-F"}, "ON:SENE"),
    ], ids=["rule-version", "rule-grant", "rule-to", "numeric-id", "credential",
            "credential-lowercase-inst", "institution"])
    def test_key_is_the_one_the_good_record_would_have(self, tmp_path: Path, bad: dict,
                                                       key: str) -> None:
        assert rejection_for(tmp_path, bad).entity_key == key

    def test_key_matches_the_published_id_of_the_repaired_line(self, tmp_path: Path) -> None:
        damaged = rejection_for(tmp_path, {**HUMB_MC, "institution": " humb ", "value": -1})
        [good] = read(tmp_path, {**HUMB_MC, "institution": " humb "})
        assert damaged.entity_key == good.id

    @pytest.mark.parametrize("bad", [
        '{"type": "equivalency", "id": "ONT-2019-0142", "version": 3,',
        "[1, 2]",
        {**RULE, "id": "has space"},
        {**RULE, "type": "equivalence"},
        {**HUMB_MC, "code": ""},
        {"type": "institution", "name": "No id"},
    ], ids=["not-json", "not-object", "bad-id", "unknown-type", "no-code", "no-id"])
    def test_unreadable_entity_has_no_key(self, tmp_path: Path, bad: object) -> None:
        assert rejection_for(tmp_path, bad).entity_key is None

    @pytest.mark.parametrize("bad", [
        {**SENE, "id": "BC:CAPU"},
        {**HUMB_MC, "institution": "SK:SAPO"},
        {**RULE, "to": {**RULE["to"], "institution": "BC:UBCV"}},
        {**RULE, "version": 0, "to": {**RULE["to"], "institution": "BC:UBCV"}},
    ], ids=["institution", "credential", "rule", "damaged-foreign-rule"])
    def test_another_provinces_record_has_no_key(self, tmp_path: Path, bad: object) -> None:
        rejection = rejection_for(tmp_path, bad)
        assert rejection.entity_key is None, rejection


class TestRepeatedEntities:
    """An entity written twice is read from its first line; the repeat is rejected at its own."""

    def test_repeated_equivalency_is_rejected_at_its_line_naming_the_first(
            self, tmp_path: Path) -> None:
        out = read(tmp_path, SENE, RULE, "// a comment", {**RULE, "version": 4})
        assert [type(x).__name__ for x in out] == ["Institution", "Rule", "Rejection"]
        assert out[1].version == 3  # the first copy, whatever the later one's version
        assert out[2].where == "line 4" and out[2].entity_key == "ON:ONT-2019-0142"
        assert "already on line 2" in out[2].reason

    def test_repeated_institution_and_credential_codes_compare_as_qualified_ids(
            self, tmp_path: Path) -> None:
        course = {"type": "credential", "kind": "course", "institution": "SENE",
                  "code": "IPC144", "title": "Programming", "value": 56}
        out = read(tmp_path, SENE, course, {**course, "code": "ipc144"}, SENE)
        assert [getattr(x, "where", None) for x in out] == [None, None, "line 3", "line 4"]
        assert "credential ON:SENE:IPC144 is already on line 2" in out[2].reason
        assert "institution ON:SENE is already on line 1" in out[3].reason


class TestRepeatedKeys:
    """A key written twice in one object says two things: the line is rejected, not read
    as whichever copy the parser happens to keep (Python's json keeps the last)."""

    @pytest.mark.parametrize(("line", "key"), [
        ('{"type": "equivalency", "id": "ONT-1", "version": 1, "version": 9, "from": '
         '["SENE:IPC144"], "to": {"institution": "YORK", "grant": "no_credit"}, '
         '"effective_start": "2019-09-01"}', "version"),
        ('{"type": "equivalency", "id": "ONT-1", "version": 1, "from": ["SENE:IPC144"], '
         '"to": {"institution": "YORK", "institution": "UOFT", "grant": "no_credit"}, '
         '"effective_start": "2019-09-01"}', "institution"),
    ])
    def test_the_line_is_rejected_naming_the_key(self, tmp_path: Path, line: str,
                                                 key: str) -> None:
        rejection = rejection_for(tmp_path, line)
        assert rejection.where == "line 2"
        assert f"key {key!r} appears twice in one object" in rejection.reason

    def test_the_same_key_in_two_objects_is_fine(self, tmp_path: Path) -> None:
        micro = {"type": "credential", "kind": "micro-credential", "institution": "SENE",
                 "code": "MC-1", "title": "Data", "value": 28,
                 "stacks_into": [{"code": "CERT-1", "value": 28}]}   # code, value: twice
        out = read(tmp_path, SENE, micro)
        assert [type(x).__name__ for x in out] == ["Institution", "Credential"]
