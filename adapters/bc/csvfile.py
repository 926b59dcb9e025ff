"""One CSV file of a BC export, read row by row: the bytes, the header and the quoting.

:func:`rows` gives each data row in the columns' order with the line it
starts on, or why it is unreadable (not UTF-8, the wrong number of fields,
a quote left open); a file that cannot be read at all (missing, binary, no
header, a column missing or repeated) raises ``ExportUnreadable``.
:func:`unended_last_line` says whether the file stops part-way through a row.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from adapters.base.records import ExportUnreadable, not_readable_as

INSTITUTIONS, EQUIVALENCIES = "institutions.csv", "equivalencies.csv"


def unended_last_line(path: Path) -> int | None:
    """The number of the file's last line when it has no end of line, else None.

    Such a line may stop part-way through a record
    (:data:`adapters.base.records.CUT_SHORT`). Lines are counted only then.
    """
    if not_readable_as(path):
        return None   # rows() says what is wrong with it (a named pipe would block here)
    try:
        with path.open("rb") as stream:
            size = stream.seek(0, 2)
            stream.seek(max(0, size - 256))
            tail = stream.read()
            if not tail.strip() or tail.rstrip(b" \t").endswith((b"\n", b"\r")):
                return None
            stream.seek(0)
            ends = sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b""))
    except OSError:
        return None   # rows() says what is wrong with the file
    return ends + 1


def rows(path: Path, columns: Sequence[str], *,
         require_rows: bool = False) -> Iterator[tuple[int, list[str] | str]]:
    """Each data row in ``columns`` order with the line it starts on, or why it is unreadable.

    With ``require_rows``, a file with a header and no row is unreadable.
    """
    stream = _open(path)
    bad_lines: set[int] = set()
    with stream:
        reader = csv.reader(_text_lines(stream, bad_lines), strict=False)
        try:
            header = next(reader)
        except StopIteration:
            raise ExportUnreadable(f"{path}: is empty (expected a header row "
                                   f"{','.join(columns)})") from None
        except csv.Error as error:
            raise ExportUnreadable(f"{path}: header row is not CSV ({error})") from None
        names = [name.strip().lower() for name in header]
        missing = [name for name in columns if name not in names]
        if bad_lines:
            raise ExportUnreadable(f"{path}: header row is not UTF-8 text")
        if missing:
            raise ExportUnreadable(f"{path}: header row lacks column(s) {', '.join(missing)} "
                                   f"(expected {','.join(columns)})")
        repeated = sorted({name for name in columns if names.count(name) > 1})
        if repeated:   # which copy is meant cannot be told: the file says two things
            raise ExportUnreadable(f"{path}: header row has column(s) {', '.join(repeated)} "
                                   "more than once; keep the one that is meant")
        order = [names.index(name) for name in columns]
        width = len(names)
        identity = order == list(range(len(columns))) and width == len(columns)
        empty = True
        for item in _data_rows(reader, 0, reader.line_num, width, None if identity else order,
                               bad_lines, lambda first, last: _lines_of(path, first, last)):
            empty = False
            yield item
        if empty and require_rows:
            raise ExportUnreadable(f"{path}: has a header row but no rows; a Guide export "
                                   "always lists equivalencies, so this one was cut short or "
                                   "exported empty")


def _data_rows(reader: Any, base: int, done: int, width: int, order: list[int] | None,
               bad_lines: set[int], lines_of: Callable[[int, int], list[str]]
               ) -> Iterator[tuple[int, list[str] | str]]:
    """:func:`rows`' data rows from ``reader``, whose line 1 is line ``base + 1`` of the file.

    ``done`` is the last line already read; ``lines_of(first, last)`` gives the
    text of the file's lines ``first`` to ``last``. RFC 4180 lets a quoted
    field run over lines, so a quote opened and never closed swallows the rows
    after it, up to a closing quote, the csv module's field limit or the end
    of the file. Such a row (several lines and the wrong number of fields, a
    field holding whole rows, or not CSV) is refused at the line the quote
    opens, and the lines it swallowed are read again on their own: one stray
    quote costs its own row, never the good rows after it (which would
    otherwise look deleted, and be revoked).
    """
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            start, done = done + 1, base + reader.line_num
            problem = f"row is not valid CSV ({error})"
        else:
            start, done = done + 1, base + reader.line_num
            if not row or (not row[0].strip() and not "".join(row).strip()):
                continue   # a blank line, or a spreadsheet's row of empty cells (",,,")
            if done > start and len(row) != width:
                problem = (f"row runs from line {start} to line {done} with {len(row)} "
                           f"fields, the header has {width}")
            elif done > start and _holds_rows(row, width):
                problem = (f"row runs from line {start} to line {done} and a field of it "
                           "holds whole rows")
            elif bad_lines and any(n in bad_lines for n in range(start, done + 1)):
                yield start, "row is not UTF-8 text or holds a NUL byte; save the export as UTF-8"
                continue
            elif len(row) != width:
                yield start, (f"row has {len(row)} fields but the header has {width}; "
                              "quote fields that contain commas")
                continue
            else:
                yield start, row if order is None else [row[i] for i in order]
                continue
        if done == start:
            yield start, problem
            continue
        yield start, (f"{problem}; a quote opened on line {start} is probably not closed "
                      f"(lines {start + 1}-{done} are read again on their own)")
        lines = lines_of(start + 1, done)
        yield from _data_rows(
            csv.reader(lines, strict=False), start, start, width, order, bad_lines,
            lambda first, last, got=lines, at=start: got[first - at - 1:last - at])


def _holds_rows(row: list[str], width: int) -> bool:
    """Whether a field of a row read over several lines holds rows of the file.

    Two stray quotes in one column pair up: the row between them has the
    header's width, and one field runs over the rows between. A text that
    really runs over lines (a title) holds a few commas, not a whole row's.
    """
    return any("\n" in cell and cell.count(",") >= width - 1 for cell in row)


def _lines_of(path: Path, first: int, last: int) -> list[str]:
    """The text of lines ``first`` to ``last`` of ``path`` (read again: only for damage)."""
    with _open(path) as stream:
        return list(itertools.islice(_text_lines(stream, set()), first - 1, last))


def _open(path: Path) -> BinaryIO:
    problem = not_readable_as(path)
    if problem:
        raise ExportUnreadable(f"{path}: {problem} (a BC export folder holds "
                               f"{INSTITUTIONS} and {EQUIVALENCIES})")
    try:
        stream = path.open("rb")
        head = stream.read(4096)
    except OSError as error:
        raise ExportUnreadable(f"{path}: cannot be read ({error.strerror})") from None
    if b"\x00" in head[:1024] and head.count(b"\x00") > 8:
        stream.close()
        raise ExportUnreadable(f"{path}: is a binary file, not UTF-8 CSV")
    stream.seek(0)
    return stream


def _text_lines(stream: BinaryIO, bad_lines: set[int]) -> Iterator[str]:
    """Lines decoded one by one, so that one undecodable line costs only its row."""
    for number, raw in enumerate(stream, start=1):
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            bad_lines.add(number)
            text = raw.decode("utf-8", "replace")
        if "\x00" in text:
            bad_lines.add(number)
            text = text.replace("\x00", "")
        yield text
