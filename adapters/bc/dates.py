"""The BC Transfer Guide's dates: ``Sep/15``, ``Sept/95``, ``Sep 2015``, ``20150901``.

A month stands for its first day when it starts an effective window and for
its last day when it ends one (FORMATS.md). Two-digit years 50-99 are 19xx and
00-49 are 20xx. An end of ``present``, ``ongoing``, ``-`` or nothing is open
(``None``); so is an empty start, which a registrar reads as "since always".
Unreadable text raises :class:`hub.domain.errors.InvalidDate` naming it.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from hub.domain.dates import month_end
from hub.domain.errors import InvalidDate

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
# The Guide abbreviates September as Sept; full names also occur in hand-made exports.
_MONTH_WORD = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
               r"|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_MONTH_YEAR = re.compile(rf"^{_MONTH_WORD}\.?\s*[/ -]\s*(?P<year>[0-9]{{2}}|[0-9]{{4}})$", re.I)
_COMPACT = re.compile(r"^([0-9]{4})([0-9]{2})([0-9]{2})$")  # ASCII digits only
_ISO = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_OPEN_ENDS = frozenset({"", "present", "ongoing", "-"})
_RANGE = re.compile(
    r"^\s*(?P<start>.*?)\s*(?:\bto\b\s*(?P<end>.*?)|(?P<ongoing>ongoing|present))\s*$", re.I)


def _year(text: str) -> int:
    value = int(text)
    if len(text) == 4:
        return value
    return 1900 + value if value >= 50 else 2000 + value


@lru_cache(maxsize=4096)
def _parse(text: str, at_end: bool) -> date:
    cleaned = text.strip()
    match = _MONTH_YEAR.match(cleaned)
    if match:
        month, year = _MONTHS[match["mon"][:3].lower()], _year(match["year"])
        return month_end(year, month) if at_end else date(year, month, 1)
    match = _COMPACT.match(cleaned) or _ISO.match(cleaned)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise InvalidDate(f"{text!r} is not a calendar date") from None
    raise InvalidDate(f"{text!r} is not a date of the form Mon/YY, Mon YYYY or YYYYMMDD")


def parse_effective_start(text: str | None) -> date | None:
    """The first day an effective window covers; a month means its first day."""
    if text is None or not text.strip():
        return None
    return _parse(text, False)


def parse_effective_end(text: str | None) -> date | None:
    """The last day an effective window covers; a month means its last day, open is ``None``."""
    if text is None or text.strip().lower() in _OPEN_ENDS:
        return None
    return _parse(text, True)


def parse_effective_range(text: str) -> tuple[date | None, date | None]:
    """The Guide's printed window ``Sep/21 to present`` / ``Sep/21 ongoing`` as (start, end)."""
    match = _RANGE.match(text)
    if not match or not match["start"]:
        raise InvalidDate(f"{text!r} is not an effective window of the form 'Sep/21 to Aug/23'")
    end = None if match["ongoing"] else parse_effective_end(match["end"])
    return parse_effective_start(match["start"]), end
