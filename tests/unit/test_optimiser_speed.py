"""The optimiser stays fast where many rules compete, and answers as the slow exact solver.

The reference below is the earlier exact solver (every N-subset of an "any N
of" rule expanded into a candidate, memoised over sets of candidates): correct
but exponential in the width of the competition. Timings are printed, and only
a generous cap is asserted, to catch an exponential blow-up rather than a slow
machine.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

import pytest

from hub.domain.optimiser import Contender, choose

CODES = [f"BC:CAPU:C {i:03d}" for i in range(60)]
CAP = 10.0  # seconds: an exponential search would blow through this


@dataclass(frozen=True, slots=True)
class Candidate:
    rule_id: str
    used: tuple[str, ...]
    credits: Fraction
    course_credits: Fraction


class _Plan:
    """Chosen candidate indices (index order is rule-id order) and their totals."""

    __slots__ = ("_order", "course", "credits", "items", "rank", "used")

    def __init__(self, items: tuple[int, ...], credits: Fraction, course: Fraction,
                 used: int) -> None:
        self.items = items
        self.credits = credits
        self.course = course
        self.used = used
        # Criteria 1-4; the smaller rank is the better plan.
        self.rank = (-credits, -course, -used, len(items))
        self._order: tuple[tuple[str, ...], tuple[tuple[str, ...], ...]] | None = None

    def order(self, candidates: Sequence[Candidate]) -> tuple[tuple[str, ...],
                                                               tuple[tuple[str, ...], ...]]:
        """Criteria 5 and 6: the sorted rule ids, then each rule's credentials."""
        if self._order is None:
            chosen = [candidates[i] for i in self.items]
            self._order = (tuple(c.rule_id for c in chosen), tuple(c.used for c in chosen))
        return self._order

    def merge(self, other: _Plan) -> _Plan:
        if not other.items:
            return self
        if not self.items:
            return other
        return _Plan(tuple(sorted(self.items + other.items)), self.credits + other.credits,
                     self.course + other.course, self.used + other.used)


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _element_order(sets: list[set[str]], elements: list[str]) -> list[str]:
    """An order of elements with a small frontier (few undecided elements that meet
    decided ones), which is what bounds the number of memoised states."""
    neighbours: dict[str, set[str]] = {e: set() for e in elements}
    for members in sets:
        for e in members:
            neighbours[e] |= members - {e}
    placed: list[str] = []
    done: set[str] = set()
    frontier: set[str] = set()
    rest = set(elements)
    while rest:
        pool = frontier & rest or rest

        chosen = min(pool, key=lambda e, f=frontier: (len((f | neighbours[e]) - done - {e}),
                                                       len(neighbours[e]), e))
        placed.append(chosen)
        done.add(chosen)
        rest.discard(chosen)
        frontier = (frontier | neighbours[chosen]) - done
    return placed


class _Solver:
    def __init__(self, candidates: Sequence[Candidate]) -> None:
        self.candidates = candidates
        by_rule: dict[str, list[int]] = {}
        for index, cand in enumerate(candidates):
            by_rule.setdefault(cand.rule_id, []).append(index)
        # A rule with several candidates gets an element of its own: awarded at most once.
        shared_rules = {r for r, idx in by_rule.items() if len(idx) > 1}
        sets = [{*(f"c:{c}" for c in cand.used),
                 *((f"r:{cand.rule_id}",) if cand.rule_id in shared_rules else ())}
                for cand in candidates]
        names = sorted({e for members in sets for e in members})
        bit = {e: i for i, e in enumerate(_element_order(sets, names))}
        self.elements = [sum(1 << bit[e] for e in members) for members in sets]
        self.holding = [0] * len(bit)  # element -> candidates containing it
        for index, mask in enumerate(self.elements):
            for e in _bits(mask):
                self.holding[e] |= 1 << index
        self.conflicts = []
        for mask in self.elements:
            conflict = 0
            for e in _bits(mask):
                conflict |= self.holding[e]
            self.conflicts.append(conflict)
        self.single = [_Plan((i,), c.credits, c.course_credits, len(c.used))
                       for i, c in enumerate(candidates)]
        self.empty = _Plan((), Fraction(0), Fraction(0), 0)
        self.memo: dict[int, _Plan] = {}

    def better(self, plan: _Plan, than: _Plan) -> bool:
        if plan.rank != than.rank:
            return plan.rank < than.rank
        return plan.order(self.candidates) < than.order(self.candidates)

    def components(self, mask: int) -> list[int]:
        groups: list[tuple[int, int]] = []  # (elements, candidates)
        for index in _bits(mask):
            elements, members = self.elements[index], 1 << index
            kept = []
            for group_elements, group_members in groups:
                if group_elements & elements:
                    elements |= group_elements
                    members |= group_members
                else:
                    kept.append((group_elements, group_members))
            kept.append((elements, members))
            groups = kept
        return [members for _, members in groups]

    def solve(self, mask: int) -> _Plan:
        """The best plan using only the candidates in ``mask``."""
        if not mask:
            return self.empty
        known = self.memo.get(mask)
        if known is not None:
            return known
        parts = self.components(mask)
        if len(parts) > 1:
            best = self.empty
            for part in parts:
                best = best.merge(self.solve(part))
        else:
            covered = 0
            for index in _bits(mask):
                covered |= self.elements[index]
            element = (covered & -covered).bit_length() - 1
            best = self.solve(mask & ~self.holding[element])  # leave it unused
            for index in _bits(mask & self.holding[element]):
                plan = self.single[index].merge(self.solve(mask & ~self.conflicts[index]))
                if self.better(plan, best):
                    best = plan
        self.memo[mask] = best
        return best


