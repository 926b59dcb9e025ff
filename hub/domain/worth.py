"""What a granting rule is worth: the credits the learner can rely on (MODEL.md).

A rule may offer alternatives, of which the receiving institution grants one;
it is worth its smallest alternative. Credits are compared exactly (the
rational number of the decimal the province wrote, ``repr`` of the float), so
that ``0.1 + 0.2`` ties ``0.3`` as a registrar would expect.

How, cheaply. A worth is an integer count of ``1/scale`` credits. The exports
write credits with at most three decimals, so ``scale`` is :data:`MILLI`
(thousandths) and all the arithmetic is on small integers. This is exact, not
an approximation: a credit's decimal text with at most three decimals *is*
an integer count of thousandths, read digit by digit from that same text
(:func:`milli`), so sums and comparisons of those integers are sums and
comparisons of the exact rationals. A value whose text has more decimals (or
an exponent) is not representable so; a rule holding one is worth an exact
:class:`fractions.Fraction` sum scaled by the least common denominator of its
alternatives instead, which is exact too. Converting to ``float`` divides two
integers, which Python rounds correctly, exactly as ``float(Fraction)`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import lcm

from hub.domain.model import TC_PER_STANDARD_COURSE, CreditSystem, Grant, GrantKind, Rule

MILLI = 1000
"""The usual scale of a worth: credits in thousandths."""

_MEMO_LIMIT = 4096  # distinct credit values: a few dozen in real exports
_WORTHS_LIMIT = 50_000  # distinct grant sets: as many as the store's decoder keeps shared


def exact(value: float | None) -> Fraction:
    """A credit value as an exact fraction of its decimal text; unknown (``None``) is 0."""
    return Fraction(repr(float(value))) if value is not None else Fraction(0)


_MILLI: dict[float, int | None] = {}


def milli(value: float | None) -> int | None:
    """``value`` in exact thousandths (unknown is 0), or ``None`` when its decimal text
    has more than three decimals or an exponent (then ``exact(value)`` is not n/1000)."""
    if value is None:
        return 0
    try:
        return _MILLI[value]
    except KeyError:
        pass
    text = repr(float(value))
    whole, dot, decimals = text.partition(".")
    if "e" in text or "n" in text or len(decimals) > 3:  # exponent, inf or nan
        found = None
    else:
        found = int(whole + decimals.ljust(3, "0")) if dot else int(whole) * MILLI
    if len(_MILLI) >= _MEMO_LIMIT:
        _MILLI.clear()
    _MILLI[value] = found
    return found


def to_tc(credits: Fraction, system: CreditSystem) -> Fraction:
    """Credits in an institution's unit as transfer credits, exactly."""
    return credits * exact(TC_PER_STANDARD_COURSE) / exact(system.standard_course)


_TC_RATIO: dict[float, tuple[int, int]] = {}


def tc_float(scaled: int, scale: int, system: CreditSystem) -> float:
    """``float(to_tc(Fraction(scaled, scale), system))``, from integers alone."""
    standard = system.standard_course
    ratio = _TC_RATIO.get(standard)
    if ratio is None:
        exact_ratio = exact(TC_PER_STANDARD_COURSE) / exact(standard)
        ratio = (exact_ratio.numerator, exact_ratio.denominator)
        if len(_TC_RATIO) >= _MEMO_LIMIT:
            _TC_RATIO.clear()
        _TC_RATIO[standard] = ratio
    return (scaled * ratio[0]) / (scale * ratio[1])


@dataclass(frozen=True, slots=True)
class Worth:
    """A granting rule's counted credits, and which alternative they come from.

    ``scaled`` and ``course_scaled`` are the counted alternative's credits and
    its credits in specific courses (the optimiser's first tie-break), in
    ``1/scale`` credits; ``unknown`` says the counted alternative holds a grant
    whose credits are unknown (counted as 0).
    """

    scaled: int
    course_scaled: int
    scale: int
    unknown: bool
    alternative: int

    @property
    def credits(self) -> Fraction:
        """The counted credits, exactly."""
        return Fraction(self.scaled, self.scale)

    @property
    def course_credits(self) -> Fraction:
        """The counted credits in specific courses, exactly."""
        return Fraction(self.course_scaled, self.scale)


def _milli_worth(alternatives: tuple[tuple[Grant, ...], ...]) -> Worth | None:
    best: tuple[int, int, int] | None = None
    unknown = False
    for index, grants in enumerate(alternatives):
        credits = course = 0
        missing = False
        for grant in grants:
            value = grant.credits
            if value is None:
                missing = True
                continue
            n = _MILLI.get(value)
            if n is None:
                n = milli(value)
                if n is None:
                    return None
            credits += n
            if grant.kind is GrantKind.COURSE:
                course += n
        if best is None or (credits, course) < best[:2]:
            best, unknown = (credits, course, index), missing
    assert best is not None
    return Worth(best[0], best[1], MILLI, unknown, best[2])


def _fraction_worth(alternatives: tuple[tuple[Grant, ...], ...]) -> Worth:
    scored = []
    for index, grants in enumerate(alternatives):
        credits = sum((exact(g.credits) for g in grants), Fraction(0))
        course = sum((exact(g.credits) for g in grants if g.kind == GrantKind.COURSE),
                     Fraction(0))
        scored.append((credits, course, index, any(g.credits is None for g in grants)))
    credits, course, index, unknown = min(scored, key=lambda s: s[:3])
    scale = lcm(credits.denominator, course.denominator)
    return Worth(credits.numerator * (scale // credits.denominator),
                 course.numerator * (scale // course.denominator), scale, unknown, index)


# Keyed by the identity of a rule's alternatives (the store's decoder shares one
# tuple per distinct grant set), holding the tuple so that its id is not reused.
_WORTHS: dict[int, tuple[tuple[tuple[Grant, ...], ...], Worth]] = {}


def worth_of(rule: Rule) -> Worth:
    """The rule's worth: its smallest alternative.

    Where alternatives tie on credits, the one with fewer specific-course
    credits counts (again what the learner can rely on), then the first listed.
    A worth depends on the alternatives alone, so it is computed once per
    distinct alternatives tuple (a bounded memo of derived values).
    """
    alternatives = rule.alternatives
    known = _WORTHS.get(id(alternatives))
    if known is not None and known[0] is alternatives:
        return known[1]
    if not alternatives:
        worth = Worth(0, 0, MILLI, False, 0)
    else:
        worth = _milli_worth(alternatives) or _fraction_worth(alternatives)
    if len(_WORTHS) >= _WORTHS_LIMIT:
        _WORTHS.clear()
    _WORTHS[id(alternatives)] = (alternatives, worth)
    return worth
