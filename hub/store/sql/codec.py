"""Rows to domain objects and back: the JSON kept on rows and the column values.

Writes produce plain tuples in the order of the ``*_COLUMNS`` names, so a
batch goes to the driver without a dictionary per row. Reads decode only the
rows a query matched, with plain ``json``.

A grant is stored as a JSON list in ``Grant``'s field order, trailing nulls
dropped: ``["unassigned", 3.0, null, "ENGL", 1]``. New ``Grant`` fields must
be appended at the end so stored rules still read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hub.domain.grades import GradingScale
from hub.domain.model import (
    Credential,
    CredentialKind,
    CreditSystem,
    Grant,
    GrantKind,
    Institution,
    Rule,
    StackLink,
)

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_loads = json.loads
# Enum look-ups by dictionary: ``member.value`` and ``Enum(text)`` are slow on 3.11.
_GRANT_TEXT = {kind: kind.value for kind in GrantKind}
_GRANT_KIND = {kind.value: kind for kind in GrantKind}
_CREDENTIAL_TEXT = {kind: kind.value for kind in CredentialKind}
_CREDENTIAL_KIND = {kind.value: kind for kind in CredentialKind}

INSTITUTION_COLUMNS = ("id", "province", "name", "credit_unit", "standard_course", "grading",
                       "sector", "version")
CREDENTIAL_COLUMNS = ("id", "institution", "kind", "title", "value", "subject", "level",
                      "stacks_into", "competencies", "valid_from", "valid_to", "version",
                      "retired")
RULE_COLUMNS = ("id", "version", "revoked", "receiving_institution", "sending", "outcome",
                "any_n", "min_grade", "effective_start", "effective_end", "notes", "notation",
                "alternatives")
Values = tuple[Any, ...]


def institution_row(inst: Institution) -> Values:
    """The ``institution`` row of an institution (``INSTITUTION_COLUMNS``)."""
    grading = None if inst.grading is None else _dumps(inst.grading.as_dict())
    return (inst.id, inst.province, inst.name, inst.credit_system.unit,
            inst.credit_system.standard_course, grading, inst.sector, inst.version)


def institution_of(row: Mapping[str, Any]) -> Institution:
    """The institution of an ``institution`` row."""
    grading = row["grading"]
    return Institution(
        id=row["id"], name=row["name"],
        credit_system=CreditSystem(row["credit_unit"], row["standard_course"]),
        grading=None if grading is None else GradingScale.of(_loads(grading)),
        sector=row["sector"], version=row["version"],
    )


def credential_row(cred: Credential) -> Values:
    """The ``credential`` row of a credential (``CREDENTIAL_COLUMNS``)."""
    stacks = [[link.target, link.value] for link in cred.stacks_into]
    institution = cred.id[:cred.id.index(":", cred.id.index(":") + 1)]
    return (cred.id, institution, _CREDENTIAL_TEXT[cred.kind], cred.title, cred.value,
            cred.subject, cred.level, _dumps(stacks) if stacks else None,
            _dumps(list(cred.competencies)) if cred.competencies else None,
            cred.valid_from, cred.valid_to, cred.version, cred.retired)


def credential_of(row: Mapping[str, Any]) -> Credential:
    """The credential of a ``credential`` row."""
    stacks, competencies = row["stacks_into"], row["competencies"]
    return Credential(
        id=row["id"], kind=_CREDENTIAL_KIND[row["kind"]], title=row["title"],
        value=row["value"], subject=row["subject"], level=row["level"],
        stacks_into=() if stacks is None else tuple(StackLink(t, v) for t, v in _loads(stacks)),
        competencies=() if competencies is None else tuple(_loads(competencies)),
        valid_from=row["valid_from"], valid_to=row["valid_to"],
        version=row["version"], retired=bool(row["retired"]),
    )


def _grant_list(g: Grant) -> list[Any]:
    values = [_GRANT_TEXT[g.kind], g.credits, g.code, g.subject, g.level, g.program,
              g.designation]
    while values[-1] is None:
        values.pop()
    return values


def _grant_of(values: list[Any]) -> Grant:
    return Grant(_GRANT_KIND[values[0]], *values[1:])


class _Encoded(dict[Any, str]):
    """JSON texts of values many rules share (grant sets, sending sets), bounded."""

    def __init__(self, encode: Any, limit: int) -> None:
        super().__init__()
        self._encode = encode
        self._limit = limit

    def __missing__(self, value: Any) -> str:
        if len(self) >= self._limit:
            self.clear()
        text = self[value] = self._encode(value)
        return text


# A batch of rules repeats a few thousand grant sets: encode each once, keyed by value
# (values equal in Python, 3 and 3.0 credits, share a text; they read back equal too).
_ALTERNATIVES_TEXT = _Encoded(
    lambda alternatives: _dumps([[_grant_list(g) for g in alt] for alt in alternatives]), 50_000)
_SENDING_TEXT = _Encoded(_dumps, 100_000)


def rule_row(rule: Rule) -> Values:
    """The ``rule`` row of a rule (``RULE_COLUMNS``)."""
    try:
        sending, alternatives = _SENDING_TEXT[rule.sending], _ALTERNATIVES_TEXT[rule.alternatives]
    except TypeError:  # a list where a tuple belongs: not hashable, encoded every time
        sending = _dumps(list(rule.sending))
        alternatives = _dumps([[_grant_list(g) for g in alt] for alt in rule.alternatives])
    return (rule.id, rule.version, rule.revoked, rule.receiving_institution, sending,
            _GRANT_TEXT[rule.outcome], rule.any_n, rule.min_grade, rule.effective_start,
            rule.effective_end, rule.notes, rule.notation, alternatives)


class _Interned(dict[str, Any]):
    """Decoded JSON texts that many rows share (grant sets, sending sets), bounded."""

    def __init__(self, decode: Any, limit: int) -> None:
        super().__init__()
        self._decode = decode
        self._limit = limit

    def __missing__(self, text: str) -> Any:
        if len(self) >= self._limit:
            self.clear()  # crude, but bounded; entries are immutable values of their text
        value = self[text] = self._decode(text)
        return value


# A million rules carry a few thousand distinct grant sets: decode each once.
_ALTERNATIVES = _Interned(lambda text: tuple(tuple(_grant_of(g) for g in alt)
                                             for alt in _loads(text)), 50_000)
_SENDING = _Interned(lambda text: tuple(_loads(text)), 100_000)


def rule_of(row: Mapping[str, Any]) -> Rule:
    """The rule of a ``rule`` row."""
    return Rule(
        id=row["id"], version=row["version"], sending=_SENDING[row["sending"]],
        receiving_institution=row["receiving_institution"],
        outcome=_GRANT_KIND[row["outcome"]],
        alternatives=_ALTERNATIVES[row["alternatives"]],
        any_n=row["any_n"], min_grade=row["min_grade"],
        effective_start=row["effective_start"], effective_end=row["effective_end"],
        notes=row["notes"], notation=row["notation"], revoked=bool(row["revoked"]),
    )
