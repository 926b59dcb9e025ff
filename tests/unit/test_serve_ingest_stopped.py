"""``transferhub serve`` when its ingest stops by itself: it says why, stops, exits 1."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import time

import pytest

from hub.api.server import create_server
from hub.bootstrap import RunningHub
from hub.store.factory import open_store
from transferhub.cli import serve


class CrashingIngest:
    """An ingest whose consume loop fails on its own, as a non-retryable error would."""

    def __init__(self) -> None:
        self.stopped = False

    async def start(self) -> None:
        """Nothing to start."""

    async def wait(self) -> None:
        await asyncio.sleep(0.05)
        raise RuntimeError("the broker refused a record for good")

    async def stop(self) -> None:
        self.stopped = True
        raise RuntimeError("the broker refused a record for good")  # met again, as HubIngest does


def test_a_stopped_ingest_stops_the_hub_with_exit_1(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    ingest = CrashingIngest()
    closed: list[str] = []

    async def start_hub(settings: object, **_: object) -> RunningHub:
        store = open_store("memory://")
        server, port = await create_server(store)
        # Were the crash unnoticed, this signal would end the wait (exit 0, not a hang).
        asyncio.get_running_loop().call_later(5, os.kill, os.getpid(), signal.SIGTERM)
        return RunningHub(settings, store, server, port, [ingest],  # type: ignore[arg-type]
                          [lambda: closed.append("metrics")])

    monkeypatch.setattr("hub.bootstrap.start_hub", start_hub)
    args = argparse.Namespace(db="memory://", kafka="127.0.0.1:9092", grpc="127.0.0.1:0",
                              metrics="", group=None)
    code = serve.run(args)
    err = capsys.readouterr().err
    assert code == 1, err
    assert "the ingest stopped (RuntimeError: the broker refused a record for good)" in err
    assert "Traceback" not in err
    # shut down whole: the ingest asked to stop, then what came after it closed too
    assert ingest.stopped and closed == ["metrics"]


def test_a_signal_still_stops_it_with_exit_0(monkeypatch: pytest.MonkeyPatch) -> None:
    class LoopingIngest:
        """Like HubIngest: ``wait`` and ``stop`` both await the one consume-loop task."""

        def __init__(self) -> None:
            self.finished_its_batch = False

        async def start(self) -> None:
            self._stop = asyncio.Event()
            self._run = asyncio.create_task(self._loop())

        async def _loop(self) -> None:
            await self._stop.wait()
            await asyncio.sleep(0.05)  # the batch in flight, finished and committed
            self.finished_its_batch = True

        async def wait(self) -> None:
            await self._run

        async def stop(self) -> None:
            self._stop.set()
            await self._run

    ingest = LoopingIngest()

    async def start_hub(settings: object, **_: object) -> RunningHub:
        store = open_store("memory://")
        server, port = await create_server(store)
        await ingest.start()
        asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), signal.SIGTERM)
        return RunningHub(settings, store, server, port, [ingest])  # type: ignore[arg-type]

    monkeypatch.setattr("hub.bootstrap.start_hub", start_hub)
    args = argparse.Namespace(db="memory://", kafka="127.0.0.1:9092", grpc="127.0.0.1:0",
                              metrics="", group=None)
    assert serve.run(args) == 0
    assert ingest.finished_its_batch  # not cancelled by the watch on it


def test_a_signal_while_the_hub_starts_stops_it_once_started(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM while the store opens (before the hub serves) is met once it has started:
    exit 0, everything stopped; before, the default action ended it (exit 143)."""
    stopped: list[str] = []

    async def start_hub(settings: object, **_: object) -> RunningHub:
        os.kill(os.getpid(), signal.SIGTERM)   # arrives while the hub is starting
        await asyncio.sleep(0.1)
        store = open_store("memory://")
        server, port = await create_server(store)
        # Were that signal lost, this one would end the wait, 5 s later (not a hang).
        asyncio.get_running_loop().call_later(5, os.kill, os.getpid(), signal.SIGTERM)
        return RunningHub(settings, store, server, port, [],  # type: ignore[arg-type]
                          [lambda: stopped.append("metrics")])

    monkeypatch.setattr("hub.bootstrap.start_hub", start_hub)
    args = argparse.Namespace(db="memory://", kafka="127.0.0.1:9092", grpc="127.0.0.1:0",
                              metrics="", group=None)
    # Without the serve's own handler yet, the default action would end pytest itself.
    lost = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        started = time.monotonic()
        assert serve.run(args) == 0
        took = time.monotonic() - started
    finally:
        signal.signal(signal.SIGTERM, lost)
    assert took < 4, f"the first SIGTERM was lost: stopped only by the second ({took:.1f} s)"
    assert stopped == ["metrics"]
