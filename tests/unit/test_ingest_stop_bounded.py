"""A stop ends within its bound even when the consume loop does not (a group stuck in the
broker after a replica was frozen kept a hub alive 65 s past SIGTERM: a tester)."""

from __future__ import annotations

import asyncio
import time

import pytest

from hub.ingest import operator
from hub.ingest.consumer import IngestSettings
from hub.ingest.operator import HubIngest
from hub.store.memory_ledger import InMemoryStore


async def test_a_consume_loop_that_does_not_end_is_cancelled(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operator, "STOP_SECONDS", 0.3)
    hub = HubIngest(InMemoryStore(), IngestSettings.of("127.0.0.1:9"))
    cancelled = asyncio.Event()

    async def stuck() -> None:   # deaf to ingest.stop(), as the stuck loop was
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def lag() -> None:
        await asyncio.sleep(3600)

    hub._tasks = [asyncio.create_task(stuck()), asyncio.create_task(lag())]
    await asyncio.sleep(0)
    started = time.monotonic()
    await hub.stop()
    assert cancelled.is_set() and time.monotonic() - started < 2


async def test_a_loop_that_ends_in_time_is_waited_for_and_its_crash_raised() -> None:
    hub = HubIngest(InMemoryStore(), IngestSettings.of("127.0.0.1:9"))

    async def crashed() -> None:
        await asyncio.sleep(0.05)
        raise RuntimeError("the store is gone")

    async def lag() -> None:
        await asyncio.sleep(3600)

    hub._tasks = [asyncio.create_task(crashed()), asyncio.create_task(lag())]
    with pytest.raises(RuntimeError, match="the store is gone"):
        await hub.stop()
