"""Reading an export into checked chunks for the differ, in this process or a child.

A chunk is ``CHUNK`` of the reader's items with the records of another
province turned into rejections (:func:`foreign`) and every usable record
reduced to what the differ needs (``adapters.base.snapshot.entry_of``: its
event body and digest).

An export of :data:`PARALLEL_BYTES` (8 MiB, about 100,000 BC rows) or more is
read in a child interpreter (``python -c``, the same ``sys.path``) when a core
is free (the last minute's load average at least one below the core count): it
reads, checks and encodes the event bodies while the run diffs, records and
sends. The child does about four fifths of the work, so on a busy machine,
where it would get no core of its own, reading in-process is faster (measured:
36.7 s against 50.6 s for 1M BC rules at load 3 on 2 cores). What is published
and rejected is the same either way, chunk for chunk. If the child dies, the
run fails with its exit code.
"""

from __future__ import annotations

import gc
import itertools
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from adapters.base.collect import collection_paused
from adapters.base.events import entity_kind
from adapters.base.records import ExportReader, ExportUnreadable, Place, Record, Rejection
from adapters.base.snapshot import Entry, entry_of, placed_rejection
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


def _items(reader: ExportReader, path: Path) -> Iterator[tuple[Place, Record | Rejection]]:
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
    (:func:`adapters.base.snapshot.entry_of`).
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


def _local_chunks(items: Iterator[tuple[Place, Record | Rejection]], province: str,
                  size: int, places_file: str | None = None) -> Iterator[Chunk]:
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


PARALLEL_BYTES = 8 * 2**20
"""Exports at least this large are read in a worker process (see :func:`chunks`)."""


def _export_bytes(path: Path) -> int:
    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.iterdir() if p.is_file())
        return path.stat().st_size
    except OSError:
        return 0  # the reader says what is wrong with it


def _core_free() -> bool:
    """True when the last minute's load leaves at least one core idle for the child."""
    try:
        return os.getloadavg()[0] <= (os.cpu_count() or 1) - 1
    except OSError:  # no load average on this platform
        return (os.cpu_count() or 1) > 1


def reads_in_child(path: Path) -> bool:
    """Whether :func:`chunks` reads the export at ``path`` in a child process by default."""
    return _export_bytes(Path(path)) >= PARALLEL_BYTES and _core_free()


def chunks(reader: ExportReader, path: Path, size: int = CHUNK, *,
           parallel: bool | None = None) -> Iterator[Chunk]:
    """The export read, checked and prepared for the differ, ``size`` items a chunk.

    The first chunk is read before this returns, so a bad file fails before
    any I/O. With ``parallel`` (default: when the export is at least
    :data:`PARALLEL_BYTES` and a core is free), the reading, checks and event bodies run in a
    worker process while the caller diffs and sends: the result is the same,
    chunk for chunk. The worker stops when the iterator is closed or dropped.
    """
    path = Path(path)
    if parallel is None:
        parallel = reads_in_child(path)
    if not parallel:
        return _local_chunks(_items(reader, path), reader.province, size,
                             getattr(reader, "places_file", None))
    worker = _Worker(reader, path, size)
    try:
        worker.first = worker.next()
    except BaseException:
        worker.close()
        raise
    if worker.first is None:
        worker.close()
        raise ExportUnreadable(f"{path}: the export is empty")
    return worker


_QUEUED = 4  # chunks read ahead of the differ
_HEADER = struct.Struct("<cQ")  # message kind (c chunk, e end, x error), payload length
_WORKER = ("import sys, pickle; sys.path[:0] = pickle.loads(bytes.fromhex(sys.argv[1])); "
           "from adapters.base.reading import _work; _work()")


class _Worker(Iterator[Chunk]):
    """A child interpreter running the reader and :func:`_chunk`; chunks come back pickled.

    Iterating gives the chunks; :meth:`close` (also at the end) stops and reaps the child.

    A plain subprocess (``python -c``), not ``multiprocessing``: nothing of the
    caller's process (its ``__main__``, threads or locks) is carried over. A
    thread here drains its pipe so that it never waits on the differ.
    """

    def __init__(self, reader: ExportReader, path: Path, size: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _WORKER, pickle.dumps(sys.path).hex()],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.messages: queue.Queue[tuple[bytes, bytes]] = queue.Queue(_QUEUED)
        self.closed = False
        self.first: Chunk | None = None  # read ahead by chunks()
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(pickle.dumps((reader, path, size)))
            self.process.stdin.close()
        except BrokenPipeError:
            pass  # it already failed: the drain thread reports how
        self.thread = threading.Thread(target=self._drain, daemon=True,
                                       name="transferhub adapter reader pipe")
        self.thread.start()

    def _drain(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while not self.closed:
            head = stream.read(_HEADER.size)
            if len(head) < _HEADER.size:
                code = self.process.wait()
                self.messages.put((b"x", pickle.dumps(RuntimeError(
                    f"the export reader process exited (code {code})"))))
                return
            kind, length = _HEADER.unpack(head)
            self.messages.put((kind, stream.read(length)))
            if kind != b"c":
                return

    def __next__(self) -> Chunk:
        chunk, self.first = self.first, None
        if chunk is None and not self.closed:
            try:
                chunk = self.next()
            except BaseException:
                self.close()
                raise
        if chunk is None:
            self.close()
            raise StopIteration
        return chunk

    def next(self) -> Chunk | None:
        """The next chunk, None at the end; the reader's error once its chunks are out."""
        kind, data = self.messages.get()
        if kind == b"x":
            raise pickle.loads(data)
        return None if kind == b"e" else Chunk(*pickle.loads(data))

    def close(self) -> None:
        """Stop the child if it is still reading, and reap it (again: nothing happens)."""
        if self.closed:
            return
        self.closed, self.first = True, None
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        while self.thread.is_alive():  # unblock a drain waiting on a full queue
            try:
                self.messages.get_nowait()
            except queue.Empty:
                self.thread.join(0.05)
        if self.process.stdout:
            self.process.stdout.close()


def _work() -> None:
    """The child process: read and prepare every chunk, then say how it ended."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the pipe

    def send(kind: bytes, data: bytes) -> None:
        out.write(_HEADER.pack(kind, len(data)))
        out.write(data)

    # Nothing lives here beyond a chunk but the parse caches: collect cycles once per
    # chunk, after it is sent, rather than whenever allocations pile up (measured:
    # ~10% of this process's time).
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        reader, path, size = pickle.loads(sys.stdin.buffer.read())
        for chunk in _local_chunks(_items(reader, path), reader.province, size,
                             getattr(reader, "places_file", None)):
            send(b"c", pickle.dumps((chunk.count, chunk.rejected, chunk.damaged, chunk.entries),
                                    protocol=pickle.HIGHEST_PROTOCOL))
            del chunk
            gc.collect(1)
        send(b"e", b"")
    except Exception as error:  # the caller raises it where the reader would have
        try:
            data = pickle.dumps(error)
            pickle.loads(data)
        except Exception:
            data = pickle.dumps(RuntimeError(f"export reader failed: {error!r}"))
        send(b"x", data)
    out.flush()
