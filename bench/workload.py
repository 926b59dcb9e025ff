"""A synthetic federation for the query benchmarks: rules in competing clusters, and transcripts.

Shape (the same at every size, so only the store's size changes between runs):

- 300 institutions in BC, ON and SK with their real kinds of credit system;
- each institution's courses come in groups of four; each group has clusters
  of rules into ``FAN_OUT`` receiving institutions (popular receivers, drawn
  Zipf-like, get more), so every sending course has about nine rules;
- a cluster's seven rules compete for the same four courses: singles, an
  ``A & B`` combination, an "any 2 of" three, alternatives, a minimum grade and
  a closed window; the courses granted are the receiver's own courses, which
  themselves send onward, so inferred pathways exist;
- a transcript is ``items`` credentials at a popular receiver: the four courses
  of several clusters into it, plus a few with no agreement there (which the
  hub then searches pathways for).

The store size grows with the number of course groups, never with a course's
fan-out: a query's cost should not grow either.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from hub.domain.answers import Completed, TransferQuery
from hub.domain.model import CreditSystem, Grant, GrantKind, Institution, Rule

INSTITUTIONS = 300
FAN_OUT = 5
RULES_PER_CLUSTER = 7
GROUP = 4
SUBJECTS = ("ENGL", "MATH", "CPSC", "PSYC", "BIOL", "CHEM", "ECON", "HIST", "PHIL", "GEOG")
_SYSTEMS = {"BC": CreditSystem("credits", 3.0), "ON": CreditSystem("credit weight", 0.5),
            "SK": CreditSystem("credit units", 3.0)}
GRADES = ("A", "A-", "B+", "B", "B-", "C+", "C", "D", "92", "81", "74", "66", "58")


def institution_id(index: int) -> str:
    """``BC:G0003``: provinces in turn, so each has a third of the institutions."""
    return f"{('BC', 'ON', 'SK')[index % 3]}:G{index:04d}"


def course(institution: str, index: int) -> str:
    """The ``index``-th course credential of an institution (``BC:G0003:MATH 104``)."""
    subject = SUBJECTS[index % len(SUBJECTS)]
    return f"{institution}:{subject} {100 + index // len(SUBJECTS)}"


@dataclass
class Federation:
    """The generated model's shape: what the transcripts are drawn from."""

    size: int
    groups_per_institution: int
    clusters_into: dict[int, list[tuple[str, ...]]] = field(default_factory=dict)

    @property
    def courses_per_institution(self) -> int:
        """Courses each institution has (four per group)."""
        return self.groups_per_institution * GROUP


def institutions() -> list[Institution]:
    """The 300 institutions."""
    out = []
    for i in range(INSTITUTIONS):
        iid = institution_id(i)
        out.append(Institution(iid, f"Generated {iid}", _SYSTEMS[iid[:2]]))
    return out


def _receivers(rng: random.Random, sender: int, weights: list[float]) -> list[int]:
    chosen: list[int] = []
    while len(chosen) < FAN_OUT:
        pick = rng.choices(range(INSTITUTIONS), weights)[0]
        if pick != sender and pick not in chosen:
            chosen.append(pick)
    return chosen


def _cluster(number: int, rng: random.Random, courses: tuple[str, ...], receiver: int,
             per: int) -> list[Rule]:
    """Seven rules from one group of four courses into one receiver, all competing."""
    a, b, c, d = courses
    rid = institution_id(receiver)
    prov = rid[:2]
    unit = _SYSTEMS[prov].standard_course

    def grant(k: int, credits: float = unit) -> Grant:
        return Grant(GrantKind.COURSE, credits, code=course(rid, k).split(":", 2)[2])

    def target() -> int:
        return rng.randrange(per)

    subject = SUBJECTS[rng.randrange(len(SUBJECTS))]
    generic = Grant(GrantKind.UNASSIGNED, 2 * unit, subject=subject, level=1)
    specs = [
        ((a,), None, (grant(target()),), None, None),
        ((b,), None, (grant(target()),), "C+", None),
        ((a, b), None, (grant(target(), 2 * unit),), None, None),
        ((b, c, d), 2, (generic,), None, None),
        ((c,), None, (grant(target()),), None, None),
        ((d,), None, (grant(target()),), None, date(2015, 8, 31)),
        ((d,), None, (grant(target()),), "B", None),
    ]
    rules = []
    for n, (sending, any_n, grants, min_grade, end) in enumerate(specs):
        alternatives: tuple[tuple[Grant, ...], ...] = (grants,)
        if n == 4:  # "X or Y": the smallest alternative counts
            alternatives = (grants, (Grant(GrantKind.UNASSIGNED, unit, subject=subject,
                                           level=2),))
        rules.append(Rule(
            id=f"{prov}:Q-{number * RULES_PER_CLUSTER + n}", version=1, sending=sending,
            receiving_institution=rid, outcome=alternatives[0][0].kind,
            alternatives=alternatives, any_n=any_n, min_grade=min_grade,
            effective_start=date(2005, 9, 1), effective_end=end))
    return rules


def federation(size: int) -> Federation:
    """The shape of a federation of about ``size`` rules (without generating the rules)."""
    groups = max(1, round(size / (INSTITUTIONS * FAN_OUT * RULES_PER_CLUSTER)))
    return Federation(size, groups)


def rules(fed: Federation, seed: int = 7) -> Iterator[Rule]:
    """Every rule of ``fed`` (exactly ``fed.size``), recording its clusters into ``fed``."""
    rng = random.Random(seed)
    weights = [1.0 / (i + 1) for i in range(INSTITUTIONS)]
    per = fed.courses_per_institution
    into: dict[int, list[tuple[str, ...]]] = defaultdict(list)
    made = number = 0
    while True:
        for g in range(fed.groups_per_institution):
            for s in range(INSTITUTIONS):
                sid = institution_id(s)
                group = tuple(course(sid, g * GROUP + k) for k in range(GROUP))
                for receiver in _receivers(rng, s, weights):
                    for rule in _cluster(number, rng, group, receiver, per):
                        if made == fed.size:
                            fed.clusters_into = dict(into)
                            return
                        yield rule
                        made += 1
                    into[receiver].append(group)
                    number += 1
        # A size above the shape's capacity: more clusters over the same courses.
        rng.seed(seed + number)


def transcripts(fed: Federation, receiver: int, count: int, items: int = 40,
                unmatched: int = 4, seed: int = 11) -> list[TransferQuery]:
    """``count`` transcripts for ``receiver``: clusters into it, plus ``unmatched`` others."""
    rng = random.Random(seed)
    pool = fed.clusters_into[receiver]
    into = set(pool)
    rid = institution_id(receiver)
    queries = []
    for _ in range(count):
        chosen: list[str] = []
        for group in rng.sample(pool, min(len(pool), (items - unmatched) // GROUP + 1)):
            chosen.extend(c for c in group if c not in chosen and not c.startswith(rid))
        chosen = chosen[:items - unmatched]
        while len(chosen) < items:
            s = rng.randrange(INSTITUTIONS)
            g = rng.randrange(fed.groups_per_institution)
            group = tuple(course(institution_id(s), g * GROUP + k) for k in range(GROUP))
            pick = group[rng.randrange(GROUP)]
            if group not in into and s != receiver and pick not in chosen:
                chosen.append(pick)
        completed = tuple(
            Completed(c, rng.choice(GRADES),
                      date(rng.randrange(2008, 2025), rng.randrange(1, 13), 28))
            for c in chosen)
        queries.append(TransferQuery(rid, completed))
    return queries
