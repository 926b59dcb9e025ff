"""Grade fields: a rule's minimum grade and an institution's grading scale."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from adapters.base.fields.values import Bad, check_number
from hub.domain.grades import GradingScale
from hub.domain.model import MAX_ITEMS
from hub.domain.percents import written

_LETTER_RE = re.compile(r"^[A-Z]{1,3}[+-]?$")
_PERCENT_RE = re.compile(r"^[0-9]{1,3}(?:\.[0-9]+)?$")  # ASCII digits only


def min_grade(value: Any, label: str) -> str | None:
    """A minimum grade: a percent (number or digits) or a letter; ``None`` when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        # As written where the reader kept the text (Ontario's JSON numbers): as a float,
        # 66.99999999999999999 is 67 and 100.0000000000000001 is 100. ("{:g}" kept six
        # digits: 66.9999999 became a minimum of "67".)
        exact = Decimal(getattr(value, "text", None) or written(value))
        if not exact.is_finite() or not 0 <= exact <= 100:
            raise Bad(f"{label}: min_grade {getattr(value, 'text', value)!r} is not a percent "
                      "0–100")
        return format(exact, "f")
    if isinstance(value, str):
        candidate = value.strip().upper()
        # Read exactly, as the hub does: "100.0000000000000001" is 100.0 as a float.
        if _PERCENT_RE.match(candidate) and Decimal(candidate) <= 100:
            return candidate
        if _LETTER_RE.match(candidate):
            return candidate
    raise Bad(f"{label}: min_grade must be a percent (65) or a letter grade (C+), got {value!r}")


def grading(value: Any, label: str) -> GradingScale | None:
    """A grading scale from ``{letter: lowest percent}``; ``None`` (absent, null or an
    empty object: no scale declared) means the default (MODEL.md)."""
    if value is None or value == {}:
        return None
    if not isinstance(value, dict):
        raise Bad(f"{label}: grading must be an object of letter → lowest percent, got {value!r}")
    if len(value) > MAX_ITEMS:
        raise Bad(f"{label}: grading has {len(value):,} letters, more than the {MAX_ITEMS} "
                  "allowed")
    scale = {}
    for letter, given in value.items():
        written = str(letter).strip().upper()
        if not _LETTER_RE.match(written):
            raise Bad(f"{label}: grading letter {letter!r} is not a letter grade such as B+")
        if written in scale:   # the hub reads letters so and refuses one given twice
            raise Bad(f"{label}: grading letter {written} is given twice")
        percent = check_number(given, label, f"grading[{letter!r}]")
        if percent > 100:
            raise Bad(f"{label}: grading[{letter!r}] is {given!r}, over 100 percent")
        scale[written] = percent
    return GradingScale.of(scale)

