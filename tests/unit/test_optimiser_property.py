"""The awarded set equals a brute-force reading of MODEL.md on small random worlds.

The brute force below is written from MODEL.md's words alone: for each rule,
the credentials that meet it; every way of awarding each rule zero times or
once with N of its qualifying credentials; the ways that use no credential
twice; and the best of them by credits, specific-course credits, credentials
used, fewer rules, sorted rule ids, then the credentials in id order.
"""

from __future__ import annotations

import itertools
import time
from datetime import date
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from transfer_world import UBC, course, done, rule, transfer, unassigned, world

from hub.domain.grades import DEFAULT_SCALE
from hub.domain.model import GrantKind, Rule

POOL = [f"BC:CAPU:ENGL {n}" for n in (100, 101, 102, 103)]
WIDE = [f"BC:CAPU:ENGL {n}" for n in range(100, 106)]
GRADES = ["A", "B", "C", "D", "55", "64", "80"]
DAYS = ["2019-01-15", "2020-06-30", "2021-12-31"]


def _exact(value: float | None) -> Fraction:
    return Fraction(str(value)) if value is not None else Fraction(0)


def _rule_credits(r: Rule) -> tuple[Fraction, Fraction]:
    """Smallest alternative's credits; its specific-course credits (fewer on a tie)."""
    sums = [(sum((_exact(g.credits) for g in alt), Fraction(0)),
             sum((_exact(g.credits) for g in alt if g.kind == GrantKind.COURSE), Fraction(0)))
            for alt in r.alternatives]
    return min(sums) if sums else (Fraction(0), Fraction(0))


def brute_force(rules: list[Rule], transcript: dict[str, tuple[str, date]]
                ) -> dict[str, tuple[str, ...]]:
    options: list[list[tuple[str, tuple[str, ...]] | None]] = []
    for r in rules:
        if r.outcome in (GrantKind.NO_CREDIT, GrantKind.ASSESSMENT):
            continue
        minimum = DEFAULT_SCALE.to_percent(r.min_grade) if r.min_grade else 0.0
        meeting = []
        for cred in sorted(set(r.sending)):
            if cred not in transcript:
                continue
            grade, day = transcript[cred]
            in_window = ((r.effective_start is None or day >= r.effective_start)
                         and (r.effective_end is None or day <= r.effective_end))
            if DEFAULT_SCALE.to_percent(grade) >= minimum and in_window:
                meeting.append(cred)
        n = r.any_n if r.any_n is not None else len(set(r.sending))
        ways: list[tuple[str, tuple[str, ...]] | None] = [None]
        if len(meeting) >= n:
            ways += [(r.id, combo) for combo in itertools.combinations(meeting, n)]
        options.append(ways)
    best_key, best = None, {}
    for pick in itertools.product(*options):
        chosen = sorted(p for p in pick if p is not None)
        used = [c for _, creds in chosen for c in creds]
        if len(used) != len(set(used)):
            continue
        by_id = {r.id: r for r in rules}
        credits = sum((_rule_credits(by_id[rid])[0] for rid, _ in chosen), Fraction(0))
        courses = sum((_rule_credits(by_id[rid])[1] for rid, _ in chosen), Fraction(0))
        key = (-credits, -courses, -len(used), len(chosen),
               tuple(rid for rid, _ in chosen), tuple(creds for _, creds in chosen))
        if best_key is None or key < best_key:
            best_key, best = key, dict(chosen)
    return best


credits_st = st.sampled_from([None, 0.0, 1.5, 3.0, 3.0, 3.0, 6.0])


@st.composite
def grants_st(draw):
    kind = draw(st.sampled_from(["course", "unassigned"]))
    value = draw(credits_st)
    return course("ENGL 110", value) if kind == "course" else unassigned("ENGL", 1, value)


