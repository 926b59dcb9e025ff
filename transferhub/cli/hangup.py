"""Long-running commands stop cleanly on SIGHUP too: a closed terminal sends it.

Without a handler SIGHUP kills the process at once: ``transferhub up`` then
left its broker and hub running (they run in process groups of their own, so
the terminal's SIGHUP never reaches them). With it, the command stops as on
Ctrl-C. The terminal is gone by then, and a write to it fails (EIO) part-way
through stopping, so standard output and error that were that terminal are
sent to ``/dev/null`` first.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import threading

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
"""What stops a long-running command (serve, up, broker, adapter --watch) cleanly."""


def detach_if_hung_up(signum: int) -> None:
    """On SIGHUP, point standard output and error that were a terminal at ``/dev/null``."""
    if signum != signal.SIGHUP:
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in (1, 2):
            # Not isatty(): a hung-up terminal answers it False (its tcgetattr fails).
            # A terminal is a character device; a log file or a pipe is not touched.
            with contextlib.suppress(OSError):
                if stat.S_ISCHR(os.fstat(fd).st_mode):
                    os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def stop_on_signals(stopping: threading.Event) -> None:
    """Set ``stopping`` on any of :data:`STOP_SIGNALS` (from the main thread)."""
    def stop(signum: int, _: object) -> None:
        detach_if_hung_up(signum)
        stopping.set()

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
