"""The transfer query's fast paths answer exactly as the slow exact ones.

- small components solved by the best total per used-credential set award
  what the branch and bound awards;
- a rule's worth in integer thousandths equals the exact ``Fraction`` sum of
  its decimal credits, and falls back to fractions where thousandths cannot
  hold a value;
- transfer credits from integers equal ``float`` of the exact fraction.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.domain import optimiser, packing
from hub.domain.model import CreditSystem, Grant, GrantKind, Rule
from hub.domain.optimiser import Contender, choose
from hub.domain.worth import MILLI, exact, milli, tc_float, to_tc, worth_of

CREDENTIALS = [f"BC:CAPU:C {i}" for i in range(7)]
VALUES = [Fraction(0), Fraction(3), Fraction(-1), Fraction(1, 3), Fraction(3, 2), Fraction(6)]


@st.composite
def contenders_st(draw) -> list[Contender]:
    out = []
    for i in range(draw(st.integers(1, 7))):
        pool = tuple(sorted(draw(st.lists(st.sampled_from(CREDENTIALS), min_size=1,
                                          max_size=4, unique=True))))
        out.append(Contender(f"BC:R{draw(st.integers(0, 30)):02d}-{i}", pool,
                             draw(st.integers(1, len(pool))), draw(st.sampled_from(VALUES)),
                             draw(st.sampled_from(VALUES))))
    return out


def _awards(contenders: list[Contender]) -> list[tuple[str, tuple[str, ...]]]:
    optimiser._SHAPES.clear()  # solve, do not recall
    return [(c.rule_id, c.used) for c in choose(contenders)]


class TestSmallComponents:
    """Small components award what the branch and bound awards."""

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(contenders_st())
    def test_used_sets_agree_with_branch_and_bound(self, contenders):
        small = _awards(contenders)
        saved = packing.SMALL
        packing.SMALL = 0  # every component through the branch and bound
        try:
            searched = _awards(contenders)
        finally:
            packing.SMALL = saved
        assert small == searched

    def test_a_recalled_shape_names_this_components_credentials(self):
        first = [Contender("BC:A1", ("BC:X:A 1",), 1, Fraction(3), Fraction(3)),
                 Contender("BC:A2", ("BC:X:A 1", "BC:X:A 2"), 2, Fraction(6), Fraction(6))]
        second = [Contender("BC:B1", ("BC:Y:B 1",), 1, Fraction(3), Fraction(3)),
                  Contender("BC:B2", ("BC:Y:B 1", "BC:Y:B 2"), 2, Fraction(6), Fraction(6))]
        assert _awards(first) == [("BC:A2", ("BC:X:A 1", "BC:X:A 2"))]
        assert [(c.rule_id, c.used) for c in choose(second)] == [
            ("BC:B2", ("BC:Y:B 1", "BC:Y:B 2"))]

    def test_scaled_credits_choose_as_credits(self):
        plain = [Contender("BC:A", ("BC:X:A 1",), 1, Fraction(3, 2), Fraction(0)),
                 Contender("BC:B", ("BC:X:A 1",), 1, Fraction(1), Fraction(1))]
        scaled = [Contender("BC:A", ("BC:X:A 1",), 1, 1500, 0, MILLI),
                  Contender("BC:B", ("BC:X:A 1",), 1, 1000, 1000, MILLI)]
        assert _awards(plain) == _awards(scaled) == [("BC:A", ("BC:X:A 1",))]


credit_st = st.one_of(st.none(), st.sampled_from([0.0, -0.0, 0.1, 0.2, 0.3, 1.5, 3.0, 0.125,
                                                  0.0625, 1e-4, 1234.567, 1e20, -2.25, 7]),
                      st.floats(-1e6, 1e6, allow_nan=False))


@st.composite
def rule_st(draw) -> Rule:
    alternatives = tuple(
        tuple(Grant(draw(st.sampled_from([GrantKind.COURSE, GrantKind.UNASSIGNED])),
                    draw(credit_st)) for _ in range(draw(st.integers(1, 3))))
        for _ in range(draw(st.integers(0, 3))))
    return Rule("BC:R1", 1, ("BC:CAPU:C 1",), "BC:UBCV", GrantKind.COURSE, alternatives)


def _fraction_worth(rule: Rule) -> tuple[Fraction, Fraction, int]:
    scored = [(sum((exact(g.credits) for g in alt), Fraction(0)),
               sum((exact(g.credits) for g in alt if g.kind is GrantKind.COURSE), Fraction(0)),
               index) for index, alt in enumerate(rule.alternatives)]
    return min(scored) if scored else (Fraction(0), Fraction(0), 0)


class TestWorth:
    """A worth in integers is the exact fraction of the decimal credits."""

    @pytest.mark.parametrize("value, expected", [
        (3.0, 3000), (0.1, 100), (1.5, 1500), (0.125, 125), (-2.25, -2250), (None, 0),
        (1e-4, None), (0.1234, None), (1e20, None), (float("inf"), None)])
    def test_thousandths_only_where_the_decimal_has_three_places(self, value, expected):
        assert milli(value) == expected
        if expected is not None:
            assert Fraction(expected, MILLI) == exact(value)

    def test_point_one_plus_point_two_ties_point_three(self):
        two = Rule("BC:R1", 1, ("BC:CAPU:C 1",), "BC:UBCV", GrantKind.COURSE,
                   ((Grant(GrantKind.COURSE, 0.1), Grant(GrantKind.COURSE, 0.2)),
                    (Grant(GrantKind.UNASSIGNED, 0.3),)))
        worth = worth_of(two)
        assert worth.credits == Fraction(3, 10)
        assert worth.alternative == 1  # the tie goes to fewer course credits

    @settings(max_examples=300, deadline=None)
    @given(rule_st(), st.sampled_from([3.0, 1.5, 4.0, 0.1, 7.0]))
    def test_same_as_fractions(self, rule, standard):
        credits, course, index = _fraction_worth(rule)
        worth = worth_of(rule)
        assert (worth.credits, worth.course_credits, worth.alternative) == (credits, course, index)
        system = CreditSystem("credits", standard)
        assert worth.scaled / worth.scale == float(credits)
        assert tc_float(worth.scaled, worth.scale, system) == float(to_tc(credits, system))
