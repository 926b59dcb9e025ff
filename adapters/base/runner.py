"""One adapter run: read an export, diff it, record events in the outbox, publish them.

Errors a run raises (the CLI maps them to exit codes):

    ExportUnreadable        nothing could be read (exit 2); nothing was published
    StateMismatch           the state directory is another province's (exit 2)
    BrokerUnreachable       the broker is down (exit 3); the outbox keeps every
                            recorded event for the next run

The run is chunked: each chunk's snapshot rows and events are committed in one
transaction, then sent with all messages in flight, then cleared from the
outbox. Events left by an interrupted earlier run go out first.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from adapters.base.events import entity_kind
from adapters.base.outbox import Outbox, OutboxBatch
from adapters.base.publisher import EventPublisher, KafkaEventPublisher
from adapters.base.records import ExportReader, ExportUnreadable, Record, Rejection
from adapters.base.snapshot import SnapshotDiffer
from adapters.base.statedb import next_run, open_state
from hub.domain.identifiers import province_of
from hub.domain.model import Rule

CHUNK = 5000
Progress = Callable[[int], None]


@dataclass
class RunSummary:
    """What a run did (CLI.md's ``adapter --json`` shape, plus operator detail).

    ``kept`` counts entities published before whose record in this export was
    rejected: their last good version stays (adapters.base.snapshot).
    """

    province: str
    published: int = 0
    retired: int = 0
    unchanged: int = 0
    kept: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    vanished_institutions: list[str] = field(default_factory=list)
    redelivered: int = 0


class NothingReadable(ExportUnreadable):
    """Every record of the export was rejected: nothing was read (exit 2)."""

    def __init__(self, message: str, rejected: list[Rejection]) -> None:
        super().__init__(message)
        self.rejected = rejected


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


def _items(reader: ExportReader, path: Path) -> Iterator[Record | Rejection]:
    """The reader's items, with its first one read now so a bad file fails before any I/O."""
    items = iter(reader.read(Path(path)))
    try:
        first = next(items)
    except StopIteration:
        raise ExportUnreadable(f"{path}: the export is empty") from None
    return itertools.chain([first], items)


async def run_adapter_async(reader: ExportReader, path: Path, *, publisher: EventPublisher,
                            state_dir: Path, progress: Progress | None = None,
                            chunk: int = CHUNK) -> RunSummary:
    """Publish what changed in the export at ``path`` since the last run."""
    province = reader.province
    items = _items(reader, path)
    conn = open_state(Path(state_dir), province)
    outbox = Outbox(conn)
    summary = RunSummary(province)
    try:
        if outbox.pending_count():
            summary.redelivered = await outbox.flush(publisher)
        differ = SnapshotDiffer(conn, province=province, run=next_run(conn),
                                source=f"transferhub adapter {province}: {Path(path).name}")
        read = good = 0
        previous: OutboxBatch | None = None
        while True:
            # Diff and record the next chunk in a worker thread while the previous one
            # is on the wire: SQLite and the broker round trip overlap.
            prepared, sent = await asyncio.gather(
                asyncio.to_thread(_prepare, items, chunk, differ, outbox, summary),
                publisher.publish(previous.messages) if previous and previous.messages
                else asyncio.sleep(0),
                return_exceptions=True)
            for outcome in (sent, prepared):  # both finished: the connection is free again
                if isinstance(outcome, BaseException):
                    raise outcome
            if previous:
                outbox.acknowledge(previous)  # only here: one thread uses SQLite at a time
            previous, count, usable = prepared
            if not count:
                break
            read, good = read + count, good + usable
            if progress:
                progress(read)
        if not good:
            raise NothingReadable(f"{path}: no record could be read "
                                  f"({len(summary.rejected)} rejected)", summary.rejected)
        for gone in differ.vanished():
            summary.kept += gone.kept
            if not gone.writes:
                continue
            sent = outbox.commit(gone.messages, removed=gone.writes)
            await outbox.send(sent, publisher)
            summary.retired += len(gone.messages)
            summary.vanished_institutions.extend(gone.institutions)
    finally:
        await publisher.stop()
        conn.close()
    return summary


def _prepare(items: Iterator[Record | Rejection], chunk: int, differ: SnapshotDiffer,
             outbox: Outbox, summary: RunSummary) -> tuple[OutboxBatch | None, int, int]:
    """Read, check and diff one chunk and record it: (its outbox batch, items read, usable)."""
    batch = list(itertools.islice(items, chunk))
    if not batch:
        return None, 0, 0
    province = summary.province
    records: list[tuple[str | None, Record]] = []
    damaged: list[Rejection] = []
    for item in batch:
        if isinstance(item, Rejection):
            summary.rejected.append(item)
            damaged.append(item)
            continue
        reason = foreign(item, province)
        if reason:
            summary.rejected.append(Rejection(f"{entity_kind(item)} {item.id}", reason))
        else:
            records.append((None, item))  # the differ names it "<kind> <id>" if it rejects it
    differ.keep(damaged)
    diff = differ.diff(records)
    summary.rejected.extend(diff.rejected)
    summary.unchanged += diff.unchanged
    summary.published += len(diff.messages)
    return outbox.commit(diff.messages, writes=diff.writes, seen=diff.seen), len(batch), \
        len(records)


def run_adapter(reader: ExportReader, path: Path, *, kafka: str | EventPublisher,
                state_dir: Path, progress: Progress | None = None,
                chunk: int = CHUNK) -> RunSummary:
    """Run the adapter once; ``kafka`` is a bootstrap address or a publisher."""
    publisher = KafkaEventPublisher(kafka) if isinstance(kafka, str) else kafka
    return asyncio.run(run_adapter_async(reader, path, publisher=publisher, state_dir=state_dir,
                                         progress=progress, chunk=chunk))
