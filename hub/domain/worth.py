"""What a granting rule is worth: the credits the learner can rely on (MODEL.md).

A rule may offer alternatives, of which the receiving institution grants one;
it is worth its smallest alternative. Credits are compared exactly
(:class:`fractions.Fraction` of the decimal the province wrote), so that
``0.1 + 0.2`` ties ``0.3`` as a registrar would expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from hub.domain.model import TC_PER_STANDARD_COURSE, CreditSystem, Grant, GrantKind, Rule


def exact(value: float | None) -> Fraction:
    """A credit value as an exact fraction of its decimal text; unknown (``None``) is 0."""
    return Fraction(repr(float(value))) if value is not None else Fraction(0)


def to_tc(credits: Fraction, system: CreditSystem) -> Fraction:
    """Credits in an institution's unit as transfer credits, exactly."""
    return credits * exact(TC_PER_STANDARD_COURSE) / exact(system.standard_course)


@dataclass(frozen=True, slots=True)
class Worth:
    """A granting rule's counted credits, and which alternative they come from.

    ``course_credits`` are the counted alternative's credits in specific
    courses (the optimiser's first tie-break); ``unknown`` says the counted
    alternative holds a grant whose credits are unknown (counted as 0).
    """

    credits: Fraction
    course_credits: Fraction
    unknown: bool
    alternative: int


def _alternative_worth(grants: tuple[Grant, ...]) -> tuple[Fraction, Fraction, bool]:
    credits = sum((exact(g.credits) for g in grants), Fraction(0))
    course = sum((exact(g.credits) for g in grants if g.kind == GrantKind.COURSE), Fraction(0))
    return credits, course, any(g.credits is None for g in grants)


def worth_of(rule: Rule) -> Worth:
    """The rule's worth: its smallest alternative.

    Where alternatives tie on credits, the one with fewer specific-course
    credits counts (again what the learner can rely on), then the first listed.
    """
    if not rule.alternatives:
        return Worth(Fraction(0), Fraction(0), False, 0)
    scored = [(*_alternative_worth(grants), index)
              for index, grants in enumerate(rule.alternatives)]
    credits, course, unknown, index = min(scored, key=lambda s: (s[0], s[1], s[3]))
    return Worth(credits, course, unknown, index)
