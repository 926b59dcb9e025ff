"""The BC parser against the Transfer Guide's own text.

``shared/data/bctg-real-notations.tsv`` (beside the repository, never copied
into it) holds 9,778 real ``transfer_credit`` strings with their receiving
institution and printed effective window. Nearly all must read: the few
refused are damaged text. The strings in :class:`TestReadsAsARegistrar` are
written here after the Guide's forms, not taken from the file.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from adapters.bc.dates import parse_effective_range
from adapters.bc.notation import NotationError, parse_transfer_credit
from hub.domain.model import Grant, GrantKind

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "bctg-real-notations.tsv"
MAX_REJECTED = 0.005


@pytest.fixture(scope="module")
def real_rows() -> list[dict[str, str]]:
    if not REAL.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{REAL} is required in CI and is missing", pytrace=False)
        pytest.skip(f"{REAL} is not here (shared/ is laid beside the repository in CI)")
    with REAL.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream, delimiter="\t", quoting=csv.QUOTE_NONE))


class TestRealGuideText:
    """The Guide's real strings read, all but a few damaged ones."""

    def test_at_most_half_a_percent_is_refused(self, real_rows: list[dict[str, str]]) -> None:
        refused = []
        for row in real_rows:
            try:
                parse_transfer_credit(row["transfer_credit"], row["receiving_institution"])
            except NotationError as error:
                refused.append(f"{row['transfer_credit']!r}: {error}")
        assert len(real_rows) > 9000
        assert len(refused) <= MAX_REJECTED * len(real_rows), "\n".join(refused)

    def test_every_effective_window_reads(self, real_rows: list[dict[str, str]]) -> None:
        for row in real_rows:
            start, end = parse_effective_range(row["effective"])
            assert start is not None
            assert end is None or end >= start, row["effective"]

    def test_every_granting_rule_has_credits_per_grant(
            self, real_rows: list[dict[str, str]]) -> None:
        for row in real_rows:
            try:
                credit = parse_transfer_credit(row["transfer_credit"],
                                               row["receiving_institution"])
            except NotationError:
                continue
            for group in credit.alternatives:
                for grant in group:
                    assert grant.subject, row["transfer_credit"]
                    assert grant.kind in (GrantKind.COURSE, GrantKind.UNASSIGNED)


def _c(code: str, credits: float | None, level: int | None, designation: str | None = None
       ) -> Grant:
    return Grant(GrantKind.COURSE, credits, code=code, subject=code.split()[0], level=level,
                 designation=designation)


def _u(subject: str, level: int | None, credits: float | None, designation: str | None = None
       ) -> Grant:
    return Grant(GrantKind.UNASSIGNED, credits, subject=subject, level=level,
                 designation=designation)


class TestReadsAsARegistrar:
    """Strings shaped like the Guide's read to exactly the grants a registrar reads."""

    @pytest.mark.parametrize(("text", "receiving", "alternatives", "notes"), [
        ("NIC CHEM 1XX (3), Lab, waives NIC CHEM 110 (3)", "NIC",
         ((_u("CHEM", 1, 3.0),),), "Lab, waives NIC CHEM 110 (3)"),
        ("UBCO PSYC 2nd (3), Precludes credit for UBCO PSYC 215. Not for credit in Science.",
         "UBCO", ((_u("PSYC", 2, 3.0),),),
         "Precludes credit for UBCO PSYC 215. Not for credit in Science."),
        ("SFU MATH 151 (3), Q & SFU MATH 1XX (1) - Q", "SFU",
         ((_c("MATH 151", 3.0, 1, "Q"), _u("MATH", 1, 1.0, "Q")),), None),
        ("SFU SOCI 150 (3), B-Soc or SFU SOCI 1XX (3) B-Hum. Student's choice.", "SFU",
         ((_c("SOCI 150", 3.0, 1, "B-Soc"),), (_u("SOCI", 1, 3.0, "B-Hum"),)),
         "Student's choice."),
        ("TRU CHEM 1X11 (0) & TRU CHEM 1XXX (3), *Lab, OL", "TRU",
         ((_c("CHEM 1X11", 0.0, 1), _u("CHEM", 1, 3.0)),), "*Lab, OL"),
        ("VIU HIST 2nd (3), Exemption VIU HIST 305 (0)", "VIU",
         ((_u("HIST", 2, 3.0),),), "Exemption VIU HIST 305 (0)"),
        ("BCIT COMM 1100 (3) or BCIT COMM 1116 (4.5) or BCIT COMM 2XXX (-)", "BCIT",
         ((_c("COMM 1100", 3.0, 1),), (_c("COMM 1116", 4.5, 1),), (_u("COMM", 2, None),)), None),
        ("LANG BIOL 1175 (4) & LANG BIOL 1275 (4) = UBCV BIOL 1st (6) & BIOL 140 (2), "
         "Exempt UBCV BIOL 111.", "UBCV",
         ((_u("BIOL", 1, 6.0), _c("BIOL 140", 2.0, 1)),), "Exempt UBCV BIOL 111."),
        ("SFU GEOG 100 (3), B-Soc/Sci & SFU GEOG 2XX (3), B - Soc", "SFU",
         ((_c("GEOG 100", 3.0, 1, "B-Soc/Sci"), _u("GEOG", 2, 3.0, "B-Soc")),), None),
        ("EC DRAW 200 lev (3), Studio credit.", "EC", ((_u("DRAW", 2, 3.0),),), "Studio credit."),
        ("No credit, OL", "TRU", (), "OL"),
    ])
    def test_reads_grants_and_notes(self, text: str, receiving: str,
                                    alternatives: tuple[tuple[Grant, ...], ...],
                                    notes: str | None) -> None:
        credit = parse_transfer_credit(text, receiving)
        assert credit.alternatives == alternatives
        assert credit.notes == notes

    def test_any_n_sending(self) -> None:
        credit = parse_transfer_credit(
            "Any 2 of LANG KINS 1120 (1.5) or LANG KINS 1121 (1.5) or LANG KINS 1125 (1.5) = "
            "TRU PHED 1XXX (3)", "TRU")
        assert credit.sending == ("KINS 1120", "KINS 1121", "KINS 1125")
        assert credit.any_n == 2
        assert credit.alternatives == ((_u("PHED", 1, 3.0),),)
