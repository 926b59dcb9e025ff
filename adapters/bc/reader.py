"""British Columbia's export (FORMATS.md): a folder with institutions.csv and equivalencies.csv.

Both files are UTF-8 CSV (RFC 4180 quoting), header row first; columns are
found by name, so their order and extra columns do not matter. Blank rows,
and rows whose cells are all empty (a spreadsheet's ``,,,,``), are skipped. Rows are
streamed: institutions first (rules need their grading scales), then one rule
per equivalency row, then the BC sending courses seen (one ``course``
credential each, ``version=0``). A bad row becomes a ``Rejection`` at
``line N`` of ``equivalencies.csv`` (the line the row starts on; ``file`` names the
CSV) and the rest go on;
it names the rule (``BC:<id>``, with the BC sending courses the row names) or
institution (``BC:<code>``) it was about when that column still reads, so the
last good version is kept. A row that is
not CSV, not UTF-8 or has the wrong number of fields names nothing: its
columns cannot be trusted. A quote left open is refused at its line, and the
rows it ran over are read again on their own (see ``_data_rows``).

Errors of this module:

    ExportUnreadable    (adapters.base.records) the folder or a file is missing,
                        not a file, binary, has no header or lacks a column,
                        equivalencies.csv has no row, or the export yielded no
                        record at all
    Bad, DomainError    one row's fault (adapters.base.fields, hub.domain.errors),
                        turned into a Rejection

An ``equivalencies.csv`` with a header and no row is as empty as one of no
bytes: a Guide export always lists equivalencies, and taking it for a snapshot
without them would revoke every BC rule. (An ``institutions.csv`` without rows
is read: vanished institutions are only noted, and the rules still read.)

A course credential takes its title and credits from the first row that names
it alone; one named only with others (``CSCI 110 & CSCI 111``) is published
after the rules, without them.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from adapters.base import fields as f
from adapters.base.collect import paused_batches
from adapters.base.records import CUT_SHORT, ExportUnreadable, Place, Record, Rejection
from adapters.bc import rows
from hub.domain.errors import DomainError
from hub.domain.grades import GradingScale
from hub.domain.model import Credential, CredentialKind, Institution

INSTITUTIONS, EQUIVALENCIES = "institutions.csv", "equivalencies.csv"


class BcReader:
    """Reads a BC Transfer Guide export folder into records and rejections, row by row."""

    province = rows.PROVINCE
    places_file = EQUIVALENCIES  # the file a rule's line number is in

    def read(self, path: Path) -> Iterator[Record | Rejection]:
        """Stream the export folder at ``path``; raise ``ExportUnreadable`` when nothing reads."""
        for _, item in self.read_placed(path):
            yield item

    def read_placed(self, path: Path) -> Iterator[tuple[Place, Record | Rejection]]:
        """:meth:`read`'s items, each rule with its line in ``equivalencies.csv``."""
        # Rows are read a batch at a time with the garbage collector paused (adapters.base.collect).
        return paused_batches(self._read(Path(path)))

    def _read(self, folder: Path) -> Iterator[tuple[Place, Record | Rejection]]:
        if not folder.is_dir():
            raise ExportUnreadable(f"{folder}: no such folder (expected a BC export folder "
                                   f"with {INSTITUTIONS} and {EQUIVALENCIES})")
        scales: dict[str, GradingScale] = {}
        records = 0
        for placed in _institutions(folder / INSTITUTIONS):
            item = placed[1]
            if isinstance(item, Institution):
                records += 1
                scales[item.id] = item.scale   # the default scale when none is declared
            yield placed
        for placed in _equivalencies(folder / EQUIVALENCIES, scales):
            records += not isinstance(placed[1], Rejection)
            yield placed
        if records == 0:
            raise ExportUnreadable(f"{folder}: the BC export has no readable record")


def _institutions(path: Path) -> Iterator[tuple[Place, Institution | Rejection]]:
    seen: dict[str, int] = {}
    cut = _unended_last_line(path)
    for line, row in _rows(path, rows.INSTITUTION_COLUMNS):
        where = f"line {line}"
        if isinstance(row, str):
            yield None, _rejection(where, row, line == cut, file=INSTITUTIONS)
            continue
        try:
            institution = rows.institution_from(row)
        except (f.Bad, DomainError) as error:
            yield None, _rejection(where, str(error), line == cut, rows.institution_key(row),
                                   file=INSTITUTIONS)
            continue
        first = seen.setdefault(institution.id, line)
        if first != line:
            yield None, Rejection(where, f"institution {institution.id} is already on line "
                                         f"{first}", institution.id, file=INSTITUTIONS)
            continue
        yield None, institution   # the differ never refuses one: no place needed


def _equivalencies(path: Path, scales: dict[str, GradingScale]
                   ) -> Iterator[tuple[Place, Record | Rejection]]:
    reader = rows.RuleRow(scales)
    seen_rules: dict[str, int] = {}
    published: set[str] = set()
    pending: dict[str, Credential] = {}
    cut = _unended_last_line(path)
    cut_short = False
    for line, row in _rows(path, rows.EQUIVALENCY_COLUMNS, require_rows=True):
        where = f"line {line}"
        if isinstance(row, str):
            cut_short = line == cut
            yield None, _rejection(where, row, cut_short, file=EQUIVALENCIES)
            continue
        try:
            read = reader.rule(row)
        except (f.Bad, DomainError) as error:
            cut_short = line == cut
            key = rows.rule_key(row)
            yield None, _rejection(where, str(error), cut_short, key,
                                   rows.sending_keys(row) if key else (), file=EQUIVALENCIES)
            continue
        rule = read.rule
        first = seen_rules.setdefault(rule.id, line)
        if first != line:
            yield None, Rejection(where, f"equivalency {rule.id} is already on line {first}",
                                  rule.id, file=EQUIVALENCIES)
            continue
        yield line, rule
        for ident in rule.sending:
            if ident in published or not ident.startswith("BC:"):
                continue
            if ident == read.course:
                published.add(ident)
                pending.pop(ident, None)
                yield None, _course(ident, read.title, read.credits)
            elif ident not in pending:
                pending[ident] = _course(ident, "", None)
    if cut_short:
        # The rows after the cut may have given these courses their titles and credits:
        # published blank, they would wipe the hub's record. Their last version stands.
        return
    for course in pending.values():
        yield None, course


def _rejection(where: str, reason: str, cut: bool, key: str | None = None,
               implied: tuple[str, ...] = (), *, file: str) -> Rejection:
    """A row's rejection; on a last line cut short, marked so and said (``CUT_SHORT``)."""
    if cut:
        return Rejection(where, f"{reason}; {CUT_SHORT}", key, implied, file, cut_short=True)
    return Rejection(where, reason, key, implied, file)


def _unended_last_line(path: Path) -> int | None:
    """The number of the file's last line when it has no end of line, else None.

    Such a line may stop part-way through a record
    (:data:`adapters.base.records.CUT_SHORT`). Lines are counted only then.
    """
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
        return None   # _rows says what is wrong with the file
    return ends + 1


def _course(ident: str, title: str, value: float | None) -> Credential:
    subject, level = f.subject_level_of(ident.split(":", 2)[2])
    # Positional, in Credential's field order up to version (cheaper on the hot path).
    return Credential(ident, CredentialKind.COURSE, title, value, subject, level, (), (),
                      None, None, 0)


def _rows(path: Path, columns: Sequence[str], *,
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
    """``_rows``' data rows from ``reader``, whose line 1 is line ``base + 1`` of the file.

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
    if not path.is_file():
        raise ExportUnreadable(f"{path}: no such file (a BC export folder holds "
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
