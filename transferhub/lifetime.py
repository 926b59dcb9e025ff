"""Child processes that end with the process that started them, even when it is killed.

``transferhub broker`` and ``transferhub up`` start their children in sessions of
their own (so that Ctrl-C at the terminal reaches them through their parent, in
order). Stopped cleanly, the parent ends them; killed (``SIGKILL``, the OOM
killer), it cannot, and the embedded broker went on listening on its port, so
the next broker started there failed with "Address already in use" (a scale-out
tester). On Linux the kernel can tell a child its parent died
(``PR_SET_PDEATHSIG``): :func:`ended_with_parent` arms that in the child.

The signal follows the *thread* that started the child: use it only from a
thread that lives as long as the process (the CLI commands' main thread), never
from a worker thread.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def ended_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the child sent ``sig`` when this process ends; None off
    Linux (or without ``prctl``), where children are ended only by a clean stop."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl   # looked up before the fork
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def arm() -> None:
        prctl(_PR_SET_PDEATHSIG, sig)
        if os.getppid() != parent:   # the parent died before the signal was armed
            os._exit(1)

    return arm
