"""Which applicable rules are awarded when they compete for credentials (MODEL.md).

Each *contender* is an applicable rule: its qualifying credentials (its pool),
how many of them it uses (all, or N for "any N of") and its worth. A plan
awards each contender at most once, with that many credentials of its pool,
and uses no credential twice. The best plan, in order:

1. the largest total of receiving credits;
2. then the most credits in specific courses;
3. then the most completed credentials used;
4. then the fewest rules;
5. then the sorted rule ids that come first;
6. then, for the same rules, the credentials that come first in credential-id
   order, compared rule by rule in rule-id order ("the first N").

How it is found. The whole order is encoded as one integer per plan, a sum
of one weight per awarded rule and one per (rule, credential) it uses, and
:func:`hub.domain.packing.best_packing` finds the plan of largest total
exactly (branch and bound over credentials, split into independent
components, memoised). With K the common denominator of all credits, R the
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

Credits are :class:`fractions.Fraction`, scaled to integers exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import lcm

from hub.domain.packing import best_packing


@dataclass(frozen=True, slots=True)
class Contender:
    """An applicable rule: its qualifying credentials (sorted), how many it uses, its worth."""

    rule_id: str
    pool: tuple[str, ...]
    required: int
    credits: Fraction
    course_credits: Fraction


@dataclass(frozen=True, slots=True)
class Candidate:
    """One way to award one rule: the credentials it uses (sorted) and its worth."""

    rule_id: str
    used: tuple[str, ...]
    credits: Fraction
    course_credits: Fraction


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


def choose(contenders: Sequence[Contender]) -> list[Candidate]:
    """The best plan's awards, in rule-id order (see the module docstring)."""
    ordered = sorted((c for c in contenders if 1 <= c.required <= len(set(c.pool))),
                     key=lambda c: c.rule_id)
    if not ordered:
        return []
    if len({c.rule_id for c in ordered}) != len(ordered):
        raise ValueError("each rule may contend once")
    credentials = _priority(ordered)
    index = {c: i for i, c in enumerate(credentials)}
    by_id = sorted(credentials)
    rules, total = len(ordered), sum(len(set(c.pool)) for c in ordered)
    scale = lcm(*(v.denominator for c in ordered for v in (c.credits, c.course_credits)))

    ties = 1 << (total + rules)
    b3 = (rules + 1) * ties
    b2 = (len(credentials) + 2) * b3
    b1 = int(sum(abs(c.course_credits * scale) for c in ordered) + 1) * b2

    pools, needs, weights, own = [], [], [], []
    position = total
    rank = {c: i for i, c in enumerate(by_id)}
    for r, contender in enumerate(ordered):
        pool = sorted(set(contender.pool), key=rank.__getitem__)
        bits = {}
        for c in pool:
            position -= 1
            bits[index[c]] = 1 << position
        own.append(bits)
        pools.append(sum(1 << index[c] for c in pool))
        needs.append(contender.required)
        weights.append(int(contender.credits * scale * b1 + contender.course_credits * scale * b2)
                       + contender.required * b3 - ties + (1 << (total + rules - 1 - r)))
    chosen = best_packing(pools, needs, weights, own, len(credentials))
    return [Candidate(c.rule_id, tuple(sorted(credentials[i] for i in _bits(chosen[r]))),
                      c.credits, c.course_credits)
            for r, c in enumerate(ordered) if r in chosen]


def _bits(mask: int) -> list[int]:
    return [i for i in range(mask.bit_length()) if mask >> i & 1]
