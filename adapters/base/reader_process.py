"""The export read in a child interpreter while the run diffs, records and sends.

:class:`Worker` starts ``python -c`` (the same ``sys.path``), hands it the
reader, and gives back the chunks it sends through a pipe, pickled;
``_work`` is the child's side. :mod:`adapters.base.reading` decides when.
"""

from __future__ import annotations

import gc
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from adapters.base.chunking import Chunk, local_chunks, placed_items
from adapters.base.records import ExportReader

_QUEUED = 4  # chunks read ahead of the differ
_HEADER = struct.Struct("<cQ")  # message kind (c chunk, e end, x error), payload length
# The child ignores Ctrl-C: the terminal sends SIGINT to the whole process group, and a
# child dying of it first turned the parent's clean "interrupted" (exit 130) into "the
# export reader process exited". The parent stops it (:meth:`Worker.close`).
_WORKER = ("import signal; signal.signal(signal.SIGINT, signal.SIG_IGN); "
           "import sys, pickle; sys.path[:0] = pickle.loads(bytes.fromhex(sys.argv[1])); "
           "from adapters.base.reader_process import _work; _work()")


class Worker(Iterator[Chunk]):
    """A child interpreter running the reader and :func:`local_chunks`; chunks come back pickled.

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
        for chunk in local_chunks(placed_items(reader, path), reader.province, size,
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
