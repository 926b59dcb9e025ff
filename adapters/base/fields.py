"""Field checks shared by the province readers: ids, numbers, dates, grades.

Each check returns the canonical value or raises :class:`Bad` with a message a
person can act on (what field, what was found, what is expected). Dict
accessors take a mapping (a JSON object, XML attributes) and a ``label`` that
says which record the field belongs to.

    Bad (ValueError)    one record's fault; the reader turns it into a Rejection

Identifier checks raise ``hub.domain.errors.InvalidIdentifier``, which the
readers treat like ``Bad``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from hub.domain.errors import InvalidIdentifier
from hub.domain.grades import GradingScale
from hub.domain.identifiers import (
    MAX_CODE_LENGTH,
    PROVINCE_RE,
    institution_of,
    normalise_code,
    parse_credential_id,
    parse_institution_id,
)
from hub.domain.model import MAX_AMOUNT

_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RULE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_SUBJECT_RE = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")
_LETTER_RE = re.compile(r"^[A-Z]{1,3}[+-]?$")
_PERCENT_RE = re.compile(r"^\d{1,3}(?:\.\d+)?$")
_COURSE_CODE_RE = re.compile(r"^([A-Z]{2,6})\s*(\d)")


class Bad(ValueError):
    """One record cannot be read; the message says what to fix."""


def _missing(label: str, key: str, expected: str) -> Bad:
    return Bad(f"{label}: {key} is missing; expected {expected}")


def text(obj: Mapping[str, Any], key: str, label: str, *, required: bool = True) -> str | None:
    """A non-empty string field (trimmed); ``None`` when optional and absent."""
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise _missing(label, key, "a non-empty text")
        return None
    if not isinstance(value, str) or not value.strip():
        raise Bad(f"{label}: {key} must be a non-empty text, got {value!r}")
    return value.strip()


def check_number(value: Any, label: str, key: str, *, positive: bool = False) -> float:
    """A finite number 0 to ``MAX_AMOUNT`` (above 0 when ``positive``); booleans are not numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Bad(f"{label}: {key} must be a number, got {value!r}")
    if value < 0 or (positive and value == 0):
        bound = "greater than 0" if positive else "0 or more"
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
            raise _missing(label, key, "a number")
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
            raise _missing(label, key, "a year level 1-4")
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
            raise _missing(label, key, "a subject code such as ENGL")
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
        raise Bad(f"{label}: {key} must be a list of non-empty texts, got {value!r}")
    return tuple(s.strip() for s in value)


def list_of_objects(value: Any, key: str, label: str) -> list[dict[str, Any]]:
    """An optional list of JSON objects (``None`` → empty)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise Bad(f"{label}: {key} must be a list of objects, got {value!r}"[:300])
    return value


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
            raise _missing(label, key, "a date YYYY-MM-DD")
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


def rule_id(value: Any) -> str:
    """A province's own rule id: letters, digits and ``.-_/``, up to 64 characters."""
    if value is None or value == "":
        raise Bad("rule id is missing (letters, digits and . - _ /, at most 64)")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _RULE_ID_RE.match(value.strip()):
        raise Bad(f"rule id must be letters, digits and . - _ / (at most 64), got {value!r}"[:200])
    return value.strip()


def min_grade(value: Any, label: str) -> str | None:
    """A minimum grade: a percent (number or digits) or a letter; ``None`` when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or not 0 <= value <= 100:
            raise Bad(f"{label}: min_grade {value!r} is not a percent 0–100")
        return f"{value:g}"
    if isinstance(value, str):
        candidate = value.strip().upper()
        if _PERCENT_RE.match(candidate) and float(candidate) <= 100:
            return candidate
        if _LETTER_RE.match(candidate):
            return candidate
    raise Bad(f"{label}: min_grade must be a percent (65) or a letter grade (C+), got {value!r}")


def grading(value: Any, label: str) -> GradingScale | None:
    """A grading scale from ``{letter: lowest percent}``; ``None`` means the default."""
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        raise Bad(f"{label}: grading must be an object of letter → lowest percent, got {value!r}")
    for letter, percent in value.items():
        if not _LETTER_RE.match(str(letter).strip().upper()):
            raise Bad(f"{label}: grading letter {letter!r} is not a letter grade such as B+")
        check_number(percent, label, f"grading[{letter!r}]")
        if percent > 100:
            raise Bad(f"{label}: grading[{letter!r}] is {percent!r}, over 100 percent")
    return GradingScale.of(value)


def code(value: str, label: str) -> str:
    """An institution's own credential code, normalised, at most 40 characters."""
    normal = normalise_code(value)
    if not normal or ":" in normal or len(normal) > MAX_CODE_LENGTH:
        raise Bad(f"{label}: code {value!r} must be 1–{MAX_CODE_LENGTH} characters without ':'")
    return normal


