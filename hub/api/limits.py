"""Request caps: what one request may carry before the hub refuses it.

A transcript of more than :data:`MAX_COMPLETED` items or a string longer than
:data:`MAX_STRING` characters is ``InvalidQuery`` (INVALID_ARGUMENT), naming
the field, before any work is done: query cost stays bounded per request.
So is a string holding NUL (U+0000): it is never part of an identifier, grade
or date, and PostgreSQL's text cannot hold it (the lookup would fail inside
the store, as INTERNAL, instead of naming the field).
"""

from __future__ import annotations

from collections.abc import Sized

from hub.domain.errors import InvalidQuery

MAX_COMPLETED = 500
MAX_STRING = 200


def check_string(value: str, field: str, *, required: bool = False) -> str:
    """``value`` unchanged, or ``InvalidQuery`` when it is too long, holds NUL (or is empty
    but required)."""
    if len(value) > MAX_STRING:
        raise InvalidQuery(
            f"is {len(value)} characters long, more than the {MAX_STRING} allowed", field=field
        )
    if "\x00" in value:
        raise InvalidQuery(f"{value!r} contains a NUL character (U+0000)", field=field)
    if required and not value.strip():
        raise InvalidQuery("is required", field=field)
    return value


def check_count(items: Sized, field: str, limit: int = MAX_COMPLETED) -> None:
    """``InvalidQuery`` when ``items`` has more than ``limit`` entries."""
    if len(items) > limit:
        raise InvalidQuery(f"has {len(items)} items, more than the {limit} allowed", field=field)
