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
from dataclasses import fields
from datetime import date
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
from hub.memo import Memo

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
        valid_from=_DATES[row["valid_from"]], valid_to=_DATES[row["valid_to"]],
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


# A batch of rules repeats a few thousand grant sets: encode each once, keyed by value
# (values equal in Python, 3 and 3.0 credits, share a text; they read back equal too).
_ALTERNATIVES_TEXT = Memo(
    lambda alternatives: _dumps([[_grant_list(g) for g in alt] for alt in alternatives]), 50_000)
_SENDING_TEXT = Memo(_dumps, 100_000)


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


def _sending_of(text: str) -> tuple[str, ...]:
    """A sending set's JSON text as a tuple, without ``json`` in the common case.

    ``_dumps`` writes ``["A","B"]``: with no backslash (no escapes) and no quote
    but the delimiters, splitting on ``","`` reads exactly what ``json`` would.
    Anything else (escapes, other spacing, an empty list) goes through ``json``.
    """
    parts = text[2:-2].split('","')
    if (text[:2] != '["' or text[-2:] != '"]' or "\\" in text
            or text.count('"') != 2 * len(parts)):
        return tuple(_loads(text))
    return tuple(parts)


# A million rules carry a few thousand distinct grant sets: decode each once.
_ALTERNATIVES = Memo(lambda text: tuple(tuple(_grant_of(g) for g in alt)
                                             for alt in _loads(text)), 50_000)
_SENDING = Memo(_sending_of, 100_000)

# SQLite keeps dates as ``YYYY-MM-DD`` text; read without SQLAlchemy's types
# (``reads`` does on SQLite), they arrive as text. A store names few distinct
# dates, so each is converted once.
_DATES = Memo(lambda value: date.fromisoformat(value) if isinstance(value, str) else value,
              10_000)

# The columns a reader selects to decode a rule, in this order (``rule_of_values``):
# independent of ``RULE_COLUMNS``, the order writes use.
RULE_READ_COLUMNS = ("id", "version", "revoked", "receiving_institution", "sending", "outcome",
                     "any_n", "min_grade", "effective_start", "effective_end", "notes",
                     "notation", "alternatives")


def _rule_by_constructor(v: Any) -> Rule:
    return Rule(
        id=v[0], version=v[1], revoked=bool(v[2]), receiving_institution=v[3],
        sending=_SENDING[v[4]], outcome=_GRANT_KIND[v[5]], any_n=v[6], min_grade=v[7],
        effective_start=_DATES[v[8]], effective_end=_DATES[v[9]], notes=v[10], notation=v[11],
        alternatives=_ALTERNATIVES[v[12]],
    )


def _slot_setters() -> dict[str, Any] | None:
    """Each ``Rule`` slot's setter, when a rule is nothing but its 13 slots.

    A frozen dataclass's ``__init__`` assigns every field through
    ``object.__setattr__`` (a third of a decode); setting the slots directly
    builds the same object. Should ``Rule`` gain a field, a ``__post_init__``
    or lose its slots, decoding falls back to the constructor.
    """
    names = {f.name for f in fields(Rule)}
    expected = {"id", "version", "sending", "receiving_institution", "outcome", "alternatives",
                "any_n", "min_grade", "effective_start", "effective_end", "notes", "notation",
                "revoked"}
    if (names != expected or hasattr(Rule, "__post_init__")
            or set(getattr(Rule, "__slots__", ())) != names):
        return None
    return {name: Rule.__dict__[name].__set__ for name in names}


_SETTERS = _slot_setters()

if _SETTERS is None:
    rule_of_values = _rule_by_constructor
else:
    def rule_of_values(v: Any, new: Any = object.__new__, cls: type[Rule] = Rule,
                       sending: Any = _SENDING, alternatives: Any = _ALTERNATIVES,
                       kinds: Any = _GRANT_KIND, dates: Any = _DATES, s_id: Any = _SETTERS["id"],
                       s_version: Any = _SETTERS["version"], s_revoked: Any = _SETTERS["revoked"],
                       s_receiving: Any = _SETTERS["receiving_institution"],
                       s_sending: Any = _SETTERS["sending"], s_outcome: Any = _SETTERS["outcome"],
                       s_any_n: Any = _SETTERS["any_n"], s_min_grade: Any = _SETTERS["min_grade"],
                       s_start: Any = _SETTERS["effective_start"],
                       s_end: Any = _SETTERS["effective_end"], s_notes: Any = _SETTERS["notes"],
                       s_notation: Any = _SETTERS["notation"],
                       s_alternatives: Any = _SETTERS["alternatives"]) -> Rule:
        """The rule of a ``rule`` row selected as ``RULE_READ_COLUMNS`` (a tuple or SQL row).

        Dates may be ``date`` values or ISO text (a row read without SQLAlchemy's types).
        """
        rule = new(cls)
        s_id(rule, v[0])
        s_version(rule, v[1])
        s_revoked(rule, bool(v[2]))
        s_receiving(rule, v[3])
        s_sending(rule, sending[v[4]])
        s_outcome(rule, kinds[v[5]])
        s_any_n(rule, v[6])
        s_min_grade(rule, v[7])
        s_start(rule, dates[v[8]])
        s_end(rule, dates[v[9]])
        s_notes(rule, v[10])
        s_notation(rule, v[11])
        s_alternatives(rule, alternatives[v[12]])
        return rule


def rule_of(row: Mapping[str, Any]) -> Rule:
    """The rule of a ``rule`` row given by column name."""
    return rule_of_values(tuple(row[name] for name in RULE_READ_COLUMNS))