def institution_in(value: Any, province: str, label: str) -> str:
    """An institution id ``INST`` (of ``province``) or ``PROV:INST`` (of any province)."""
    if not isinstance(value, str) or not value.strip():
        raise Bad(f"{label}: expected an institution code such as UBCV or ON:SENE, got {value!r}")
    try:
        return _qualified_institution(value, province)
    except InvalidIdentifier as exc:
        raise InvalidIdentifier(exc.message, field=label) from None


@lru_cache(maxsize=4096)
def _qualified_institution(value: str, province: str) -> str:
    # Feeds name the same few institutions millions of times: check each once.
    text_value = value.strip().upper()
    qualified = text_value if ":" in text_value else f"{province}:{text_value}"
    return parse_institution_id(qualified)


def own_institution(obj: Mapping[str, Any], key: str, province: str, label: str, *,
                    what: str = "institution") -> str:
    """An institution of ``province`` itself; another province's is refused (MODEL.md)."""
    value = obj.get(key)
    if value is None:
        raise _missing(label, key, f"an institution code of {province}")
    ident = institution_in(value, province, f"{label} {key}")
    if not ident.startswith(f"{province}:"):
        raise Bad(f"{label}: {what} {ident} is not in {province}; the {province} export "
                  f"publishes only {province} institutions, credentials and rules received "
                  f"in {province} (the other province's adapter publishes it)")
    return ident


def credential_of(institution: str, code_text: str | None, label: str) -> str:
    """The credential id of ``code_text`` at ``institution``."""
    return f"{institution}:{code(code_text or '', label)}"


def reference(value: str, institution: str, label: str) -> str:
    """A credential named as ``CODE`` (at ``institution``), ``INST:CODE`` or ``PROV:INST:CODE``."""
    parts = value.strip().split(":")
    province = institution.split(":", 1)[0]
    if len(parts) == 1:
        return credential_of(institution, value, label)
    if len(parts) == 2:
        return parse_credential_id(f"{province}:{value}", field=label)
    if len(parts) == 3 and PROVINCE_RE.match(parts[0].strip().upper()):
        return parse_credential_id(value.upper(), field=label)
    raise Bad(f"{label}: {value!r} must be CODE, INST:CODE or PROV:INST:CODE")


def sending(value: Any, province: str, label: str) -> tuple[str, ...]:
    """``from`` entries (``INST:CODE`` or ``PROV:INST:CODE``) of one sending institution."""
    if not isinstance(value, list) or not value:
        raise Bad(f"{label}: from must list one or more sending credentials INST:CODE")
    ids: list[str] = []
    for i, entry in enumerate(value):
        where = f"{label}: from[{i}]"
        if not isinstance(entry, str) or entry.count(":") not in (1, 2):
            raise Bad(f"{where} must be INST:CODE or PROV:INST:CODE, got {entry!r}")
        ids.append(reference(entry, f"{province}:SELF", where))
    institutions = sorted({institution_of(i) for i in ids})
    if len(institutions) > 1:
        raise Bad(f"{label}: from mixes institutions {' and '.join(institutions)}; a rule's "
                  "sending credentials all come from one institution")
    if len(set(ids)) != len(ids):
        raise Bad(f"{label}: from lists the same credential twice")
    return tuple(ids)
