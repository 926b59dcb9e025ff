"""Grading scales: letters with the lowest percent that earns each (MODEL.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from hub.domain.errors import InvalidGrade
from hub.domain.percents import EXACT_DECIMALS, ExactPercent

_PERCENT_RE = re.compile(r"^[0-9]{1,3}(?:\.[0-9]+)?%?$")  # ASCII digits only, not "７８"

# Grades read before, by (scale identity, grade text): every query reads its transcript's
# grades and its rules' minimum grades, from a few thousand distinct texts. The entry
# holds the scale, so its id is not reused while kept; cleared whole when full.
_READ: dict[tuple[int, str], tuple[GradingScale, float]] = {}
_READ_LIMIT = 16_384


@dataclass(frozen=True, slots=True)
class GradingScale:
    """A letter scale: each letter with the lowest percent that earns it."""

    letters: tuple[tuple[str, float], ...]

    @classmethod
    def of(cls, mapping: dict[str, float]) -> GradingScale:
        """A scale from ``{"A+": 90, ...}``, kept highest first."""
        items = sorted(((k.strip().upper(), float(v)) for k, v in mapping.items()),
                       key=lambda kv: -kv[1])
        return cls(tuple(items))

    def as_dict(self) -> dict[str, float]:
        """The scale as ``{letter: lowest percent}``."""
        return dict(self.letters)

    def to_percent(self, grade: str, *, field: str | None = None) -> float:
        """A grade (percent such as ``78`` or a letter of this scale) as a percent.

        A letter counts as its lowest percent; letters compare as :meth:`of` keeps
        them (upper-cased, trimmed), however the scale was built, so every store
        reads a declared ``b+`` as the learner's ``B+``. Anything the scale cannot
        read raises :class:`InvalidGrade`: an unreadable grade is never a silent pass.
        A percent written with more than 12 decimals compares as written
        (:class:`~hub.domain.percents.ExactPercent`).
        """
        key = (id(self), grade)
        read = _READ.get(key)
        if read is not None and read[0] is self:
            return read[1]
        value = self._read(grade, field)
        if len(_READ) >= _READ_LIMIT:
            _READ.clear()
        _READ[key] = (self, value)
        return value

    def _read(self, grade: str, field: str | None) -> float:
        text = grade.strip().upper()
        if _PERCENT_RE.match(text):
            number = text.rstrip("%")
            value = float(number)
            # Read exactly: "100.0000000000000001" is 100.0 as a float, yet over 100.
            if value >= 100 and Decimal(number) > 100:
                raise InvalidGrade(f"grade {grade!r} is over 100 percent", field=field)
            if len(number.partition(".")[2]) > EXACT_DECIMALS:
                return ExactPercent(number)   # float() would make 66.999999999999999 67
            return value
        for letter, percent in self.letters:
            if letter == text or letter.strip().upper() == text:
                return percent
        known = ", ".join(letter for letter, _ in self.letters)
        raise InvalidGrade(
            f"grade {grade!r} is neither a percent nor a letter of the sending scale ({known})",
            field=field,
        )


DEFAULT_SCALE = GradingScale.of(
    {"A+": 90, "A": 85, "A-": 80, "B+": 76, "B": 72, "B-": 68, "C+": 64, "C": 60,
     "C-": 55, "D": 50, "F": 0}
)
