"""Ontario's JSON Lines export (FORMATS.md) read into canonical records.

One JSON object a line; blank lines and ``//`` lines are skipped. Every line
is checked field by field; a line that fails becomes one ``Rejection`` at
``line N`` naming the field and what would fix it, and the file goes on. A
line that is still a JSON object names the entity it was about
(:func:`entity_key`) when that reads, so its last good version is kept.

The lines are read and decoded in :mod:`adapters.ontario.jsonl`, and each
object becomes a record in :mod:`adapters.ontario.objects` (whose docstring
lists the choices made about fields); this module walks the file.

Errors of this module:

    ExportUnreadable    (adapters.base.records) the file is missing, not a
                        file, binary, or yielded no record at all
    Bad, DomainError    one line's fault (adapters.base.fields,
                        hub.domain.errors), turned into a Rejection

Choices a registrar would make, where FORMATS.md is silent:

- A file in which no line could be read raises ``ExportUnreadable`` after its
  rejections: an export that yields no record must never be taken for an
  empty snapshot (that would retire every Ontario record).
- A file cut short: when its last line has no end of line and is not whole
  JSON, its rejection is marked ``cut_short`` and the run removes nothing, so
  that the records after the cut are not taken for deleted
  (:data:`adapters.base.records.CUT_SHORT`).
- An entity written twice (the same institution, credential or equivalency
  id) is read from its first line; the later line is rejected at its own
  place, naming the first, as the BC reader does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from adapters.base import fields as f
from adapters.base.records import CUT_SHORT, ExportUnreadable, Record, Rejection
from adapters.ontario.jsonl import MAX_LINE_BYTES, decode, lines, open_export
from adapters.ontario.objects import PROVINCE, entity_key, record_of, unidentified
from hub.domain.errors import DomainError
from hub.domain.model import Credential, Institution, Rule

_KINDS = {Institution: "institution", Credential: "credential", Rule: "equivalency"}


class OntarioReader:
    """Reads an Ontario JSON Lines export into records and rejections, line by line."""

    province = PROVINCE

    def read(self, path: Path) -> Iterator[Record | Rejection]:
        """Stream the export at ``path``; raise ``ExportUnreadable`` when nothing can be read."""
        for _, item in self.read_placed(path):
            yield item

    def read_placed(self, path: Path) -> Iterator[tuple[int | None, Record | Rejection]]:
        """:meth:`read`'s items, each record with its line number (None for a rejection)."""
        stream = open_export(Path(path))
        records = 0
        content_lines = 0
        seen: dict[tuple[type, str], int] = {}  # each entity's first line
        with stream:
            for number, raw in lines(stream):
                text = raw.strip()
                if not text or text.startswith(b"//"):
                    continue
                content_lines += 1
                where = f"line {number}"
                if len(raw) > MAX_LINE_BYTES:
                    yield None, Rejection(where, f"line is longer than {MAX_LINE_BYTES} "
                                                 "bytes; split it into one record a line",
                                          unidentified=True)
                    continue
                try:
                    obj = decode(text)
                except f.Bad as exc:
                    if raw.endswith(b"\n"):
                        yield None, Rejection(where, str(exc), unidentified=True)
                    else:   # the last line, and a record stops part-way
                        yield None, Rejection(where, f"{exc}; {CUT_SHORT}", cut_short=True)
                    continue
                try:
                    record = record_of(obj)
                except (f.Bad, DomainError) as exc:
                    yield None, Rejection(where, str(exc), entity_key(obj),
                                          unidentified=unidentified(obj))
                    continue
                first = seen.setdefault((type(record), record.id), number)
                if first != number:
                    yield None, Rejection(where, f"{_KINDS[type(record)]} {record.id} is "
                                                 f"already on line {first}; only the first is "
                                                 "used", record.id)
                    continue
                records += 1
                yield number, record
        if records == 0:
            what = "has no records" if content_lines == 0 else (
                f"has no readable record (all {content_lines} lines were rejected)")
            raise ExportUnreadable(f"{path}: the Ontario export {what}")

