"""Which applicable rules are awarded when they compete for credentials (MODEL.md).

Each *candidate* is one way to award one rule: the rule and the completed
credentials it would use (an "any N of" rule has one candidate per N-subset of
its qualifying credentials). A plan picks candidates such that no credential
is used twice and no rule is awarded twice. The best plan, in order:

1. the largest total of receiving credits;
2. then the most credits in specific courses;
3. then the most completed credentials used;
4. then the fewest rules;
5. then the sorted rule ids that come first;
6. then, for the same rules, the credentials that come first in credential-id
   order, compared rule by rule in rule-id order ("the first N").

How it is found. Candidates conflict when they share a credential or a rule.
The conflict graph splits into connected components, and each component is
solved on its own: branch on its first element (a credential, or a rule with
several candidates) in an order chosen to keep the frontier small: leave it
unused, or pick one candidate containing it; each sub-problem is again split
into components, and answers are memoised on the set of candidates still
possible. This is exact; the number of memoised states grows with the width
of the competition (how many undecided credentials meet decided ones), not
with 2**n subsets of the transcript: a 60-credential transcript with a few
hundred competing rules takes milliseconds, while pathological webs where
every credential competes with every other would still be exponential.

Why the order decomposes over components. Criteria 1-4 are sums over the
chosen candidates, compared lexicographically; lexicographic order on vectors
is compatible with addition, so the sum over independent components is
largest exactly when each component's vector is largest, and every best plan
has the same number of rules in each component. Criterion 5: if, for two rule
sets A < B of equal size (as sorted tuples), both disjoint from a set C, then
A | C < B | C: at A's first differing id a, every id below a is shared, and a is
in A | C but not in B | C (B's later ids are all above a and C's ids are not a).
So improving one component's sorted ids, all else fixed, improves the whole,
and the per-component minima together give the overall minimum. Criterion 6
compares, for fixed rules, a tuple with one entry per rule; each entry belongs
to one component, so the first entry where two plans differ is decided by its
component alone, and per-component minima give the overall minimum. The same
arguments (with C the candidate just picked) justify combining a branch's pick
with the best plan of what remains.

Credits are :class:`fractions.Fraction` so that ties are exact.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Candidate:
    """One way to award one rule: the credentials it uses (sorted) and its worth."""

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


def choose(candidates: Sequence[Candidate]) -> list[Candidate]:
    """The best plan's candidates, in rule-id order (see the module docstring)."""
    ordered = sorted(candidates, key=lambda c: (c.rule_id, c.used))
    if not ordered:
        return []
    solver = _Solver(ordered)
    plan = solver.solve((1 << len(ordered)) - 1)
    return [ordered[i] for i in plan.items]