@st.composite
def rule_st(draw, index: int, conditions: bool = True) -> Rule:
    pool = POOL if conditions else POOL[:3]
    sending = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
    any_n = draw(st.none() | st.integers(1, len(sending))) if len(sending) > 1 else None
    # Mostly one alternative of one grant, so that rules often tie and tie-breaks decide.
    shape = st.sampled_from([1, 1, 1, 2])
    alternatives = [[draw(grants_st()) for _ in range(draw(shape))] for _ in range(draw(shape))]
    if not conditions:
        return rule(f"BC:R{index}", sending, UBC, alternatives=alternatives, any_n=any_n)
    outcome = draw(st.sampled_from([None, None, None, None, GrantKind.NO_CREDIT]))
    window = draw(st.sampled_from([(None, None), ("2020-01-01", None),
                                   (None, "2020-06-30"), ("2020-06-30", "2021-01-01")]))
    return rule(f"BC:R{index}", sending, UBC, alternatives=alternatives if not outcome else None,
                outcome=outcome, any_n=any_n, start=window[0], end=window[1],
                min_grade=draw(st.sampled_from([None, "C", "B", "60"])))


@st.composite
def wide_rule_st(draw, index: int) -> Rule:
    """Any N of up to five credentials of six, so that which N is a real choice."""
    sending = draw(st.lists(st.sampled_from(WIDE), min_size=2, max_size=5, unique=True))
    any_n = draw(st.integers(1, len(sending)))
    grants = [draw(grants_st()) for _ in range(draw(st.sampled_from([1, 1, 2])))]
    return rule(f"BC:R{index}", sending, UBC, alternatives=[grants], any_n=any_n)


@st.composite
def wide_world_st(draw):
    """Up to four "any N of" rules over six credentials, all completed."""
    rules = [draw(wide_rule_st(i)) for i in range(draw(st.integers(1, 4)))]
    return rules, {c: ("A", date(2020, 6, 30)) for c in WIDE}


@st.composite
def world_st(draw, conditions: bool = True):
    """Rules and a transcript; without ``conditions`` every rule meets its credentials,
    so that competition and tie-breaks are what is tested."""
    count = draw(st.integers(1, 6))
    rules = [draw(rule_st(i, conditions)) for i in range(count)]
    taken = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=5, unique=True))
    transcript = {c: (draw(st.sampled_from(GRADES)),
                      date.fromisoformat(draw(st.sampled_from(DAYS)))) for c in taken}
    return rules, transcript


class TestOptimiserAgainstBruteForce:
    """The engine's awarded rules and credentials are those of the brute force."""

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(world_st())
    def test_same_choice_as_every_subset(self, case):
        self.check(*case)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(world_st(conditions=False))
    def test_same_tie_breaks_as_every_subset(self, case):
        self.check(*case)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(wide_world_st())
    def test_same_n_of_a_wide_pool_as_every_subset(self, case):
        self.check(*case)

    @staticmethod
    def check(rules, transcript):
        answer = transfer(world(*rules), UBC,
                          *(done(c, g, d.isoformat()) for c, (g, d) in transcript.items()))
        expected = brute_force(rules, transcript)
        assert {a.rule.id: a.used for a in answer.awarded} == expected
        by_id = {r.id: r for r in rules}
        total = sum((_rule_credits(by_id[rid])[0] for rid in expected), Fraction(0))
        assert answer.total_credits == float(total)


class TestTiming:
    """Prints how long a wide competition takes (a sanity check, not a speed assertion)."""

    def test_prints_timing(self):
        codes = [f"BC:CAPU:C {i:03d}" for i in range(60)]
        rules = [rule(f"BC:S{i:03d}", c, UBC, course(f"X {i}", 1 + i % 3))
                 for i, c in enumerate(codes)]
        rules += [rule(f"BC:P{i:03d}", [codes[i], codes[(i * 7 + 3) % 60]], UBC,
                       course(f"Y {i}", 3 + i % 4)) for i in range(60) if (i * 7 + 3) % 60 != i]
        started = time.perf_counter()
        answer = transfer(world(*rules), UBC, *(done(c) for c in codes))
        print(f"\n60 credentials, {len(rules)} rules: "
              f"{(time.perf_counter() - started) * 1000:.0f} ms")
        assert answer.awarded
