"""The tables people read say what the ``--json`` document says (a registrar's review).

Each case was a table that dropped or misstated something its JSON held.
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from transferhub.cli import tables
from transferhub.cli.status import _print_table

GEN_1ST = {"kind": "unassigned", "code": None, "subject": "GEN", "level": 1, "credits": 3.0}


def printed(draw: Any, doc: dict) -> str:
    out = Console(file=io.StringIO(), width=250, force_terminal=False)
    draw(out, doc)
    return out.file.getvalue()   # type: ignore[attr-defined]


def transfer(**changes: Any) -> dict:
    doc = {"receiving_institution": "BC:UBCV", "credit_unit": "credits", "awarded": [],
           "not_transferred": [], "suggested": [], "total_credits": 0.0, "total_tc": 0.0}
    doc.update(changes)
    return doc


class TestTransferTable:
    """Awards and suggestions carry the Guide's words, notes and what they are worth."""

    def test_an_award_shows_the_guides_own_text(self) -> None:
        """"GEN 1st" is every generic subject: the Guide's text says Arts, not Science."""
        award = {"rule": "BC:1", "from": ["BC:DOUG:PSYC 1100"], "grants": [GEN_1ST],
                 "credits": 3.0, "tc": 3.0, "notation": "UBCV ARTS 1st (3)"}
        text = printed(tables.print_transfer, transfer(awarded=[award], total_credits=3.0,
                                                       total_tc=3.0))
        assert "GEN 1st (3)" in text and "Guide: UBCV ARTS 1st (3)" in text

    def test_a_suggestion_shows_its_credits_and_its_chains_notes(self) -> None:
        suggestion = {"from": ["SK:SAPO:COSC 100"],
                      "grants": [{"kind": "course", "code": "CPSC 101", "subject": "CPSC",
                                  "level": 1, "credits": 4.0}],
                      "alternatives": [[{"kind": "course", "code": "CPSC 101", "credits": 4.0}],
                                       [{**GEN_1ST, "subject": "CPSC"}]],
                      "basis": "inferred", "chain": ["BC:99006", "BC:99007"],
                      "via": ["BC:ZZA:CSCI 100"], "credits": 3.0, "tc": 3.0,
                      "notes": "BC:99007: Precludes credit for ZZB CPSC 100"}
        text = printed(tables.print_transfer, transfer(suggested=[suggestion]))
        row = next(line for line in text.splitlines() if "SK:SAPO:COSC 100" in line)
        cells = [cell.strip() for cell in row.split("│")]
        assert cells[2:5] == ["CPSC 101 (4) or CPSC 1st (3)", "3", "3"]   # credits, tc
        assert "BC:99007: Precludes credit for ZZB CPSC 100" in text
        assert "Total: 0 credits" in text      # never counted

    def test_alternatives_of_several_grants_each_take_a_line(self) -> None:
        """"MATH 111 (3) & MATH 1st (1) or MATH 2nd (4)" read as either grouping."""
        math = {"kind": "course", "code": "MATH 111", "credits": 3.0}
        first = {**GEN_1ST, "subject": "MATH", "credits": 1.0}
        second = {**GEN_1ST, "subject": "MATH", "level": 2, "credits": 4.0}
        award = {"rule": "BC:3", "from": ["BC:X:MATH 1"], "grants": [math, first],
                 "alternatives": [[math, first], [second]], "credits": 4.0, "tc": 4.0}
        lines = printed(tables.print_transfer, transfer(awarded=[award])).splitlines()
        cells = [line.split("│")[3].strip() for line in lines if line.startswith("│")]
        assert cells[:2] == ["MATH 111 (3) & MATH 1st (1)", "or MATH 2nd (4)"]

    def test_unassigned_credit_at_no_level_is_not_read_as_a_course(self) -> None:
        grant = {"kind": "unassigned", "code": None, "subject": "CHIN", "level": None,
                 "credits": 3.0}
        award = {"rule": "BC:2", "from": ["BC:X:CHIN 1"], "grants": [grant], "credits": 3.0,
                 "tc": 3.0}
        assert "CHIN XXX (3)" in printed(tables.print_transfer, transfer(awarded=[award]))


def test_a_stack_with_nothing_counted_says_so() -> None:
    doc = {"target": "ON:HUMB:CERT-DA", "unit": "hours", "required": 112.0, "earned": 0.0,
           "remaining": 112.0, "counted": [], "not_counted": []}
    text = printed(tables.print_stack, doc)
    assert "Nothing counted toward ON:HUMB:CERT-DA." in text and "┏" not in text


def test_status_shows_a_lag_not_measured_as_unknown_not_zero() -> None:
    doc = {"events_applied": 5, "events_duplicate": 0, "dead_lettered": 0, "lag": 0,
           "lag_known": False, "institutions": 1, "credentials": 2, "rules": 3,
           "by_province": {"BC": {"events_applied": 5, "events_duplicate": 0, "events_stale": 0,
                                  "dead_lettered": 0, "last_event_at": None, "lag": 0}}}

    def draw(out: Console, doc: dict) -> None:
        tables_console = tables.console
        tables.console = lambda **_: out   # type: ignore[assignment]
        try:
            _print_table(doc)
        finally:
            tables.console = tables_console   # type: ignore[assignment]

    text = printed(draw, doc)
    row = next(line for line in text.splitlines() if line.startswith("│ BC"))
    assert row.split("│")[6].strip() == "?"
    assert "lag ? (not measured lately" in text
