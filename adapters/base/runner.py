"""One adapter run: read an export, diff it, record events in the outbox, publish them.

Errors a run raises (the CLI maps them to exit codes):

    ExportUnreadable        nothing could be read (exit 2); nothing was published;
                            OlderExport: generated before the last export published
    StateUnusable           the state directory cannot be used, or is another
                            province's (StateMismatch) (exit 2)
    BrokerUnreachable       the broker is down (exit 3); the outbox keeps every
                            recorded event for the next run

The run is chunked: each chunk's snapshot rows and events are committed in one
transaction, then sent with all messages in flight, then cleared from the
outbox. Events left by an interrupted earlier run go out first.

The export is read in chunks (:mod:`adapters.base.reading`), in a child
process when it is large and a core is free; if the child dies, the run fails
with its exit code and the outbox keeps what was recorded, as for any failed
run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.base import events
from adapters.base.outbox import Outbox, OutboxBatch
from adapters.base.publisher import BrokerUnreachable, EventPublisher, KafkaEventPublisher
from adapters.base.reading import CHUNK, Chunk, chunks
from adapters.base.records import ExportCutShort, ExportReader, ExportUnreadable, Rejection
from adapters.base.recovery import StateRecovery
from adapters.base.snapshot import SnapshotDiffer
from adapters.base.statedb import (
    history_asked,
    history_unasked,
    hold_state,
    last_generated,
    next_run,
    open_state,
    record_generated,
)

Progress = Callable[[int], None]


@dataclass
class RunSummary:
    """What a run did (CLI.md's ``adapter --json`` shape, plus operator detail).

    ``kept`` counts entities published before whose record in this export was
    rejected: their last good version stays (adapters.base.snapshot).
    ``removals_withheld``: the export is cut short (its last line stops part-way,
    ``Rejection.cut_short``), or a rejected record's id does not read
    (``Rejection.unidentified``), or most of its rules published before are at
    versions below those published (``older_rules`` counts them: an export older
    than the last one, re-run, would revoke every rule added since: a tester's
    re-run of last week's Ontario export revoked 1,510), so nothing absent from it
    was retired or revoked;
    ``withheld_because`` says which, for people.
    ``recovered``: the state had no record of any run, yet the province's topic
    holds events (the state folder was lost, or is new beside a used topic): the
    state was rebuilt from the topic (:mod:`adapters.base.recovery`), this many
    entities, and the run diffed against it as usual.
    ``earlier_runs_unknown``: always false now, kept in ``--json`` for scripts
    that read it: a reading cut short fails the run (exit 3) instead of going on
    with part of the history.
    """

    province: str
    published: int = 0
    retired: int = 0
    unchanged: int = 0
    kept: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    vanished_institutions: list[str] = field(default_factory=list)
    redelivered: int = 0
    removals_withheld: bool = False
    withheld_because: list[str] = field(default_factory=list)
    older_rules: int = 0
    earlier_runs_unknown: bool = False
    recovered: int = 0


async def _recover(conn: sqlite3.Connection, province: str, publisher: EventPublisher) -> int:
    """Rebuild a state that remembers no run from the province's topic, before anything is
    diffed (:mod:`adapters.base.recovery`); how many entities it then knows.

    A topic that cannot be read to its end fails the run (BrokerUnreachable, exit 3)
    before it records anything: diffed against part of what the hub holds, an export
    would record a changed rule as published at a version the hub already has, and
    ignores. What was read is kept (it is what the hub was told); the next run reads
    the topic again.
    """
    recovery = StateRecovery(conn, province)
    read, whole = await publisher.read_history(province, recovery.take)
    if not whole:
        raise BrokerUnreachable(
            f"the province's topic could not be read to its end ({read} events read) to "
            "rebuild this --state folder, which remembers no earlier run; nothing was "
            "published: run again when the broker answers")
    history_asked(conn)
    if recovery.generated is not None:
        record_generated(conn, recovery.generated)
    return recovery.entities() if read else 0


def _check_readable(prepared: Iterator[Chunk], path: Path, summary: RunSummary,
                    busy: threading.Lock) -> None:
    """Read the export without diffing it (the broker cannot tell what the hub holds):
    raise as a run would when nothing in it can be read, and list its rejections."""
    good = 0
    with busy:
        try:
            for chunk in prepared:
                summary.rejected.extend(chunk.rejected)
                good += len(chunk.entries)
        except ExportUnreadable as exc:
            _raise_if_nothing_read(exc, good, summary)
            raise
    if not good:
        raise _nothing_read(path, summary)


def _raise_if_nothing_read(outcome: object, good: int, summary: RunSummary) -> None:
    """The reader gave up (``outcome``) before any good record: say why, record by record."""
    if (isinstance(outcome, ExportUnreadable) and not good and summary.rejected
            and not isinstance(outcome, ExportCutShort)):
        raise NothingReadable(str(outcome), in_document_order(summary.rejected)) from None


def _nothing_read(path: Path, summary: RunSummary) -> NothingReadable:
    """An export read to its end with no good record."""
    return NothingReadable(f"{path}: no record could be read ({len(summary.rejected)} "
                           "rejected)", in_document_order(summary.rejected))


class OlderExport(ExportUnreadable):
    """The export says it was generated before the newest one this state published, or in
    the future (a typo that would refuse every later feed) (exit 2)."""


FUTURE_SLACK = timedelta(days=1)   # clocks and time zones a province may be off by


def _generated(reader: ExportReader, path: Path) -> datetime | None:
    """When the export was generated, where its format says (Saskatchewan's ``generated``);
    :class:`OlderExport` when that is more than :data:`FUTURE_SLACK` ahead (a typo that
    would refuse every later feed)."""
    generated = getattr(reader, "generated", None)
    stamp = generated(path) if generated is not None else None
    if stamp is not None and stamp > datetime.now(UTC) + FUTURE_SLACK:
        raise OlderExport(
            f"{path}: refused: the feed says it was generated at {stamp.isoformat()}, in the "
            "future; taken as it is, it would refuse every feed after it until then. "
            "Nothing was published. Correct its generated time.")
    return stamp


def _refuse_older(stamp: datetime | None, path: Path, conn: sqlite3.Connection) -> None:
    """:class:`OlderExport` when the export (generated at ``stamp``) is older than the newest
    export published from this state.

    Choice (FORMATS.md is silent): a snapshot older than the last one would take back what
    the newer one said. Its rules carry the province's versions, but institutions and
    courses are versioned by the run, and rules the newer snapshot added would look
    vanished: re-running last week's feed put back last week's grading scales and revoked
    this week's rules (a black-box tester). The same time again is the same snapshot, read
    as usual.
    """
    last = last_generated(conn)
    if stamp is not None and last is not None and stamp < last:
        raise OlderExport(
            f"{path}: refused: the feed was generated at {stamp.isoformat()}, before the "
            f"last feed published from this state ({last.isoformat()}); publishing it would "
            "take back what the newer feed said. Nothing was published. A feed meant to "
            "replace the newer one must carry a later generated time.")


def _named(path: Path) -> str:
    """The export's file name as text for the events' ``source``: bytes that are not
    UTF-8 (the file system allows them) become backslash escapes (``on\\xff.jsonl``)."""
    return os.fsencode(Path(path).name).decode("utf-8", "backslashreplace")


class NothingReadable(ExportUnreadable):
    """Every record of the export was rejected: nothing was read (exit 2)."""

    def __init__(self, message: str, rejected: list[Rejection]) -> None:
        super().__init__(message)
        self.rejected = rejected


async def run_adapter_async(reader: ExportReader, path: Path, *, publisher: EventPublisher,
                            state_dir: Path, progress: Progress | None = None,
                            chunk: int = CHUNK) -> RunSummary:
    """Publish what changed in the export at ``path`` since the last run."""
    province = reader.province
    prepared_chunks = chunks(reader, path, chunk)
    try:
        conn = open_state(Path(state_dir), province)
    except BaseException:
        _close(prepared_chunks)
        raise
    try:
        held = await hold_state(Path(state_dir))  # one run at a time on a state (hold_state)
    except BaseException:
        conn.close()
        _close(prepared_chunks)
        raise
    outbox = Outbox(conn)
    summary = RunSummary(province)
    busy = threading.Lock()  # held by the worker thread while it diffs and records a chunk
    try:
        moment = _generated(reader, path)
        _refuse_older(moment, path, conn)
        if history_unasked(conn):
            try:
                summary.recovered = await _recover(conn, province, publisher)
            except BrokerUnreachable:
                # Bad input is said first (exit 2), whatever the broker's state.
                await asyncio.to_thread(_check_readable, prepared_chunks, path, summary, busy)
                raise
            # The topic may tell of a newer export than this one: refused as above.
            _refuse_older(moment, path, conn)
        stamp = _Stamp(conn, moment)
        if outbox.pending_count():
            summary.redelivered = await outbox.flush(publisher)
        differ = SnapshotDiffer(conn, province=province, run=next_run(conn),
                                places_file=getattr(reader, "places_file", None),
                                source=f"transferhub adapter {province}: {_named(path)}",
                                export_generated_at=events.rfc3339(moment) if moment else "")
        read = good = 0
        previous: OutboxBatch | None = None
        while True:
            # Diff and record the next chunk in a worker thread while the previous one
            # is on the wire: SQLite and the broker round trip overlap.
            prepared, sent = await asyncio.gather(
                asyncio.to_thread(_prepare, prepared_chunks, differ, outbox, summary, busy,
                                  stamp),
                publisher.publish(previous.messages) if previous and previous.messages
                else asyncio.sleep(0),
                return_exceptions=True)
            for outcome in (sent, prepared):  # both finished: the connection is free again
                _raise_if_nothing_read(outcome, good, summary)
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
            raise _nothing_read(path, summary)
        # A cut-short export cannot say what vanished: every record after the cut would;
        # nor can one with a record whose id does not read: it would; nor one older
        # than the last: the rules added since would.
        summary.older_rules = differ.older
        summary.withheld_because = _withheld_because(summary, differ.known_rules)
        summary.removals_withheld = bool(summary.withheld_because)
        for gone in () if summary.removals_withheld else differ.vanished():
            summary.kept += gone.kept
            if not gone.writes:
                continue
            sent = outbox.commit(gone.messages, removed=gone.writes)
            await outbox.send(sent, publisher)
            summary.retired += len(gone.messages)
            summary.vanished_institutions.extend(gone.institutions)
    finally:
        # Cancelled (Ctrl-C) while the worker thread writes the state, the thread runs on
        # (cancelling its future does not stop it): closing the connection under it
        # crashed the interpreter. Wait for it to finish its chunk.
        with busy:
            pass
        _close(prepared_chunks)
        await publisher.stop()
        conn.close()
        held.close()
    summary.rejected = in_document_order(summary.rejected)
    return summary


def _withheld_because(summary: RunSummary, known_rules: int) -> list[str]:
    """Why this run may not retire or revoke what is absent from its export, for people.

    Older rules withhold removals only when they are most of the export's rules
    published before (``known_rules``): a newer export may hold a stale version of a
    rule or two, which are rejected while the rest goes on as usual (MODEL.md orders
    versions by number, never by arrival), but an export most of whose known rules
    are below what was published is an older export.
    """
    why = []
    if any(r.cut_short for r in summary.rejected):
        why.append("the export is cut short (its last line stops part-way)")
    if any(r.unidentified for r in summary.rejected):
        why.append("a rejected record's id does not read, so it may be any record absent "
                   "from the export")
    if summary.older_rules * 2 > known_rules:
        why.append(f"{summary.older_rules:,} of its {known_rules:,} rules published before are "
                   "at a version below the one published: the export is older than the last "
                   "one, and would revoke the rules added since")
    return why


def _natural(where: str) -> tuple[tuple[int, int | str], ...]:
    """``line 9`` before ``line 10``, ``Equivalency[9]`` before ``Equivalency[10]``."""
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in re.split(r"(\d+)", where) if part)


def in_document_order(rejections: list[Rejection]) -> list[Rejection]:
    """Rejections in the order of the export: by file (in the order files were read),
    then by line or element. A chunk's read rejections and its diff's (a record seen
    twice, a version not raised) arrive apart; people read a report top to bottom."""
    files: dict[str | None, int] = {}
    for rejection in rejections:
        files.setdefault(rejection.file, len(files))

    def key(item: tuple[int, Rejection]) -> tuple[int, int, tuple[tuple[int, int | str], ...]]:
        arrived, rejection = item
        if rejection.where.startswith(("line ", "/")):  # a place in the file
            return files[rejection.file], 0, _natural(rejection.where)
        return files[rejection.file], 1, ((0, arrived),)  # ``rule BC:9``: as they came

    return [rejection for _, rejection in sorted(enumerate(rejections), key=key)]


def _close(prepared: Iterator[Chunk]) -> None:
    close = getattr(prepared, "close", None)
    if close:
        # ValueError: a chunk is still being read in the worker thread (the run was
        # interrupted, Ctrl-C); it ends with that chunk, and the generator with it.
        with contextlib.suppress(ValueError):
            close()  # stops a worker process still reading


class _Stamp:
    """The export's generation time, recorded in the state with its first chunk of records:
    from then on the state holds them, whether or not the run ends well (the broker down,
    Ctrl-C while the chunk is recorded), and an older export is refused."""

    def __init__(self, conn: sqlite3.Connection, moment: datetime | None) -> None:
        self.conn, self.moment = conn, moment

    def record(self) -> None:
        if self.moment is not None:
            record_generated(self.conn, self.moment)
            self.moment = None


def _prepare(chunks: Iterator[Chunk], differ: SnapshotDiffer, outbox: Outbox,
             summary: RunSummary, busy: threading.Lock, stamp: _Stamp | None = None,
             ) -> tuple[OutboxBatch | None, int, int]:
    """Diff the next chunk and record it: (its outbox batch, items read, usable)."""
    with busy:
        return _prepare_next(chunks, differ, outbox, summary, stamp)


def _prepare_next(chunks: Iterator[Chunk], differ: SnapshotDiffer, outbox: Outbox,
                  summary: RunSummary, stamp: _Stamp | None = None,
                  ) -> tuple[OutboxBatch | None, int, int]:
    chunk = next(chunks, None)
    if chunk is None:
        return None, 0, 0
    summary.rejected.extend(chunk.rejected)
    differ.keep(chunk.damaged)
    diff = differ.diff_entries(chunk.entries)
    summary.rejected.extend(diff.rejected)
    summary.unchanged += diff.unchanged
    summary.published += len(diff.messages)
    batch = outbox.commit(diff.messages, writes=diff.writes, seen=diff.seen)
    if stamp is not None and chunk.entries:
        stamp.record()
    return batch, chunk.count, len(chunk.entries)


def run_adapter(reader: ExportReader, path: Path, *, kafka: str | EventPublisher,
                state_dir: Path, progress: Progress | None = None,
                chunk: int = CHUNK) -> RunSummary:
    """Run the adapter once; ``kafka`` is a bootstrap address or a publisher."""
    publisher = KafkaEventPublisher(kafka) if isinstance(kafka, str) else kafka
    return asyncio.run(run_adapter_async(reader, path, publisher=publisher, state_dir=state_dir,
                                         progress=progress, chunk=chunk))
