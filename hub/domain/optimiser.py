"""Which applicable rules are awarded when they compete for credentials (MODEL.md).

Each *contender* is an applicable rule: its qualifying credentials (its pool),
how many of them it uses (all, or N for "any N of") and its worth. A plan
awards each contender at most once, with that many credentials of its pool,
and uses no credential twice. The best plan, in order:

1. the largest total of receiving credits;
2. then the most credits in specific courses;
3. then the most completed credentials used;
4. then the fewest rules;
5. then the sorted rule ids that come first (ids compare as text, the lists
   element by element: ``BC:BCTG-10`` comes before ``BC:BCTG-9``);
6. then, for the same rules, the credentials that come first in credential-id
   order, compared rule by rule in rule-id order ("the first N").

How it is found. The whole order is encoded as one integer per plan, a sum
of one weight per awarded rule and one per (rule, credential) it uses, and
:func:`hub.domain.packing.best_packing` finds the plan of largest total
exactly (branch and bound over credentials, split into independent
components, memoised). A component that search does not settle within
:data:`SEARCH_BEFORE_LEVELS` steps or :data:`SECONDS_BEFORE_LEVELS` is settled
criterion by criterion instead, each criterion an integer program
(:mod:`hub.domain.levels`), to the same plan: the order below is total, so its
best plan is one, however found. With K the common denominator of all credits, R the
number of contenders, T the number of credentials and L the total size of
their pools:

* criterion 6: bits below 2**L, one per (rule, credential) pair, more
  significant for an earlier rule and, within a rule, an earlier credential;
* criterion 5: bits from 2**L to 2**(L+R), more significant for an earlier
  rule id; together with criterion 6 a plan's "ties" part t is in [0, S),
  S = 2**(L+R);
* criterion 4: minus S per rule; then criterion 3: N*B3 per rule, criterion 2:
  course credits*K*B2, criterion 1: credits*K*B1, each radix larger than the
  spread of everything below it (B3 = (R+1)S, B2 = (T+2)B3, B1 = (C+1)B2 with
  C the sum of |course credits*K|).

Why the largest total is the best plan. Each level's radix exceeds the spread
of all lower levels' totals, so totals compare as the vectors (criteria 1-4,
t) compare lexicographically, and t orders exactly as criteria 5-6 do: plans
tied on 1-4 have the same number of rules; for two sets of equal size, the
sorted ids of A come first exactly when A's membership bits, read from the
smallest id, are the larger binary number (at the first differing sorted id a,
a is in A but not in B and every smaller id is in both or neither); the same
holds for each rule's N credentials, and the per-rule blocks are ordered by
rule id, so the first rule whose credentials differ decides, as criterion 6
says. The encoding is one-to-one (the rule bits name the rules, the credential
bits their credentials), so the best plan is unique and the search may prune
any branch whose bound does not exceed the best total found.

Components. Rules that share no credential, directly or through other rules,
are independent: a plan is a union of one plan per component, criteria 1-4
are sums over the components, and criteria 5-6 compare a component's bits
among themselves in the same relative order whatever other components exist
(the global encoding restricted to one component orders its rule and
credential bits as the component's own encoding does). So the total is a sum
of per-component totals, and the best plan is the union of each component's
best plan under its own, smaller encoding. A component of one rule needs no
search: it is awarded, with the first N credentials of its pool, exactly when
its (credits, course credits) are not below (0, 0), since it then uses N >= 1
credentials for one rule (criteria 3 and 4 favour that over nothing) and
otherwise loses on criterion 1 or 2.

Credits are exact rationals (``int`` or :class:`fractions.Fraction`) in units
of ``1/scale`` of a credit; they become integers through their numerators and
denominators alone (no rational arithmetic): with K the least common multiple
of every ``denominator * scale``, a value v counts ``v.numerator * (K //
(v.denominator * scale))``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import lcm

from hub.domain.errors import TooComplex
from hub.domain.levels import best_plan
from hub.domain.matching import bits_of
from hub.domain.packing import MAX_SECONDS, SMALL, best_packing

SEARCH_BEFORE_LEVELS = 5_000
SECONDS_BEFORE_LEVELS = 0.25
"""Search steps and seconds :func:`hub.domain.packing.best_packing` may take on one
component before it is settled criterion by criterion instead (:mod:`hub.domain.levels`):
the search answers the usual competitions in a few steps, and the levels, a few integer
programs each, the hard ones in a fraction of a second (50,000 steps of search over 24
courses took 1.6–4 s). Either answers the one best plan, so where it switches changes
the time of an answer, never the answer."""


@dataclass(frozen=True, slots=True)
class Contender:
    """An applicable rule: its qualifying credentials (sorted), how many it uses, its worth.

    ``credits`` and ``course_credits`` are exact (``int`` or ``Fraction``) in
    units of ``1/scale`` of a credit (``scale`` 1: in credits).
    """

    rule_id: str
    pool: tuple[str, ...]
    required: int
    credits: Fraction | int
    course_credits: Fraction | int
    scale: int = 1


@dataclass(frozen=True, slots=True)
class Candidate:
    """One way to award one rule: the credentials it uses (sorted) and its worth."""

    rule_id: str
    used: tuple[str, ...]
    credits: Fraction | int
    course_credits: Fraction | int


def _priority(contenders: Sequence[Contender]) -> list[str]:
    """Credentials in the order to branch on them: each next one meets as few
    undecided credentials as possible (a small frontier keeps the memo small)."""
    neighbours: dict[str, set[str]] = {}
    for contender in contenders:
        pool = set(contender.pool)
        for c in pool:
            neighbours.setdefault(c, set()).update(pool - {c})
    placed: list[str] = []
    frontier: set[str] = set()
    rest = set(neighbours)
    while rest:
        pool = frontier & rest or rest
        chosen = min(pool, key=lambda c: (len((frontier | neighbours[c]) & rest - {c}),
                                          len(neighbours[c]), c))
        placed.append(chosen)
        rest.discard(chosen)
        frontier = (frontier | neighbours[chosen]) & rest
    return placed


def _components(ordered: Sequence[Contender]) -> list[list[int]]:
    """Indexes of ``ordered`` grouped by shared credentials (each group in order)."""
    owner: dict[str, int] = {}  # credential -> a contender index of its group
    parent = list(range(len(ordered)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, contender in enumerate(ordered):
        for c in contender.pool:
            j = owner.setdefault(c, i)
            if j != i:
                a, b = root(i), root(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(ordered)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def _alone(contender: Contender, credits: int, course: int) -> tuple[str, ...] | None:
    """The credentials a rule competing with no other is awarded with, or None."""
    if (credits, course) < (0, 0):
        return None
    return tuple(sorted(set(contender.pool))[:contender.required])


def _solve(group: Sequence[Contender], values: Sequence[tuple[int, int]], deadline: float
           ) -> dict[int, tuple[str, ...]]:
    """The best plan of one component (module docstring) as {index in group: used}."""
    by_id = sorted({c for contender in group for c in contender.pool})
    # The branching order matters to the search only, not to small components.
    credentials = by_id if len(by_id) <= SMALL else _priority(group)
    index = {c: i for i, c in enumerate(credentials)}
    rank = {c: i for i, c in enumerate(by_id)}
    pools_of = [sorted(set(c.pool), key=rank.__getitem__) for c in group]
    rules, total = len(group), sum(len(p) for p in pools_of)
    ties = 1 << (total + rules)
    b3 = (rules + 1) * ties
    b2 = (len(credentials) + 2) * b3
    b1 = (sum(abs(course) for _credits, course in values) + 1) * b2

    pools, needs, weights, own = [], [], [], []
    position = total
    for r, contender in enumerate(group):
        bits = {}
        mask = 0
        for c in pools_of[r]:
            position -= 1
            bits[index[c]] = 1 << position
            mask |= 1 << index[c]
        own.append(bits)
        pools.append(mask)
        needs.append(contender.required)
        credits, course = values[r]
        weights.append(credits * b1 + course * b2 + contender.required * b3 - ties
                       + (1 << (total + rules - 1 - r)))
    try:
        chosen = best_packing(pools, needs, weights, own, len(credentials),
                              deadline=min(deadline, time.monotonic() + SECONDS_BEFORE_LEVELS),
                              max_steps=SEARCH_BEFORE_LEVELS)
    except TooComplex:
        # Criterion by criterion instead (hub.domain.levels): the same plan, proved best.
        ranked = [[rank[c] for c in pool] for pool in pools_of]
        plan = best_plan(ranked, [c.required for c in group], values, len(by_id), deadline)
        return {r: tuple(by_id[i] for i in used) for r, used in plan.items()}
    return {r: tuple(sorted(credentials[i] for i in bits_of(mask))) for r, mask in chosen.items()}


# A component's best plan depends only on its shape: each rule's pool as ranks of
# its credentials in id order, its need and values, rules in id order (everything
# the encoding reads). Competitions repeat shapes (a course and its pairs), so the
# choice per shape is kept: derived, bounded, exact.
_SHAPES: dict[tuple[tuple[tuple[int, ...], int, int, int], ...],
              tuple[tuple[int, tuple[int, ...]], ...]] = {}
_SHAPES_LIMIT = 4096


def _packed(group: Sequence[Contender], values: Sequence[tuple[int, int]], deadline: float
            ) -> dict[int, tuple[str, ...]]:
    """:func:`_solve`, memoised on the component's shape."""
    by_id = sorted({c for contender in group for c in contender.pool})
    rank = {c: i for i, c in enumerate(by_id)}
    shape = tuple((tuple(sorted({rank[c] for c in contender.pool})), contender.required,
                   *values[r]) for r, contender in enumerate(group))
    known = _SHAPES.get(shape)
    if known is None:
        known = tuple((r, tuple(rank[c] for c in used))
                      for r, used in _solve(group, values, deadline).items())
        if len(_SHAPES) >= _SHAPES_LIMIT:
            _SHAPES.clear()
        _SHAPES[shape] = known
    return {r: tuple(by_id[i] for i in used) for r, used in known}


