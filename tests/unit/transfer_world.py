"""Builders for query-engine unit tests: a small world in the in-memory repository."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date

from hub.domain import optimiser
from hub.domain.answers import Completed, TransferAnswer, TransferQuery
from hub.domain.dates import parse_completion_date
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
from hub.domain.transfer import answer_transfer
from hub.store.memory import InMemoryEquivalencyRepository

# Four Capilano courses and UBC, the credentials and receiver most tests use.
A, B, C, D = "BC:CAPU:ENGL 100", "BC:CAPU:ENGL 101", "BC:CAPU:ENGL 102", "BC:CAPU:ENGL 103"
UBC = "BC:UBCV"
UOFT_SCALE = GradingScale.of({"A+": 90, "A": 85, "A-": 80, "B+": 77, "B": 73, "B-": 70,
                              "C+": 67, "C": 63, "C-": 60, "D+": 57, "D": 53, "D-": 50,
                              "F": 0})


def institution(iid: str, unit: str = "credits", standard: float = 3.0,
                scale: GradingScale | None = None, version: int = 1) -> Institution:
    """An institution with its credit system and optional scale."""
    return Institution(iid, iid, CreditSystem(unit, standard), scale, version=version)


def course(code: str, credits: float | None = 3.0, designation: str | None = None) -> Grant:
    """A specific-course grant ``code`` (``ENGL 110``)."""
    return Grant(GrantKind.COURSE, credits, code=code, subject=code.split()[0],
                 designation=designation)


def unassigned(subject: str, level: int, credits: float | None = 3.0) -> Grant:
    """Credit in a subject at a level (``ENGL 1st``)."""
    return Grant(GrantKind.UNASSIGNED, credits, subject=subject, level=level)


def block(program: str, credits: float) -> Grant:
    """A block of credits toward a program."""
    return Grant(GrantKind.BLOCK, credits, program=program)


def rule(rid: str, sending: str | Sequence[str], to: str, *grants: Grant,
         alternatives: Sequence[Sequence[Grant]] | None = None,
         outcome: GrantKind | None = None, any_n: int | None = None,
         min_grade: str | None = None, start: str | None = None, end: str | None = None,
         version: int = 1, revoked: bool = False, notes: str | None = None) -> Rule:
    """A rule; granting unless ``outcome`` is ``no_credit``/``assessment``."""
    sending = (sending,) if isinstance(sending, str) else tuple(sending)
    alts = tuple(tuple(a) for a in alternatives) if alternatives else ((grants,) if grants else ())
    if outcome is None:
        outcome = alts[0][0].kind if alts and alts[0] else GrantKind.UNASSIGNED
    return Rule(rid, version, sending, to, outcome, alts, any_n=any_n, min_grade=min_grade,
                effective_start=date.fromisoformat(start) if start else None,
                effective_end=date.fromisoformat(end) if end else None,
                notes=notes, revoked=revoked)


def credential(cid: str, value: float | None = None, stacks: Iterable[tuple[str, float]] = (),
               kind: str = "course", version: int = 1) -> Credential:
    """A credential record, stacking into targets with values."""
    return Credential(cid, CredentialKind(kind), value=value,
                      stacks_into=tuple(StackLink(t, v) for t, v in stacks), version=version)


def done(cid: str, grade: str = "B", on: str = "2020-04") -> Completed:
    """A completed credential; ``on`` is ``YYYY-MM`` or ``YYYY-MM-DD``."""
    return Completed(cid, grade, parse_completion_date(on))


def world(*things: Institution | Credential | Rule) -> InMemoryEquivalencyRepository:
    """A repository holding ``things`` (institutions for the default BC pair always)."""
    repo = InMemoryEquivalencyRepository()
    repo.upsert_institution(institution("BC:CAPU"))
    repo.upsert_institution(institution("BC:UBCV"))
    load(repo, things)
    return repo


def load(repo: InMemoryEquivalencyRepository,
         things: Iterable[Institution | Credential | Rule]) -> None:
    """Upsert each of ``things`` into ``repo`` as its kind."""
    for thing in things:
        if isinstance(thing, Institution):
            repo.upsert_institution(thing)
        elif isinstance(thing, Credential):
            repo.upsert_credential(thing)
        else:
            repo.upsert_rule(thing)


def transfer(repo: InMemoryEquivalencyRepository, to: str, *completed: Completed
             ) -> TransferAnswer:
    """Run a transfer query."""
    return answer_transfer(repo, TransferQuery(to, tuple(completed)))


def awarded(answer: TransferAnswer) -> dict[str, tuple[str, ...]]:
    """``{rule id: credentials used}`` of an answer."""
    return {a.rule.id: a.used for a in answer.awarded}


def reasons(answer: TransferAnswer) -> dict[str, str]:
    """``{credential: reason}`` of an answer's not_transferred."""
    return {n.credential: str(n.reason) for n in answer.not_transferred}


@contextmanager
def levels_for_every_search() -> Iterator[list[int]]:
    """Every competition the search would settle is settled criterion by criterion
    (:mod:`hub.domain.levels`) instead; yields a list that grows by one each time."""
    calls: list[int] = []
    saved = optimiser.SEARCH_BEFORE_LEVELS, optimiser.best_plan, optimiser._SHAPES
    solve = optimiser.best_plan

    def counted(*args):  # type: ignore[no-untyped-def]
        calls.append(1)
        return solve(*args)

    optimiser.SEARCH_BEFORE_LEVELS, optimiser.best_plan, optimiser._SHAPES = 0, counted, {}
    try:
        yield calls
    finally:
        optimiser.SEARCH_BEFORE_LEVELS, optimiser.best_plan, optimiser._SHAPES = saved
