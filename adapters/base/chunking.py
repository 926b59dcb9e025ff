"""One chunk of an export: the reader's items checked and reduced to what the differ needs.

A chunk is :data:`CHUNK` of the reader's items with the records of another
province turned into rejections (:func:`foreign`) and every usable record
reduced to its event body and digest (``adapters.base.entries.entry_of``).
:func:`local_chunks` makes them in this process; :mod:`adapters.base.reading`
decides whether a child process runs it instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from adapters.base.collect import collection_paused
from adapters.base.entries import Entry, entry_of, placed_rejection
from adapters.base.payloads import entity_kind
from adapters.base.records import ExportReader, ExportUnreadable, Place, Record, Rejection
from hub.domain.identifiers import province_of
from hub.domain.model import Rule

CHUNK = 5000
"""Items a chunk: each chunk is diffed, recorded and sent as one."""


def foreign(record: Record, province: str) -> str | None:
    """Why ``record`` is not ``province``'s to publish, or None when it is."""
    own = f"{province}:"
    # The common case first, without splitting ids: both ids start with "PROV:".
    if type(record) is Rule:
        if record.receiving_institution.startswith(own) and record.id.startswith(own):
            return None
    elif record.id.startswith(own):
        return None
    if isinstance(record, Rule):
        if province_of(record.receiving_institution) != province:
            return (f"rule {record.id} has receiving institution "
                    f"{record.receiving_institution}, outside {province}; a {province} export "
                    f"publishes only rules whose receiving institution is in {province}")
        if record.province != province:
            return f"rule {record.id} is not a {province} rule id"
        return None
    if province_of(record.id) != province:
        return (f"{entity_kind(record)} {record.id} is not in {province}; a {province} "
                f"export publishes only {province}'s own institutions and credentials")
    return None


def placed_items(reader: ExportReader, path: Path) -> Iterator[tuple[Place, Record | Rejection]]:
    """The reader's items with their places (:data:`adapters.base.records.Place`), the
    first one read now so that a bad file fails before any I/O."""
    placed = getattr(reader, "read_placed", None)
    items: Iterator[tuple[Place, Record | Rejection]] = (
        iter(placed(Path(path))) if placed is not None
        else ((None, item) for item in reader.read(Path(path))))
    try:
        first = next(items)
    except StopIteration:
        raise ExportUnreadable(f"{path}: the export is empty") from None
    return itertools.chain([first], items)


@dataclass(slots=True)
class Chunk:
    """One chunk of the reader's items, checked and reduced to what the differ needs.

    ``rejected`` holds the reader's rejections and the records of another
    province, in the order read; ``damaged`` the reader's own (their keys are
    kept, adapters.base.snapshot); ``entries`` the usable records
    (:func:`adapters.base.entries.entry_of`).
    """

    count: int
    rejected: list[Rejection]
    damaged: list[Rejection]
    entries: list[Entry]


def _chunk(batch: list[tuple[Place, Record | Rejection]], province: str,
           places_file: str | None) -> Chunk:
    rejected: list[Rejection] = []
    damaged: list[Rejection] = []
    entries: list[Entry] = []
    with collection_paused():  # every entry lives until the chunk is diffed
        for where, item in batch:
            if isinstance(item, Rejection):
                rejected.append(item)
                damaged.append(item)
                continue
            reason = foreign(item, province)
            if reason:
                rejected.append(placed_rejection(where, item, reason, places_file))
            else:
                entries.append(entry_of(item, where))  # its place, if the differ rejects it
    return Chunk(len(batch), rejected, damaged, entries)


def local_chunks(items: Iterator[tuple[Place, Record | Rejection]], province: str,
                 size: int, places_file: str | None = None) -> Iterator[Chunk]:
    """``items`` read, checked and reduced in this process, ``size`` a chunk."""
    # A chunk is read and reduced in one pause (the reader's own batches nest in it),
    # and its records are dropped before the pause ends: the collection that follows
    # then walks only the entries, not every record, as it did after each of the
    # reader's batches and after _chunk (measured: ~8% of the in-process parse).
    # A reader that finds nothing readable raises at the end, after yielding its
    # rejections: they go out in a last chunk first, so the run can report them. Its
    # records, if any, do not: the export failed, and what a failed read publishes
    # must not depend on where the chunk boundaries fall.
    while True:
        failed: ExportUnreadable | None = None
        with collection_paused():
            batch: list[tuple[Place, Record | Rejection]] = []
            try:
                batch.extend(itertools.islice(items, size))
            except ExportUnreadable as exc:
                failed = exc
                batch = [item for item in batch if isinstance(item[1], Rejection)]
            chunk = _chunk(batch, province, places_file) if batch else None
            del batch
        if chunk is not None:
            yield chunk
        if failed is not None:
            raise failed
        if chunk is None:
            return