def choose(contenders: Sequence[Contender]) -> list[Candidate]:
    """The best plan's awards, in rule-id order (see the module docstring)."""
    ordered = sorted((c for c in contenders if 1 <= c.required <= len(set(c.pool))),
                     key=lambda c: c.rule_id)
    if not ordered:
        return []
    if len({c.rule_id for c in ordered}) != len(ordered):
        raise ValueError("each rule may contend once")
    common = lcm(*(v.denominator * c.scale
                   for c in ordered for v in (c.credits, c.course_credits)))
    values = [(c.credits.numerator * (common // (c.credits.denominator * c.scale)),
               c.course_credits.numerator * (common // (c.course_credits.denominator * c.scale)))
              for c in ordered]
    used: dict[int, tuple[str, ...]] = {}
    deadline = time.monotonic() + MAX_SECONDS   # for the whole query, all components
    for group in _components(ordered):
        if len(group) == 1:
            r = group[0]
            found = _alone(ordered[r], *values[r])
            if found is not None:
                used[r] = found
            continue
        picked = _packed([ordered[r] for r in group], [values[r] for r in group], deadline)
        for local, credentials in picked.items():
            used[group[local]] = credentials
    return [Candidate(c.rule_id, used[r], c.credits, c.course_credits)
            for r, c in enumerate(ordered) if r in used]

