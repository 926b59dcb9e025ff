"""Plain field checks: texts, lists, numbers, year levels, subjects, dates, versions.

Each check returns the canonical value or raises :class:`Bad`, the one error
of :mod:`adapters.base.fields`, with a message a person can act on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from hub.domain.model import (
    MAX_AMOUNT,
    MAX_ITEMS,
    MAX_NAME,
    MAX_TEXT,
    MIN_STANDARD_COURSE,
    Grant,
    Rule,
    granted_twice,
    rule_problem,
)

_DAY_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")  # ASCII digits only
_SUBJECT_RE = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")
_COURSE_CODE_RE = re.compile(r"^([A-Z]{2,6})\s*(\d)")


class Bad(ValueError):
    """One record cannot be read; the message says what to fix."""


def missing(label: str, key: str, expected: str) -> Bad:
    """The ``Bad`` for a required field that is absent."""
    return Bad(f"{label}: {key} is missing; expected {expected}")


def text(obj: Mapping[str, Any], key: str, label: str, *, required: bool = True) -> str | None:
    """A non-empty string field (trimmed); ``None`` when optional and absent."""
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise missing(label, key, "a non-empty text")
        return None
    if not isinstance(value, str) or not value.strip():
        raise Bad(f"{label}: {key} must be a non-empty text, got {value!r}")
    return short(value.strip(), label, key)


def short(value: str, label: str, key: str) -> str:
    """``value``, a name or title of at most ``MAX_NAME`` characters (the hub's own cap);
    an empty ``label`` when the place (a CSV line) already says which record it is."""
    if len(value) > MAX_NAME:
        raise Bad(f"{label + ': ' if label else ''}{key} is {len(value):,} characters long, "
                  f"more than the {MAX_NAME:,} allowed")
    _no_nul(value, label, key)
    return value


def _no_nul(value: str, label: str, key: str) -> None:
    """Refuse a NUL character (JSON's ``\\u0000``): the hub's stores cannot keep one, and
    it dead-letters the event where the province never sees why."""
    if "\x00" in value:
        raise Bad(f"{label + ': ' if label else ''}{key} holds a NUL, a control character "
                  "the hub cannot keep")


def check_number(value: Any, label: str, key: str, *, positive: bool = False) -> float:
    """A finite number 0 to ``MAX_AMOUNT``; booleans are not numbers. ``positive`` is for
    a standard course: at least ``MIN_STANDARD_COURSE`` (hub.domain.model)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Bad(f"{label}: {key} must be a number, got {value!r}")
    if value < 0 or (positive and value < MIN_STANDARD_COURSE):
        bound = f"at least {MIN_STANDARD_COURSE}" if positive else "0 or more"
        raise Bad(f"{label}: {key} must be {bound}, got {value!r}")
    if value > MAX_AMOUNT:
        raise Bad(f"{label}: {key} must be at most {MAX_AMOUNT:,.0f}, got {value!r}")
    return float(value)


def number(obj: Mapping[str, Any], key: str, label: str, *, required: bool = True,
           positive: bool = False) -> float | None:
    """A numeric field (see :func:`check_number`); ``None`` when optional and absent."""
    value = obj.get(key)
    if value is None:
        if required:
            raise missing(label, key, "a number")
        return None
    return check_number(value, label, key, positive=positive)


def check_level(value: Any, label: str, key: str = "level") -> int:
    """A year level 1-4."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
        raise Bad(f"{label}: {key} must be a year level 1, 2, 3 or 4, got {value!r}")
    return value


def level(obj: Mapping[str, Any], key: str, label: str, *, required: bool = True) -> int | None:
    """A year-level field 1-4; ``None`` when optional and absent."""
    value = obj.get(key)
    if value is None:
        if required:
            raise missing(label, key, "a year level 1-4")
        return None
    return check_level(value, label, key)


def check_subject(value: Any, label: str, key: str = "subject") -> str:
    """A subject code such as ``ENGL`` or ``CSC`` (upper-cased)."""
    if not isinstance(value, str) or not _SUBJECT_RE.match(value.strip().upper()):
        raise Bad(f"{label}: {key} must be a subject code of letters and digits "
                  f"such as ENGL, got {value!r}")
    return value.strip().upper()


def subject(obj: Mapping[str, Any], key: str, label: str, *, required: bool = True) -> str | None:
    """A subject-code field; ``None`` when optional and absent."""
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise missing(label, key, "a subject code such as ENGL")
        return None
    return check_subject(value, label, key)


def subject_level_of(code: str) -> tuple[str | None, int | None]:
    """Subject and year level read from a course code (``EECS 1015`` → EECS, 1)."""
    match = _COURSE_CODE_RE.match(code)
    if not match:
        return None, None
    year = int(match[2])
    return match[1], year if 1 <= year <= 4 else None


def strings(obj: Mapping[str, Any], key: str, label: str) -> tuple[str, ...]:
    """An optional list of non-empty strings."""
    value = obj.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(s, str) and s.strip() for s in value):
        raise Bad(f"{label}: {key} must be a list of non-empty texts, got {value!r}"[:200])
    _at_most_items(value, key, label, "texts")
    for i, item in enumerate(value):
        if len(item) > MAX_TEXT:
            raise Bad(f"{label}: {key}[{i}] is {len(item):,} characters long, more than the "
                      f"{MAX_TEXT:,} allowed")
        _no_nul(item, label, f"{key}[{i}]")
    return tuple(s.strip() for s in value)


def list_of_objects(value: Any, key: str, label: str) -> list[dict[str, Any]]:
    """An optional list of JSON objects (``None`` → empty)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise Bad(f"{label}: {key} must be a list of objects, got {value!r}"[:300])
    _at_most_items(value, key, label, "objects")
    return value


def _at_most_items(value: list[Any], key: str, label: str, what: str) -> None:
    if len(value) > MAX_ITEMS:
        raise Bad(f"{label}: {key} lists {len(value):,} {what}, more than the {MAX_ITEMS} "
                  "allowed")


def check_day(value: Any, label: str, key: str) -> date:
    """A calendar date written strictly ``YYYY-MM-DD``."""
    if not isinstance(value, str) or not _DAY_RE.match(value.strip()):
        raise Bad(f"{label}: {key} must be a date YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Bad(f"{label}: {key} {value!r} is not a calendar date") from None


def day(obj: Mapping[str, Any], key: str, label: str, *, required: bool = True) -> date | None:
    """A date field; ``None`` (or empty) when optional means open."""
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise missing(label, key, "a date YYYY-MM-DD")
        return None
    return check_day(value, label, key)


def ordered(start: date | None, end: date | None, label: str, start_key: str,
            end_key: str) -> None:
    """Refuse a window that ends before it starts."""
    if start and end and end < start:
        raise Bad(f"{label}: {end_key} {end.isoformat()} is before {start_key} "
                  f"{start.isoformat()}")


MAX_VERSION = 2**63 - 1
"""The highest version a rule may have: the events carry it as ``int64``."""


def version(value: Any, label: str) -> int:
    """A rule's version: a whole number 1 to :data:`MAX_VERSION`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VERSION:
        raise Bad(f"{label}: version must be a positive whole number up to {MAX_VERSION}, "
                  f"got {value!r}"[:200])
    return value


def stated(rule: Rule, label: str) -> Rule:
    """``rule`` when MODEL.md can state it (:func:`hub.domain.model.rule_problem`): the
    hub would dead-letter it, unseen by the province; else :class:`Bad`."""
    problem = rule_problem(rule)
    if problem:
        raise Bad(f"{label} {problem}")
    return rule


def granted_once(grants: tuple[Grant, ...], label: str) -> tuple[Grant, ...]:
    """``grants`` when no specific course is granted twice in them; else :class:`Bad`."""
    twice = granted_twice(grants)
    if twice:
        raise Bad(f"{label} grants course {twice} twice; a course is granted once")
    return grants
