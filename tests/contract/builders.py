"""Small builders of domain objects for the store contract tests."""

from __future__ import annotations

from datetime import date

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


def institution(iid: str = "BC:UBCV", version: int = 1, name: str = "University") -> Institution:
    """An institution with a declared grading scale."""
    return Institution(id=iid, name=name, credit_system=CreditSystem("credits", 3.0),
                       grading=GradingScale.of({"A": 85, "B": 70, "C": 60, "F": 0}),
                       sector="university", version=version)


def course(cid: str = "BC:CAPU:ENGL 100", version: int = 1, title: str = "Writing",
           stacks_into: tuple[StackLink, ...] = (), retired: bool = False) -> Credential:
    """A course credential."""
    return Credential(id=cid, kind=CredentialKind.COURSE, title=title, value=3.0,
                      subject=cid.rsplit(":", 1)[1].split()[0], level=1,
                      stacks_into=stacks_into, version=version, retired=retired)


def rule(rid: str = "BC:1", sending: tuple[str, ...] = ("BC:CAPU:ENGL 100",),
         to: str = "BC:UBCV", version: int = 1, credits: float | None = 3.0,
         outcome: GrantKind = GrantKind.UNASSIGNED, **extra: object) -> Rule:
    """A rule granting unassigned credit (or another ``outcome``) from ``sending`` to ``to``."""
    alternatives: tuple[tuple[Grant, ...], ...] = ()
    if outcome not in (GrantKind.NO_CREDIT, GrantKind.ASSESSMENT):
        alternatives = ((Grant(outcome, credits, subject="ENGL", level=1),),)
    return Rule(id=rid, version=version, sending=sending, receiving_institution=to,
                outcome=outcome, alternatives=alternatives,
                effective_start=date(2015, 9, 1), **extra)  # type: ignore[arg-type]


def link(rid: str, sending: str | tuple[str, ...], to: str, *codes: str, version: int = 1,
         any_n: int | None = None, outcome: GrantKind = GrantKind.COURSE) -> Rule:
    """A rule from ``sending`` granting the courses ``codes`` at ``to`` (unassigned if none)."""
    alternatives: tuple[tuple[Grant, ...], ...] = (
        tuple(Grant(GrantKind.COURSE, 3.0, code=c) for c in codes)
        or (Grant(GrantKind.UNASSIGNED, 3.0, subject="CPSC", level=1),),)
    if outcome in (GrantKind.NO_CREDIT, GrantKind.ASSESSMENT):
        alternatives = ()
    elif not codes:
        outcome = GrantKind.UNASSIGNED
    return Rule(id=rid, version=version,
                sending=(sending,) if isinstance(sending, str) else sending,
                receiving_institution=to, outcome=outcome, alternatives=alternatives,
                any_n=any_n, effective_start=date(2015, 9, 1))
