"""A run waiting for another on the same ``--state`` stops on Ctrl-C.

The wait for the state's lock blocked the event loop in ``flock``: asyncio.run's
first Ctrl-C (it cancels the run) was not seen until the other run ended, and the
run then went on as if nothing was asked; it took a second Ctrl-C to stop it,
after the stderr line had said it was only waiting.
"""

from __future__ import annotations

import asyncio
import fcntl
import threading
import time
from pathlib import Path

import pytest

from adapters.base.runner import run_adapter_async
from adapters.base.statedb import LOCK_FILE
from tests.unit.adapter_fakes import FakePublisher, FakeReader, course, institution

EXPORT = [institution("UBCV"), institution("CAPU"), course()]


def test_a_run_waiting_for_the_state_stops_when_cancelled(tmp_path: Path) -> None:
    other = open(tmp_path / LOCK_FILE, "ab")  # noqa: SIM115 -- another run holding the state
    fcntl.flock(other, fcntl.LOCK_EX)
    release = threading.Timer(5, other.close)   # a wait that ignores the cancel ends here
    release.start()

    async def main() -> float:
        started = time.monotonic()
        task = asyncio.create_task(run_adapter_async(
            FakeReader(EXPORT), Path("x"), publisher=FakePublisher(), state_dir=tmp_path))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - started

    try:
        assert asyncio.run(main()) < 2
    finally:
        release.cancel()
        other.close()


def test_a_lock_file_that_cannot_be_opened_is_bad_usage(tmp_path: Path) -> None:
    from adapters.base.runner import run_adapter
    from adapters.base.statedb import StateUnusable

    (tmp_path / LOCK_FILE).mkdir()   # cannot be opened as a file, whoever runs the test
    with pytest.raises(StateUnusable, match=r"state\.lock: cannot be opened"):
        run_adapter(FakeReader(EXPORT), Path("x"), kafka=FakePublisher(), state_dir=tmp_path)
