"""The most valuable packing of "N of a pool" rules into credentials (integer weights).

A *rule* here is a pool of credentials (a bit mask), how many of them it
needs, a weight for being awarded and a small weight per credential it uses.
A packing awards each rule at most once, with exactly ``need`` credentials of
its pool, and uses each credential at most once; :func:`best_packing` finds
one of largest total weight, exactly. Every total is distinct in practice:
:mod:`hub.domain.optimiser` encodes its whole order into these weights, so
the best packing is unique and the search may prune ties.

How. A depth-first branch and bound over credentials: the branching
credential is left unused or given to one rule that can still take it. A rule
given a first credential is *started* (its weight is gained, it still needs
``need - 1``); a started rule whose free pool just covers what it needs takes
all of it, and one whose free pool is too small ends the branch. What is left
splits into independent components (credentials linked by rules that can
still take them), each solved on its own and memoised on (free credentials,
rules still startable, started rules and what they need). A component is
searched with a floor (what it must beat for its parent to improve), and is
cut off when an upper bound of its value does not exceed the floor. The
bound is the smaller of two:

* per rule, the most it can bring: its weight plus its pool's credential
  weights (only the latter for a started rule);
* per credential, a share y(c) >= 0 such that every way a rule can still be
  finished is paid for: for an unstarted rule, any ``need`` of its free pool
  sum to at least its weight plus their own weights; for a started rule,
  y(c) >= w/need (rounded up) plus c's own weight, and the bound then
  subtracts w/need (rounded up) for each credential it still needs, since
  its weight was already counted. This is a feasible dual of the packing's
  linear relaxation, so the sum bounds every packing. Shares start at each
  credential's best rule's weight per credential and are lowered in one pass
  to what its rules still require given the others' shares.

A memo entry is either exact or says "at most this".

Small components (at most :data:`SMALL` credentials, the usual case: a few
rules competing for a few courses) skip the search: :func:`best_packing`
walks the rules once, keeping for each set of used credentials the best
total reachable with the rules so far (every packing of the rules so far is
counted under its set of used credentials, and only the best per set can
extend to a best packing, since the rules still to come see only that set).
That is exact and costs at most 2**SMALL states per rule.

Larger components whose rules each take one or two credentials (``A``, ``A &
B``, "any 1 of", "any 2 of" three) are a maximum-weight matching, solved in
polynomial time by :mod:`hub.domain.matching` instead of the search, which is
exponential where many such rules overlap.

A component the search cannot settle within the steps or the seconds it is
given is refused here (:class:`TooComplex`); :mod:`hub.domain.optimiser` then
settles it criterion by criterion (:mod:`hub.domain.levels`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from itertools import combinations

from hub.domain.errors import TooComplex
from hub.domain.matching import best_matching, matchable

SMALL = 8
"""Up to this many credentials, :func:`best_packing` enumerates used-credential sets."""

MAX_SEARCH = 150_000
"""Search steps (states not found in the memo) one query may take before it is refused
(:class:`TooComplex`). The hardest competitions the tests pin take about 50,000 (five
"any 3 of 12" over 24 courses, 1.6–4 s) and 75,000 (twelve "any 2 of 6" over 24, 4–8 s);
an adversarial tester's twenty "any 3 of 8" over 40 ran past three minutes and 1 GB.
A count, so that every replica of the hub gives the same answer to the same query."""

MAX_SECONDS = 10.0
"""Seconds of search one query may take, whatever its count of steps. A step's cost grows
with the component: 30–60 µs over 24 courses, 300 µs over 100 (a tester's 125 rules on one
pool of 100 courses took 46 s to reach :data:`MAX_SEARCH`, and two such queries held both
query threads while a trivial one waited past its deadline). The one limit that is a
clock: a slower or busier machine may refuse a query a faster one settles (queries in
other threads share the interpreter, and their time counts here), but no replica ever
answers with a set not proved best."""

_CLOCK_EVERY = 16  # steps between looks at the clock (a step over 60 courses: up to ~4 ms)


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


Picks = tuple[tuple[int, int], ...]  # (rule, credentials given to it)


class _Search:
    def __init__(self, pools: Sequence[int], needs: Sequence[int], weights: Sequence[int],
                 own: Sequence[dict[int, int]], credentials: int, deadline: float,
                 max_steps: int = MAX_SEARCH) -> None:
        self.max_steps = max_steps
        self.pools, self.needs, self.weights, self.own = pools, needs, weights, own
        self.share = [-(-w // n) for w, n in zip(weights, needs, strict=True)]
        self.rules_of: list[list[int]] = [[] for _ in range(credentials)]
        for rule, pool in enumerate(pools):
            for c in _bits(pool):
                self.rules_of[c].append(rule)
        for c, rules in enumerate(self.rules_of):
            rules.sort(key=lambda r, c=c: -(self.share[r] + own[r][c]))
        self.most = [max(0, w + sum(bits.values())) for w, bits in zip(weights, own, strict=True)]
        self.bounds: dict[tuple[int, int, tuple[tuple[int, int], ...]], int] = {}
        self.memo: dict[tuple[int, int, tuple[tuple[int, int], ...]],
                        tuple[int | float, Picks | None]] = {}
        self.steps = 0
        self.deadline = deadline

    def refused(self, spent: str) -> TooComplex:
        """The refusal of a search that has ``spent`` its bound."""
        return TooComplex(f"the rules competing for these {len(self.rules_of)} credentials "
                          f"are too many to settle exactly ({spent}); ask about fewer "
                          "credentials at a time")

    def bound(self, free: int, startable: int, started: tuple[tuple[int, int], ...]) -> int:
        """An upper bound of what the component can still bring (module docstring)."""
        key = (free, startable, started)
        known = self.bounds.get(key)
        if known is not None:
            return known
        owing = {rule for rule, _need in started}
        share, own, rules_of, pools = self.share, self.own, self.rules_of, self.pools
        most: dict[int, int] = {}
        least: dict[int, int] = {}
        for rule in owing:
            weights, cut = own[rule], share[rule]
            for c in _bits(pools[rule] & free):
                if cut + weights[c] > least.get(c, 0):
                    least[c] = cut + weights[c]
        mask = free
        while mask:
            low = mask & -mask
            c = low.bit_length() - 1
            mask ^= low
            for rule in rules_of[c]:
                if startable >> rule & 1 or rule in owing:
                    most[c] = max(share[rule] + own[rule][c], 0)
                    break
        # Lower each credential's share to what its rules still need given the
        # others' (a feasible dual of the packing's linear relaxation stays a bound).
        for c in most:
            need_here = least.get(c, 0)
            for rule in rules_of[c]:
                if not startable >> rule & 1:
                    continue
                weights, count = own[rule], self.needs[rule] - 1
                if count:
                    others = sorted(most[d] - weights[d]
                                    for d in _bits(pools[rule] & free & ~(1 << c)))
                    value = self.weights[rule] + weights[c] - sum(others[:count])
                else:
                    value = self.weights[rule] + weights[c]
                if value > need_here:
                    need_here = value
            most[c] = need_here
        by_credential = sum(most.values())
        by_rule = 0
        for rule in _bits(startable):
            by_rule += self.most[rule]
        for rule, need in started:
            by_credential -= need * share[rule]
            weights = own[rule]
            by_rule += sum(weights[c] for c in _bits(self.pools[rule] & free))
        known = self.bounds[key] = min(by_credential, by_rule)
        return known

    def settle(self, free: int, startable: int, started: dict[int, int]
               ) -> tuple[int, list[tuple[int, int]], int, int] | None:
        """Give started rules whose free pool just covers their need all of it; drop rules
        that can no longer be awarded. None when a started rule cannot be finished."""
        gain, picks = 0, []
        changed = True
        while changed and started:
            changed = False
            for rule, need in list(started.items()):
                left = self.pools[rule] & free
                count = left.bit_count()
                if count < need:
                    return None
                if count == need:
                    weights = self.own[rule]
                    gain += sum(weights[c] for c in _bits(left))
                    picks.append((rule, left))
                    free &= ~left
                    del started[rule]
                    changed = True
        kept = 0
        for rule in _bits(startable):
            if (self.pools[rule] & free).bit_count() >= self.needs[rule]:
                kept |= 1 << rule
        return gain, picks, free, kept

    def split(self, free: int, startable: int, started: dict[int, int]
              ) -> list[tuple[int, int, tuple[tuple[int, int], ...]]]:
        """Independent components: credentials linked by the rules that can take them."""
        groups: list[tuple[int, int, list[tuple[int, int]]]] = []
        members = [(rule, None) for rule in _bits(startable)] + list(started.items())
        for rule, need in members:
            cover = self.pools[rule] & free
            rules = 0 if need is not None else 1 << rule
            part = [(rule, need)] if need is not None else []
            kept = []
            for g_cover, g_rules, g_started in groups:
                if g_cover & cover:
                    cover |= g_cover
                    rules |= g_rules
                    part += g_started
                else:
                    kept.append((g_cover, g_rules, g_started))
            kept.append((cover, rules, part))
            groups = kept
        return [(cover, rules, tuple(sorted(part))) for cover, rules, part in groups]

    def solve(self, free: int, startable: int, started: tuple[tuple[int, int], ...],
              floor: int | float) -> tuple[int | float, Picks | None]:
        """The component's best (value, picks) if its value exceeds ``floor``, else
        (an upper bound no greater than ``floor``, None)."""
        key = (free, startable, started)
        known = self.memo.get(key)
        if known is not None and (known[1] is not None or known[0] <= floor):
            return known
        self.steps += 1
        if self.steps > self.max_steps:
            raise self.refused(f"{self.max_steps:,} search steps")
        if not self.steps % _CLOCK_EVERY and time.monotonic() > self.deadline:
            raise self.refused("its time")  # the query's, or the part the optimiser gave it
        bound = self.bound(free, startable, started)
        if bound <= floor:
            self.memo[key] = (bound, None)
            return bound, None
        best: int | float = floor
        best_picks: Picks | None = None
        low = free & -free
        c = low.bit_length() - 1
        owing = dict(started)
        options: list[int | None] = [r for r in self.rules_of[c]
                                     if startable >> r & 1 or r in owing]
        options.append(None)
        for rule in options:
            need = dict(owing)
            left = startable
            gain = 0
            picks: list[tuple[int, int]] = []
            if rule is not None:
                if rule in need:
                    need[rule] -= 1
                else:
                    need[rule] = self.needs[rule] - 1
                    left &= ~(1 << rule)
                    gain += self.weights[rule]
                gain += self.own[rule][c]
                picks.append((rule, low))
                if not need[rule]:
                    del need[rule]
            settled = self.settle(free & ~low, left, need)
            if settled is None:
                continue
            more, forced, rest, left = settled
            gain += more
            picks += forced
            parts = self.split(rest, left, need)
            values = [self.bound(*part) for part in parts]
            if gain + sum(values) <= best:
                continue
            for i, part in enumerate(parts):
                value, found = self.solve(*part, best - gain - sum(values) + values[i])
                if found is None:
                    break
                values[i] = value
                picks += found
            else:
                total = gain + sum(values)
                if total > best:
                    best, best_picks = total, tuple(picks)
        self.memo[key] = (best, best_picks)
        return best, best_picks


def best_packing(pools: Sequence[int], needs: Sequence[int], weights: Sequence[int],
                 own: Sequence[dict[int, int]], credentials: int, *,
                 deadline: float | None = None, max_steps: int = MAX_SEARCH) -> dict[int, int]:
    """The largest-total packing as {rule: credentials mask}.

    ``deadline`` (``time.monotonic()``) ends the search with :class:`TooComplex`; by
    default :data:`MAX_SECONDS` from now (a query with several components gives one).
    So do ``max_steps`` search steps.

    ``pools[r]`` is rule r's credential mask (bits below ``credentials``),
    ``needs[r]`` how many it uses (1 to the pool's size), ``weights[r]`` its
    weight and ``own[r][c]`` (non-negative) the weight of giving it credential c.
    """
    if credentials <= SMALL:
        return _by_used_sets(pools, needs, weights, own)
    search = _Search(pools, needs, weights, own, credentials,
                     time.monotonic() + MAX_SECONDS if deadline is None else deadline,
                     max_steps)
    nothing = -sum(abs(w) + sum(bits.values()) for w, bits in zip(weights, own, strict=True)) - 1
    free = 0
    for pool in pools:
        free |= pool
    settled = search.settle(free, (1 << len(pools)) - 1, {})
    assert settled is not None
    _gain, _picks, free, startable = settled
    chosen: dict[int, int] = {}
    for part in search.split(free, startable, {}):
        cover, rules, _started = part
        members = list(_bits(rules))
        if cover.bit_count() > SMALL and all(matchable(pools[r], needs[r]) for r in members):
            picks: Picks | None = best_matching(members, pools, needs, weights, own)
        else:
            try:
                _value, picks = search.solve(*part, nothing)
            except TooComplex as exc:
                # The traceback keeps the search (its frames' ``self``) as long as the
                # error lives, and the hub's collector runs rarely: tens of MB a refusal,
                # kept. Drop the memo, and the frames with it.
                search.memo.clear()
                search.bounds.clear()
                raise exc.with_traceback(None) from None
        assert picks is not None
        for rule, mask in picks:
            chosen[rule] = chosen.get(rule, 0) | mask
    return chosen


def _by_used_sets(pools: Sequence[int], needs: Sequence[int], weights: Sequence[int],
                  own: Sequence[dict[int, int]]) -> dict[int, int]:
    """:func:`best_packing` by the best total per set of used credentials (module docstring)."""
    # used credentials -> (best total, its picks as nested (rule, used, earlier picks))
    best: dict[int, tuple[int, tuple | None]] = {0: (0, None)}
    for rule, pool in enumerate(pools):
        bits, need = own[rule], needs[rule]
        if need == 1:
            ways = [(1 << c, weights[rule] + bits[c]) for c in _bits(pool)]
        else:
            ways = [(sum(1 << c for c in used), weights[rule] + sum(bits[c] for c in used))
                    for used in combinations(list(_bits(pool)), need)]
        grown = best.copy()
        for mask, (total, picks) in best.items():
            for used, gain in ways:
                if mask & used:
                    continue
                value = total + gain
                known = grown.get(mask | used)
                if known is None or value > known[0]:
                    grown[mask | used] = (value, (rule, used, picks))
        best = grown
    picks = max(best.values(), key=lambda entry: entry[0])[1]
    chosen: dict[int, int] = {}
    while picks is not None:
        rule, used, picks = picks
        chosen[rule] = used
    return chosen
