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
rows it ran over are read again on their own (see :mod:`adapters.bc.csvfile`).

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

A course credential takes its title and credits from a row that names it
alone; where several rows do and disagree, from the one of the lowest rule id,
compared as text (``BC:10`` before ``BC:9``). Choice: whatever the rows' order,
so that a re-sorted export publishes nothing new; before, the first row won and
moving rows republished the course (a black-box tester). One named only with
others (``CSCI 110 & CSCI 111``) is published without them. Courses go out after
the rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from adapters.base import fields as f
from adapters.base.collect import paused_batches
from adapters.base.records import (
    CUT_SHORT,
    ExportUnreadable,
    Place,
    Record,
    Rejection,
    not_readable_as,
)
from adapters.bc import csvfile, rows
from adapters.bc.csvfile import EQUIVALENCIES, INSTITUTIONS
from hub.domain.errors import DomainError
from hub.domain.grades import GradingScale
from hub.domain.model import Credential, CredentialKind, Institution


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
        problem = not_readable_as(folder, folder=True)
        if problem:
            raise ExportUnreadable(f"{folder}: {problem} (expected a BC export folder "
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
    cut = csvfile.unended_last_line(path)
    for line, row in csvfile.rows(path, rows.INSTITUTION_COLUMNS):
        where = f"line {line}"
        if isinstance(row, str):
            yield None, _rejection(where, row, line == cut, file=INSTITUTIONS,
                                   unidentified=True)
            continue
        try:
            institution = rows.institution_from(row)
        except (f.Bad, DomainError) as error:
            key = rows.institution_key(row)
            yield None, _rejection(where, str(error), line == cut, key, file=INSTITUTIONS,
                                   unidentified=key is None)
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
    # Course id -> (rule id, title, credits) of the lowest rule id naming it alone.
    described: dict[str, tuple[str, str, float | None]] = {}
    named: dict[str, None] = {}   # every BC sending course, in the order first named
    cut = csvfile.unended_last_line(path)
    cut_short = False
    for line, row in csvfile.rows(path, rows.EQUIVALENCY_COLUMNS, require_rows=True):
        where = f"line {line}"
        if isinstance(row, str):
            cut_short = line == cut
            yield None, _rejection(where, row, cut_short, file=EQUIVALENCIES,
                                   unidentified=True)
            continue
        try:
            read = reader.rule(row)
        except (f.Bad, DomainError) as error:
            cut_short = line == cut
            key = rows.rule_key(row)
            yield None, _rejection(where, str(error), cut_short, key,
                                   rows.sending_keys(row) if key else (), file=EQUIVALENCIES,
                                   unidentified=rows.unidentified(row))
            continue
        rule = read.rule
        first = seen_rules.setdefault(rule.id, line)
        if first != line:
            yield None, Rejection(where, f"equivalency {rule.id} is already on line {first}",
                                  rule.id, file=EQUIVALENCIES)
            continue
        yield line, rule
        for ident in rule.sending:
            if ident.startswith("BC:"):
                named[ident] = None
        ident = read.course
        if ident is not None and ident.startswith("BC:"):
            before = described.get(ident)
            if before is None or rule.id < before[0]:
                described[ident] = (rule.id, read.title, read.credits)
    for ident in named:
        about = described.get(ident)
        if about is not None:
            yield None, _course(ident, about[1], about[2])
        elif not cut_short:
            # After a cut, the rows lost may have given it its title and credits:
            # published blank, it would wipe the hub's record. Its last version stands.
            yield None, _course(ident, "", None)


def _rejection(where: str, reason: str, cut: bool, key: str | None = None,
               implied: tuple[str, ...] = (), *, file: str,
               unidentified: bool = False) -> Rejection:
    """A row's rejection; on a last line cut short, marked so and said (``CUT_SHORT``)."""
    if cut:
        return Rejection(where, f"{reason}; {CUT_SHORT}", key, implied, file, cut_short=True)
    return Rejection(where, reason, key, implied, file, unidentified=unidentified)


def _course(ident: str, title: str, value: float | None) -> Credential:
    subject, level = f.subject_level_of(ident.split(":", 2)[2])
    # Positional, in Credential's field order up to version (cheaper on the hot path).
    return Credential(ident, CredentialKind.COURSE, title, value, subject, level, (), (),
                      None, None, 0)
