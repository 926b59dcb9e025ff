"""Reading an export into checked chunks for the differ, in this process or a child.

A chunk (:mod:`adapters.base.chunking`) is ``CHUNK`` of the reader's items
with the records of another province turned into rejections and every usable
record reduced to what the differ needs; the child is
:mod:`adapters.base.reader_process`. This module chooses between the two.

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

import os
from collections.abc import Iterator
from pathlib import Path

from adapters.base.chunking import CHUNK, Chunk, local_chunks, placed_items
from adapters.base.reader_process import Worker
from adapters.base.records import ExportReader, ExportUnreadable

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
        return local_chunks(placed_items(reader, path), reader.province, size,
                            getattr(reader, "places_file", None))
    worker = Worker(reader, path, size)
    try:
        worker.first = worker.next()
    except BaseException:
        worker.close()
        raise
    if worker.first is None:
        worker.close()
        raise ExportUnreadable(f"{path}: the export is empty")
    return worker

