"""Ontario's export as JSON Lines: opening the file, cutting it into lines, decoding one.

:func:`open_export` refuses what is not a readable text file
(``ExportUnreadable``); :func:`lines` numbers the lines and cuts a hostile
one at :data:`MAX_LINE_BYTES`; :func:`decode` turns one line into a JSON
object or raises ``Bad`` saying what to fix. A UTF-8 byte order mark at the
start of the file is UTF-8 all the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from adapters.base import fields as f
from adapters.base.records import ExportUnreadable, not_readable_as

MAX_LINE_BYTES = 1 << 20  # no real line comes near 1 MiB; a longer one is damage


def open_export(path: Path) -> BinaryIO:
    """The export at ``path`` opened for reading; ``ExportUnreadable`` when it cannot be."""
    problem = not_readable_as(path)
    if problem:
        raise ExportUnreadable(f"{path}: {problem} (expected an Ontario .jsonl export)")
    try:
        stream = path.open("rb")
        head = stream.read(4096)
    except OSError as exc:
        raise ExportUnreadable(f"{path}: cannot be read ({exc.strerror})") from None
    if b"\x00" in head:
        stream.close()
        raise ExportUnreadable(f"{path}: is a binary file, not UTF-8 JSON Lines")
    stream.seek(0)
    return stream


def lines(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Lines with their 1-based numbers; an over-long line is cut and its rest skipped."""
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")   # a UTF-8 byte order mark (Windows tools)
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass  # skip the rest of a hostile line without holding it
        yield number, raw


class _RepeatedKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are all distinct: ``{"version": 1, "version": 2}`` says two
    things, and parsers disagree on which one counts (Python's takes the last)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return obj


class _Written(float):
    """A JSON number with a fraction or exponent, as a float that keeps its text: a
    ``min_grade`` of ``66.99999999999999999`` is that, not the float 67.0."""

    text: str


def _number(text: str) -> float:
    number = _Written(text)
    number.text = text
    return number


def decode(text: bytes) -> dict[str, Any]:
    """One line as a JSON object; ``Bad`` when it is not one an event can carry."""
    try:
        obj = json.loads(text.decode("utf-8"), parse_constant=_no_constant,
                         object_pairs_hook=_unique_keys, parse_float=_number)
    except _RepeatedKey as exc:
        raise f.Bad(f"key {exc.args[0]!r} appears twice in one object; keep the one "
                    "that is meant") from None
    except UnicodeDecodeError as exc:
        raise f.Bad(f"not UTF-8 text (byte {exc.start + 1}); save the export as UTF-8") from None
    except json.JSONDecodeError as exc:
        # json's "Unterminated string starting at" already ends in "at"
        raise f.Bad(f"not a JSON object: {exc.msg.removesuffix(' at')} at column "
                    f"{exc.colno}") from None
    except (RecursionError, ValueError) as exc:
        raise f.Bad(f"not a JSON object: {exc}"[:200]) from None
    if not isinstance(obj, dict):
        raise f.Bad(f"a line must be one JSON object, got a JSON {type(obj).__name__}")
    if b"\\u" in text:   # only an escape can give a lone surrogate, which no event can carry
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise f.Bad(f"the escape \\u{ord(exc.object[exc.start]):04x} is half of a UTF-16 "
                        "pair, not Unicode text; write the character itself") from None
    return obj


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")
