"""``transferhub equivalents`` for people says what each rule needs, and its notes.

A registrar read "BC:202 → UVIC BIOL 184 (1.5) & BIOL 186 (1.5)" under LANG BIOL
1115 as that course alone earning 3 units; the rule needs BIOL 1215 too, and "any 2
of" rules read the same way. The notes ("Precludes credit for …") were missing,
though MODEL.md shows them with every answer that uses the rule. ``--json`` had
all of it; the table is built from the same document.
"""

from __future__ import annotations

import io

from rich.console import Console

from transferhub.cli.tables import print_equivalents

LANG = "BC:LANG:BIOL 1115"


def equivalent(rule: str, sending: list[str], any_n: int | None = None,
               notes: str = "") -> dict:
    item = {"rule": rule, "province": "BC", "version": 1, "from": sending, "any_n": any_n,
            "receiving_institution": "BC:UVIC", "outcome": "course",
            "grants": [{"kind": "course", "code": "BIOL 184", "credits": 1.5}],
            "min_grade": "C", "effective_start": "2015-05", "effective_end": None,
            "notation": None}
    if notes:
        item["notes"] = notes
    return item


def printed(*items: dict) -> str:
    out = Console(file=io.StringIO(), width=250, force_terminal=False)
    print_equivalents(out, {"credential": LANG, "equivalents": list(items)})
    return out.file.getvalue()   # type: ignore[attr-defined]


class TestEquivalentsTable:
    """Each rule's row names what it needs and carries its notes."""

    def test_a_combination_names_the_partner(self) -> None:
        text = printed(equivalent("BC:202", [LANG, "BC:LANG:BIOL 1215"]))
        assert "BC:LANG:BIOL 1115 & BC:LANG:BIOL 1215" in text

    def test_any_n_of_says_so(self) -> None:
        text = printed(equivalent("BC:203", [LANG, "BC:LANG:BIOL 1215", "BC:LANG:BIOL 1220"],
                                  any_n=2))
        assert "any 2 of BC:LANG:BIOL 1115 or BC:LANG:BIOL 1215 or BC:LANG:BIOL 1220" in text

    def test_a_single_credential_is_itself(self) -> None:
        assert f"│ {LANG}" in printed(equivalent("BC:204", [LANG]))

    def test_notes_are_shown(self) -> None:
        text = printed(equivalent("BC:104", [LANG], notes="Precludes credit for EOSC 110."))
        assert "Precludes credit for EOSC 110." in text


class TestAmountsForPeople:
    """Credits in tables keep their whole part and no exponent; --json is exact."""

    def test_amounts(self) -> None:
        from transferhub.cli.tables import amount

        assert [amount(v) for v in (123456.75, 1_000_000.0, 3.0, 0.5, 45 * 3 / 42, 0.0,
                                    0.001 * 3 / 42, 1e-9)] == [
            "123456.75", "1000000", "3", "0.5", "3.214286", "0", "0.000071", "0.000000001"]
