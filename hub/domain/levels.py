"""The best plan of a competition the search cannot settle, found criterion by criterion.

:func:`hub.domain.packing.best_packing` settles a competition by branch and
bound over one integer per plan that encodes MODEL.md's whole order. Where
many "any N of" rules overlap (a tester's 24 courses, each with its own rule,
and eight "any 2 of 9" windows around them), that search cannot prove its
answer within its budget: the tie-breaking part of the encoding makes every
plan distinct, and its bound cannot cut plans tied on credits. Here the same
best plan is found as MODEL.md states it, one criterion at a time, each an
integer linear program over

- ``x[r]``: rule r is awarded; ``y[r, c]``: rule r uses credential c;
- ``sum(y[r, c] for c) == need[r] * x[r]``: an awarded rule uses exactly its N
  credentials of its pool ("any N of"; all of them otherwise), another none;
- ``sum(y[r, c] for r) <= 1``: a credential counts toward at most one rule;

solved by HiGHS (through scipy), each optimum then held as a constraint for
the levels after it:

1. the largest total of receiving credits;
2. the most credits in specific courses;
3. and 4. the most credentials used, then the fewest rules: one objective,
   ``sum((need[r] * (R + 1) - 1) * x[r])``, since one credential more outweighs
   any count of rules (at most R);
5. the sorted rule ids that come first: among sets of one size (level 4 fixed
   it), the set whose membership, read from the smallest id, is the larger
   binary number. Rules in id order, twelve at a time: maximise
   ``sum(2**(11 - j) * x[j])`` over the twelve, then fix them;
6. for those rules, the credentials that come first in id order, rule by rule in
   rule-id order: the pairs (rule, credential) in that order, twelve at a time, the same way.

Every objective's coefficients are small integers (credits in units of 1/K as
the optimiser gives them, divided by their common divisor and refused past
:data:`LARGEST` in all; at most ``2**11`` in a block). The solution is rounded
and checked exactly before it is answered: a plan (each rule its N of its own
pool, no credential twice) worth, counted in integers, what each level found. A
solver that stops early (a time limit is scipy's status 1), or answers anything
else, is a refusal (:class:`TooComplex`), never an answer not proved best.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from math import gcd
from typing import Any

from hub.domain.errors import TooComplex

LARGEST = 1 << 24
"""The most a level's coefficients may add up to (after their common divisor). Solutions
come back whole to within about 1e-10 here (a tester's 260 worlds near this limit, ties
differing by one unit, all settled as the search and a brute force settle them), and the
answer is counted again exactly, level by level, before it is given. Credits written in
thousandths over 60 courses add up to a few hundred thousand at most, a few hundred after
the divisor; only values with many more decimals, or hundreds of credits a rule with
odd thousandths, come near, and are refused rather than risked."""

BLOCK = 12
"""Variables decided together at levels 5 and 6 (their objective's largest coefficient is
``2**(BLOCK - 1)``)."""


class _Program:
    """The plans of one component as an integer program, and the levels fixed so far."""

    def __init__(self, pools: Sequence[Sequence[int]], needs: Sequence[int],
                 credentials: int, deadline: float) -> None:
        import numpy as np
        from scipy.optimize import LinearConstraint
        from scipy.sparse import coo_array

        self.np = np
        self.rules, self.credentials, self.deadline = len(pools), credentials, deadline
        self.pairs = [(r, c) for r, pool in enumerate(pools) for c in pool]
        self.size = self.rules + len(self.pairs)
        rows, cols, data = [], [], []
        for r, need in enumerate(needs):
            rows.append(r)
            cols.append(r)
            data.append(-need)
        for k, (r, c) in enumerate(self.pairs):
            column = self.rules + k
            rows += [r, self.rules + c]
            cols += [column, column]
            data += [1, 1]
        matrix = coo_array((data, (rows, cols)),
                           shape=(self.rules + credentials, self.size)).tocsr()
        low = np.concatenate([np.zeros(self.rules), np.full(credentials, -np.inf)])
        high = np.concatenate([np.zeros(self.rules), np.ones(credentials)])
        self.constraints: list[Any] = [LinearConstraint(matrix, low, high)]
        self.lower = np.zeros(self.size)
        self.upper = np.ones(self.size)
        self.solution: Any = None

    def vector(self, coefficients: dict[int, int]) -> Any:
        objective = self.np.zeros(self.size)
        for index, value in coefficients.items():
            objective[index] = value
        return objective

    def best(self, coefficients: dict[int, int]) -> int:
        """Maximise ``coefficients`` (variable index -> integer) over the plans the levels so
        far leave; keep the solution and answer the optimum."""
        from scipy.optimize import Bounds, milp

        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _refused(self.credentials, "its time")
        objective = self.vector(coefficients)
        result = milp(-objective, integrality=self.np.ones(self.size),
                      bounds=Bounds(self.lower, self.upper), constraints=self.constraints,
                      options={"disp": False, "mip_rel_gap": 0.0, "time_limit": left})
        if result.status != 0 or result.x is None:
            raise _refused(self.credentials, result.message)
        self.solution = self.np.rint(result.x)
        return sum(value * int(self.solution[index]) for index, value in coefficients.items())

    def hold(self, coefficients: dict[int, int], value: int) -> None:
        """Only plans worth at least ``value`` by ``coefficients`` are left from now on."""
        from scipy.optimize import LinearConstraint

        self.constraints.append(LinearConstraint(self.vector(coefficients)[None, :], value,
                                                 self.np.inf))

    def decide(self, indexes: Sequence[int]) -> None:
        """The variables ``indexes``, earliest first, as the first plan in their order that
        the levels so far leave: the one whose values read as a binary number are largest."""
        for start in range(0, len(indexes), BLOCK):
            block = [i for i in indexes[start:start + BLOCK] if self.lower[i] != self.upper[i]]
            if not block:
                continue
            if not all(self.solution[i] == 1 for i in block):  # else nothing can come first
                self.best({i: 1 << (len(block) - 1 - j) for j, i in enumerate(block)})
            for i in block:
                self.lower[i] = self.upper[i] = self.solution[i]


def _reduced(level: dict[int, int], credentials: int) -> dict[int, int]:
    """``level`` divided by its coefficients' greatest common divisor (credits come in
    thousandths: 3 credits is 3,000), refused where it is still past :data:`LARGEST`."""
    if not level:
        return level
    divisor = gcd(*level.values())
    level = {r: v // divisor for r, v in level.items()}
    if sum(abs(v) for v in level.values()) > LARGEST:
        raise _refused(credentials, "credits too finely divided to compare exactly here")
    return level


def _refused(credentials: int, why: object) -> TooComplex:
    return TooComplex(f"the rules competing for these {credentials} credentials are too "
                      f"many to settle exactly ({why}); ask about fewer credentials at a time")


def best_plan(pools: Sequence[Sequence[int]], needs: Sequence[int],
              values: Sequence[tuple[int, int]], credentials: int, deadline: float
              ) -> dict[int, tuple[int, ...]]:
    """The best plan (module docstring) as {rule: the credentials it uses, ascending}.

    Rules are indexes in rule-id order; ``pools[r]`` holds rule r's credentials as
    indexes in credential-id order (ascending, distinct, below ``credentials``);
    ``values[r]`` its (credits, course credits) as integers in one unit.
    """
    rules = len(pools)
    program = _Program(pools, needs, credentials, deadline)
    held: list[tuple[dict[int, int], int]] = []
    for level in ({r: values[r][0] for r in range(rules)},
                  {r: values[r][1] for r in range(rules)},
                  {r: needs[r] * (rules + 1) - 1 for r in range(rules)}):
        level = _reduced({r: v for r, v in level.items() if v}, credentials)
        if level:
            held.append((level, program.best(level)))
            program.hold(*held[-1])
    if program.solution is None:  # every level empty: every rule worth nothing
        program.best({})
    program.decide(list(range(rules)))
    awarded = [r for r in range(rules) if program.solution[r] == 1]
    for k, (r, _c) in enumerate(program.pairs):
        if program.solution[r] == 0:
            program.lower[rules + k] = program.upper[rules + k] = 0
    program.decide([rules + k for k in range(len(program.pairs))])
    plan: dict[int, tuple[int, ...]] = {r: () for r in awarded}
    for k, (r, c) in enumerate(program.pairs):
        if program.solution[rules + k] == 1:
            plan[r] = (*plan.get(r, ()), c)
    _check(plan, pools, needs, credentials, held)
    return plan


def _check(plan: dict[int, tuple[int, ...]], pools: Sequence[Sequence[int]],
           needs: Sequence[int], credentials: int,
           held: Sequence[tuple[dict[int, int], int]] = ()) -> None:
    """Refuse rather than answer anything but a plan (each rule exactly its N of its own
    pool, no credential twice) that is worth, counted exactly, what each level found."""
    seen: set[int] = set()
    for r, used in plan.items():
        if len(used) != needs[r] or not set(used) <= set(pools[r]) or seen & set(used):
            raise _refused(credentials, "the solver's answer is not a plan")
        seen.update(used)
    for level, value in held:
        if sum(level.get(r, 0) for r in plan) < value:
            raise _refused(credentials, "the solver's answer lost a level it had found")
