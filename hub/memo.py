"""``Memo``: a bounded dictionary of values worked out once from their keys.

The ingest and the store convert the same few thousand texts (grant sets,
sending sets, dates, time stamps) millions of times; a ``Memo`` converts each
once; an ``IdentityMemo`` keeps values per object, by identity, where hashing
the key would cost more than the conversion (tuples of grants). Both are
lock-free (plain dictionary operations, safe across threads) and
bounded crudely: cleared whole when full, which loses nothing because every
value is an immutable function of its key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Memo(dict):  # type: ignore[type-arg]
    """``memo[key]`` is ``convert(key)``, computed once; cleared whole when ``limit`` is hit.

    An exception from ``convert`` propagates and nothing is kept.
    """

    __slots__ = ("_convert", "_limit")

    def __init__(self, convert: Callable[[Any], Any], limit: int = 50_000) -> None:
        super().__init__()
        self._convert = convert
        self._limit = limit

    def __missing__(self, key: Any) -> Any:
        value = self._convert(key)
        if len(self) >= self._limit:
            self.clear()
        self[key] = value
        return value


class IdentityMemo:
    """``convert(obj)`` kept per object, by identity, bounded (cleared whole when full).

    For values hashing would cost more than building (tuples of grants): the
    entry holds the object, so its id is not reused while it is kept.
    """

    def __init__(self, convert: Callable[[Any], Any], limit: int) -> None:
        self._convert = convert
        self._limit = limit
        self._kept: dict[int, tuple[object, Any]] = {}

    def __call__(self, obj: object) -> Any:
        hit = self._kept.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        value = self._convert(obj)
        if len(self._kept) >= self._limit:
            self._kept.clear()
        self._kept[id(obj)] = (obj, value)
        return value