def reference(contenders: Sequence[Contender]) -> list[tuple[str, tuple[str, ...]]]:
    """The earlier solver's awards over every N-subset of every contender."""
    ordered = sorted((Candidate(c.rule_id, used, c.credits, c.course_credits)
                      for c in contenders
                      for used in combinations(sorted(set(c.pool)), c.required)),
                     key=lambda c: (c.rule_id, c.used))
    if not ordered:
        return []
    plan = _Solver(ordered).solve((1 << len(ordered)) - 1)
    return [(ordered[i].rule_id, ordered[i].used) for i in plan.items]


def chain() -> list[Contender]:
    """Singles, neighbouring pairs and "any 2 of 3" along 60 credentials."""
    out = []
    for i, code in enumerate(CODES):
        out.append(Contender(f"BC:S{i:03d}", (code,), 1, Fraction(3), Fraction(3)))
        out.append(Contender(f"BC:U{i:03d}", (code,), 1, Fraction(3), Fraction(0)))
        if i + 1 < len(CODES):
            value = Fraction(3 + i % 4)
            out.append(Contender(f"BC:P{i:03d}", (code, CODES[i + 1]), 2, value, value))
        if i + 2 < len(CODES):
            out.append(Contender(f"BC:N{i:03d}", tuple(CODES[i:i + 3]), 2,
                                 Fraction(6), Fraction(0)))
    return out


def random_pairs(count: int, seed: int = 1) -> list[Contender]:
    """A single-course rule per credential and ``count`` random pair rules among them."""
    rnd = random.Random(seed)
    out = []
    for i, code in enumerate(CODES):
        value = Fraction(rnd.choice([1, 2, 3]))
        out.append(Contender(f"BC:S{i:03d}", (code,), 1, value, value))
    seen: set[tuple[str, ...]] = set()
    while len(seen) < count:
        pair = tuple(sorted(rnd.sample(CODES, 2)))
        if pair not in seen:
            seen.add(pair)
            value = Fraction(rnd.choice([3, 4, 5, 6]))
            course = value if rnd.random() < 0.5 else Fraction(0)
            out.append(Contender(f"BC:P{len(seen):03d}", pair, 2, value, course))
    return out


def any_n(rules: int, n: int, pool: int, span: int, seed: int = 2,
          credits: int = 9) -> list[Contender]:
    """Overlapping "any n of pool" rules over ``span`` credentials, each also a single."""
    rnd = random.Random(seed)
    out = [Contender(f"BC:A{r:02d}", tuple(sorted(rnd.sample(CODES[:span], pool))), n,
                     Fraction(credits), Fraction(0)) for r in range(rules)]
    out += [Contender(f"BC:S{i:03d}", (c,), 1, Fraction(3), Fraction(i % 2 * 3))
            for i, c in enumerate(CODES[:span])]
    return out


def timed(contenders: Sequence[Contender], label: str) -> list[tuple[str, tuple[str, ...]]]:
    started = time.perf_counter()
    answer = [(c.rule_id, c.used) for c in choose(contenders)]
    elapsed = time.perf_counter() - started
    print(f"\n{label}: {len(contenders)} rules, {elapsed * 1000:.1f} ms")
    assert elapsed < CAP
    return answer


class TestSameAnswersAsTheReference:
    """Where the earlier solver finishes quickly, the fast one awards exactly the same."""

    @pytest.mark.parametrize("label, build", [
        ("chain", chain),
        ("60 random pairs", lambda: random_pairs(60)),
        ("40 random pairs", lambda: random_pairs(40, seed=4)),
        ("any 2 of 5", lambda: any_n(6, 2, 5, 14)),
        ("any 3 of 6, rules worth more", lambda: any_n(4, 3, 6, 12, credits=12)),
    ])
    def test_same_awards(self, label, build):
        contenders = build()
        assert timed(contenders, label) == reference(contenders)


class TestPathologicalCompetition:
    """Tangled competition stays far from an exponential search."""

    @pytest.mark.parametrize("count", [90, 120])
    def test_random_pairs(self, count):
        answer = timed(random_pairs(count), f"{count} random pairs")
        used = [c for _, creds in answer for c in creds]
        assert len(used) == len(set(used))

    @pytest.mark.parametrize("credits", [9, 12])
    def test_overlapping_any_three_of_twelve(self, credits):
        answer = timed(any_n(5, 3, 12, 24, credits=credits), f"5 x any 3 of 12 ({credits})")
        used = [c for _, creds in answer for c in creds]
        assert len(used) == len(set(used)) == 24
