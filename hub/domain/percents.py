"""Percents compared as written (MODEL.md: ``grade_percent >= minimum_percent``).

A percent is a float, and two written with at most 12 decimals (15 significant
digits below 1000) are always distinct, correctly ordered floats. A longer text
is not: ``float("66.999999999999999")`` is 67.0, which met a minimum of 67. Such a
percent is an :class:`ExactPercent`: still a float (everything that reads a
percent takes it), but compared by its exact decimal value; the other side of a
comparison, a plain float, counts as the decimal it was written as (its shortest
repr: a scale's ``66.66666666666667`` is that, not its binary tail). So a grade
meets a minimum exactly when the grade as written is at least the minimum as
written, and the same text on both sides always meets.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any

EXACT_DECIMALS = 12
"""Decimals a plain float keeps apart below 1000; a percent written with more is exact."""


def exact_value(value: float) -> Decimal:
    """The decimal ``value`` stands for: an exact percent's text, else the float's repr."""
    return value.exact if isinstance(value, ExactPercent) else Decimal(repr(float(value)))


def written(value: float) -> str:
    """``value`` as the decimal it stands for, never in exponent form ("66.9999999", "67")."""
    text = format(exact_value(value), "f")
    return text[:-2] if text.endswith(".0") else text


def _exactly(compare: Callable[[Decimal, Decimal], bool]) -> Callable[[Any, Any], Any]:
    """A comparison of an :class:`ExactPercent` with a number, by exact decimal values."""
    def method(self: ExactPercent, other: Any) -> Any:
        if isinstance(other, bool) or not isinstance(other, int | float):
            return NotImplemented
        return compare(self.exact, exact_value(other))
    return method


class ExactPercent(float):
    """A percent written with more than :data:`EXACT_DECIMALS` decimals, compared exactly."""

    exact: Decimal

    def __new__(cls, text: str) -> ExactPercent:
        percent = super().__new__(cls, float(text))
        percent.exact = Decimal(text)
        return percent

    __lt__ = _exactly(operator.lt)
    __le__ = _exactly(operator.le)
    __gt__ = _exactly(operator.gt)
    __ge__ = _exactly(operator.ge)
    __eq__ = _exactly(operator.eq)
    __ne__ = _exactly(operator.ne)
    __hash__ = float.__hash__   # equal exact values are equal floats
