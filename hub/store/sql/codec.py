"""Rows to domain objects and back: the JSON kept on rows and the column values.

Decoding is the hot part of a query, so it is done per matched row only, with
plain ``json`` and no ORM objects.
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

_GRANT_FIELDS = ("code", "subject", "level", "program", "designation")
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_loads = json.loads


def institution_values(inst: Institution) -> dict[str, Any]:
    """The ``institution`` row of an institution."""
    grading = None if inst.grading is None else _dumps(inst.grading.as_dict())
    return {"id": inst.id, "province": inst.province, "name": inst.name,
            "credit_unit": inst.credit_system.unit,
            "standard_course": inst.credit_system.standard_course,
            "grading": grading, "sector": inst.sector, "version": inst.version}


def institution_of(row: Mapping[str, Any]) -> Institution:
    """The institution of an ``institution`` row."""
    grading = row["grading"]
    return Institution(
        id=row["id"], name=row["name"],
        credit_system=CreditSystem(row["credit_unit"], row["standard_course"]),
        grading=None if grading is None else GradingScale.of(_loads(grading)),
        sector=row["sector"], version=row["version"],
    )


def credential_values(cred: Credential) -> dict[str, Any]:
    """The ``credential`` row of a credential."""
    stacks = [[link.target, link.value] for link in cred.stacks_into]
    return {"id": cred.id, "institution": cred.institution, "kind": cred.kind.value,
            "title": cred.title, "value": cred.value, "subject": cred.subject,
            "level": cred.level, "stacks_into": _dumps(stacks) if stacks else None,
            "competencies": _dumps(list(cred.competencies)) if cred.competencies else None,
            "valid_from": cred.valid_from, "valid_to": cred.valid_to,
            "version": cred.version, "retired": cred.retired}


def credential_of(row: Mapping[str, Any]) -> Credential:
    """The credential of a ``credential`` row."""
    stacks, competencies = row["stacks_into"], row["competencies"]
    return Credential(
        id=row["id"], kind=CredentialKind(row["kind"]), title=row["title"],
        value=row["value"], subject=row["subject"], level=row["level"],
        stacks_into=() if stacks is None else tuple(StackLink(t, v) for t, v in _loads(stacks)),
        competencies=() if competencies is None else tuple(_loads(competencies)),
        valid_from=row["valid_from"], valid_to=row["valid_to"],
        version=row["version"], retired=bool(row["retired"]),
    )


def _grant_json(grant: Grant) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": grant.kind.value, "credits": grant.credits}
    for name in _GRANT_FIELDS:
        value = getattr(grant, name)
        if value is not None:
            out[name] = value
    return out


def _grant_of(data: dict[str, Any]) -> Grant:
    return Grant(kind=GrantKind(data["kind"]), credits=data["credits"],
                 code=data.get("code"), subject=data.get("subject"), level=data.get("level"),
                 program=data.get("program"), designation=data.get("designation"))


def rule_values(rule: Rule) -> dict[str, Any]:
    """The ``rule`` row of a rule."""
    alternatives = [[_grant_json(g) for g in alt] for alt in rule.alternatives]
    return {"id": rule.id, "version": rule.version, "revoked": rule.revoked,
            "receiving_institution": rule.receiving_institution,
            "sending": _dumps(list(rule.sending)), "outcome": rule.outcome.value,
            "any_n": rule.any_n, "min_grade": rule.min_grade,
            "effective_start": rule.effective_start, "effective_end": rule.effective_end,
            "notes": rule.notes, "notation": rule.notation,
            "alternatives": _dumps(alternatives)}


def rule_of(row: Mapping[str, Any]) -> Rule:
    """The rule of a ``rule`` row."""
    alternatives = row["alternatives"]
    return Rule(
        id=row["id"], version=row["version"], sending=tuple(_loads(row["sending"])),
        receiving_institution=row["receiving_institution"], outcome=GrantKind(row["outcome"]),
        alternatives=() if alternatives == "[]" else tuple(
            tuple(_grant_of(g) for g in alt) for alt in _loads(alternatives)),
        any_n=row["any_n"], min_grade=row["min_grade"],
        effective_start=row["effective_start"], effective_end=row["effective_end"],
        notes=row["notes"], notation=row["notation"], revoked=bool(row["revoked"]),
    )
