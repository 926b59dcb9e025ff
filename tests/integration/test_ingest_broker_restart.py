"""The ingest after the broker's log was replaced: an embedded broker restarted empty.

The store keeps the offsets it read up to; a restarted embedded broker (it
keeps everything in memory) starts every partition again from 0, and Kafka
answers a read past a partition's end with nothing rather than an error. Read
from the store's offsets, the new log's first events would never be read. The
hub tells the logs apart by the broker's cluster id (the embedded broker takes
a new one each start) and reads a new log from its beginning: events it
already applied count as duplicates, the rest are applied.
"""

from __future__ import annotations

import asyncio

import pytest

from hub.ingest.consumer import Ingest
from hub.store.ports import Store
from tests.integration.ingest_helpers import (
    fast_settings,
    handled,
    ingest_until,
    produce,
    rule,
    until,
    upserted,
)
from transferhub.broker import EmbeddedBroker

pytestmark = [pytest.mark.broker, pytest.mark.timeout(180)]

RULES = 30


def _credits(store: Store, number: int) -> float | None:
    with store.reader() as repo:
        found = repo.rules_from([f"BC:COLL:ENGL {number}"])
    return found[0].alternatives[0][0].credits if found else None


def _restarted(broker: EmbeddedBroker) -> EmbeddedBroker:
    """The broker stopped and a new one started on the same address, empty."""
    broker.stop()
    again = EmbeddedBroker(broker.address)
    again.start()
    try:
        again.ensure_topics()
    except BaseException:
        again.stop()  # never left running past the test
        raise
    return again


class TestBrokerRestartedEmpty:
    """Events published to a restarted embedded broker are applied, none lost."""

    async def test_while_the_hub_was_down(self, broker: EmbeddedBroker, store: Store) -> None:
        await produce(broker.address, [upserted(rule(n), 1) for n in range(RULES)])
        await ingest_until(store, broker.address, lambda s: handled(s) >= RULES)
        again = await asyncio.to_thread(_restarted, broker)
        try:
            # Fewer events than the store's offsets: every one lands below them.
            await produce(again.address, [upserted(rule(n, credits=6.0), 2) for n in range(3)])
            await ingest_until(store, again.address,
                               lambda s: all(_credits(s, n) == 6.0 for n in range(3)))
        finally:
            again.stop()
        assert _credits(store, 3) == 3.0  # what the first log applied is kept

    async def test_while_the_hub_runs(self, broker: EmbeddedBroker, store: Store) -> None:
        await produce(broker.address, [upserted(rule(n), 1) for n in range(RULES)])
        ingest = Ingest(store, fast_settings(broker.address))
        task = asyncio.create_task(ingest.run())
        again: EmbeddedBroker | None = None
        try:
            await until(lambda: handled(store) >= RULES, task, 60, lambda: "first log")
            again = await asyncio.to_thread(_restarted, broker)
            await produce(again.address, [upserted(rule(n, credits=6.0), 2) for n in range(3)])
            await until(lambda: all(_credits(store, n) == 6.0 for n in range(3)), task, 90,
                        lambda: "the ingest did not apply the new log's events")
        finally:
            ingest.stop()
            await asyncio.wait_for(task, 30)
            if again is not None:
                again.stop()

