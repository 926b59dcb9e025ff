"""``Memo``: a bounded dictionary of values worked out once from their keys.

The ingest and the store convert the same few thousand texts (grant sets,
sending sets, dates, time stamps) millions of times; a ``Memo`` converts each
once. It is lock-free (plain dictionary operations, safe across threads) and
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
