"""Hub answers as tables for people (rich), built from the same JSON as ``--json``.

Building from :mod:`transferhub.cli.render`'s documents keeps the two views
from disagreeing.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from transferhub.cli.failure import visible

Json = dict[str, Any]

PIPED_WIDTH = 200
"""Columns of tables written to a pipe or file (rich's own default there is 80, which cuts
ids and times short); ``COLUMNS`` in the environment still decides when it is set."""


class _Console(Console):
    """rich's console, but a reader that left (``transferhub status | head -1``) ends the
    command as it does with ``--json`` (exit 141), not with rich's own exit 1, which
    CLI.md keeps for "the hub answered with an error"."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


class Table(RichTable):
    """rich's table, whose cells wrap (folding a word too long for its column) instead of
    ending in "…": on a narrow terminal a rule id or a reason is cut nowhere."""

    def add_column(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("overflow", "fold")
        super().add_column(*args, **kwargs)


def console(*, stderr: bool = False) -> Console:
    """A console for people: the terminal's width, or :data:`PIPED_WIDTH` when piped."""
    out = _Console(stderr=stderr)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        out = _Console(stderr=stderr, width=PIPED_WIDTH)
    return out


def shown(value: Any) -> Any:
    """``value`` (a JSON document) with every string safe to print for people.

    The hub's answers carry text the provinces wrote (notes, titles, a dead
    letter's reason). Written as it is, a note holding ``[/dim]`` is rich markup
    that stops the command with a traceback, and one holding an escape sequence
    (``\\x1b]0;…``) rewrites the reader's terminal. Markup is escaped, and a control
    character is shown as its escape (``\\x1b``); ``--json`` keeps the text as sent.
    """
    if isinstance(value, str):
        return escape(visible(value))
    if isinstance(value, dict):
        return {shown(key): shown(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shown(item) for item in value]
    return value


_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th"}


def amount(value: float) -> str:
    """Credits for people: rounded to six decimals, never to six significant digits and
    never in exponent form ("{:g}" printed 123456.75 hours as 123457 and 1,000,000 credit
    weight as 1e+06); a value too small for six decimals keeps two digits. ``--json``
    gives every value exactly."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    if text in ("0", "-0") and value:
        return format(Decimal(f"{value:.2g}"), "f")
    return "0" if text == "-0" else text


def _grant_text(grant: Json) -> str:
    if grant["kind"] == "block":
        text = f"block toward {grant['program']} ({amount(grant['credits'])})"
    else:
        # Unassigned credit read the way transfer guides print it ("ENGL 1st").
        year = grant["level"] if grant["kind"] == "unassigned" else None
        level = f" {_ORDINALS.get(year, f'{year}th')}" if year else " XXX"   # no level: XXX
        code = grant["code"] or f"{grant['subject']}{level}"
        credits = "-" if grant.get("unknown_credits") else amount(grant["credits"])
        text = f"{code} ({credits})"
    if grant.get("designation"):
        text += f" \\[{grant['designation']}]"
    return text


def _grants_text(grants: list[Json]) -> str:
    return " & ".join(_grant_text(g) for g in grants) or "-"


def _offered_text(item: Json) -> str:
    """An item's grants, or every alternative joined by "or" when it has several."""
    if "alternatives" in item:
        texts = [_grants_text(alt) for alt in item["alternatives"]]
        if any(len(alt) > 1 for alt in item["alternatives"]):
            # "A & B or C" reads two ways: one alternative a line, each after the first
            # with its "or".
            return "\nor ".join(texts)
        return " or ".join(texts)
    return _grants_text(item["grants"])


def _described(item: Json) -> str:
    """An item's grants, then in dim lines the Guide's own text and the rules' notes.

    The grants are rebuilt from the model ("GEN 1st (3)" for every generic subject,
    "1st" for the Guide's "1XX" and "100 lev"); the Guide's text (a BC rule's
    ``notation``) says which ("UBCV ARTS 1st (3)"), as a registrar knows it. Notes
    are MODEL.md's "shown with every answer that uses the rule"."""
    text = _offered_text(item)
    if item.get("notation"):
        text += f"\n[dim]Guide: {item['notation']}[/dim]"
    if item.get("notes"):
        text += f"\n[dim]{item['notes']}[/dim]"
    return text


def _credits_text(item: Json, key: str) -> str:
    """An award's credits, saying where some are unknown (``(-)``, counted as 0):
    "0 (unknown)" when that is all it grants, "3 + unknown" beside known credits."""
    if not item.get("unknown_credits"):
        return amount(item[key])
    return f"{amount(item[key])} + unknown" if item[key] else "0 (unknown)"


def print_transfer(console: Console, doc: Json) -> None:
    """A transfer answer: awarded, not transferred, suggested, totals."""
    doc = shown(doc)
    unit = doc["credit_unit"]
    awarded = Table(title=f"Awarded at {doc['receiving_institution']}", title_justify="left")
    for column in ("rule", "from", "grants", unit, "tc"):
        awarded.add_column(column, justify="right" if column in (unit, "tc") else "left")
    for item in doc["awarded"]:
        awarded.add_row(item["rule"], "\n".join(item["from"]), _described(item),
                        _credits_text(item, "credits"), _credits_text(item, "tc"))
    if doc["awarded"]:
        console.print(awarded)
    else:
        console.print(f"Nothing awarded at {doc['receiving_institution']}.")
    _print_reasons(console, "Not transferred", doc["not_transferred"])
    if doc["suggested"]:
        suggested = Table(title="Suggested (inferred, not counted)", title_justify="left")
        for column in ("from", "grants", unit, "tc", "chain"):
            suggested.add_column(column, justify="right" if column in (unit, "tc") else "left")
        for item in doc["suggested"]:
            suggested.add_row("\n".join(item["from"]), _described(item),
                              _credits_text(item, "credits"), _credits_text(item, "tc"),
                              _chain_text(item))
        console.print(suggested)
    # MODEL.md: unknown credits count as 0 "and the answer says so".
    unknown = any(item.get("unknown_credits") for item in doc["awarded"])
    console.print(f"Total: [bold]{amount(doc['total_credits'])} {unit}[/bold] "
                  f"({amount(doc['total_tc'])} tc)"
                  + ("; unknown credits counted as 0" if unknown else ""))


def _print_reasons(console: Console, title: str, items: list[Json]) -> None:
    """Credentials with a reason and its detail (not transferred, not counted), if any."""
    if not items:
        return
    table = Table(title=title, title_justify="left")
    for column in ("credential", "reason", "detail"):
        table.add_column(column)
    for item in items:
        table.add_row(item["credential"], item["reason"], item["detail"])
    console.print(table)


def print_stack(console: Console, doc: Json) -> None:
    """A stacking answer: what counted and how much remains."""
    doc = shown(doc)
    table = Table(title=f"Toward {doc['target']} ({doc['unit']})", title_justify="left")
    table.add_column("credential")
    table.add_column("value", justify="right")
    table.add_column("via rule")
    for item in doc["counted"]:
        via = item.get("via_rule", "")
        if via and item.get("counts_as"):
            via = f"{via} (as {item['counts_as']})"
        table.add_row(item["credential"], amount(item["value"]), via)
    if doc["counted"]:
        console.print(table)
    else:
        console.print(f"Nothing counted toward {doc['target']}.")
    _print_reasons(console, "Not counted", doc.get("not_counted", []))
    if doc.get("required_unknown"):
        console.print(f"Required unknown (the target's record gives no value), earned "
                      f"[bold]{amount(doc['earned'])}[/bold] {doc['unit']}")
        return
    console.print(f"Required {amount(doc['required'])}, earned {amount(doc['earned'])}, "
                  f"[bold]remaining {amount(doc['remaining'])}[/bold] {doc['unit']}")


def _chain_text(item: Json) -> str:
    """``BC:88216 → BC:CAPU:CSCI 110 → BC:88220``: each rule, and the credential between."""
    parts = [item["chain"][0]]
    for rule, through in zip(item["chain"][1:], item.get("via") or [], strict=False):
        parts += [through, rule]
    return " → ".join(parts) if len(parts) == 2 * len(item["chain"]) - 1 \
        else " → ".join(item["chain"])


def _sending_text(item: Json) -> str:
    """What a rule needs: "A", "A & B" (all of them) or "any 2 of A or B or C"."""
    if item.get("any_n"):
        return f"any {item['any_n']} of " + " or ".join(item["from"])
    return " & ".join(item["from"])


def print_equivalents(console: Console, doc: Json) -> None:
    """Every rule from a credential with its provenance: what it needs (a partner course
    or "any N of", without which a registrar would read the credential alone as earning
    the grant), what it grants and its notes (MODEL.md: shown with every answer)."""
    doc = shown(doc)
    table = Table(title=f"Equivalents of {doc['credential']}", title_justify="left")
    for column in ("rule", "v", "from", "to", "grants", "min grade", "effective"):
        table.add_column(column)
    for item in doc["equivalents"]:
        grants = _described(item) if item["grants"] else item["outcome"]
        if not item["grants"] and item.get("notes"):
            grants += f"\n[dim]{item['notes']}[/dim]"
        window = f"{item['effective_start'] or '…'} – {item['effective_end'] or 'present'}"
        table.add_row(item["rule"], str(item["version"]), _sending_text(item),
                      item["receiving_institution"], grants, item["min_grade"] or "", window)
    console.print(table)
    if not doc["equivalents"]:
        to = f" to {doc['to']}" if doc.get("to") else ""
        console.print(f"No rule leads from this credential{to}.")
