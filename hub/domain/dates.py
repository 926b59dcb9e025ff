"""Dates in MODEL.md's forms: ``YYYY-MM`` (the month's last day) or ``YYYY-MM-DD``."""

from __future__ import annotations

import calendar
import re
from datetime import date

from hub.domain.errors import InvalidDate

_DATE_RE = re.compile(r"^([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?$")  # ASCII digits only
_DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_completion_date(text: str, *, field: str | None = None) -> date:
    """A completion date; a month alone means its last day (MODEL.md)."""
    match = _DATE_RE.match(text.strip())
    if not match:
        raise InvalidDate(f"{text!r} is not a date of the form YYYY-MM or YYYY-MM-DD", field=field)
    year, month, day = int(match[1]), int(match[2]), match[3]
    try:
        return date(year, month, int(day)) if day else month_end(year, month)
    except ValueError:
        raise InvalidDate(f"{text!r} is not a calendar date", field=field) from None


def parse_iso_date(text: str | None, *, field: str | None = None) -> date | None:
    """An optional ``YYYY-MM-DD`` date (``None`` or empty stays open), written so strictly:
    ``date.fromisoformat`` alone also takes ``20200101`` and ``2020-W01-1`` (a tester)."""
    if text is None or not str(text).strip():
        return None
    written = str(text).strip()
    try:
        if not _DAY_RE.match(written):
            raise ValueError(written)
        return date.fromisoformat(written)
    except ValueError:
        raise InvalidDate(f"{text!r} is not a date of the form YYYY-MM-DD", field=field) from None
