"""The pipelined loop (poll batch N+1 while N is translated and applied) commits only work done."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hub.ingest.consumer import Ingest
from hub.ingest.metrics import IngestMetrics
from hub.ingest.operator import HubIngest
from hub.store.factory import open_store
from hub.store.ports import Store
from tests.integration.ingest_helpers import (
    fast_settings,
    handled,
    ingest_until,
    produce,
    rule,
    upserted,
)
from transferhub.broker import EmbeddedBroker

pytestmark = [pytest.mark.broker, pytest.mark.timeout(180)]

EVENTS = 3000
GROUP = "transferhub-hub"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite store."""
    opened = open_store(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        yield opened
    finally:
        opened.close()


def _backlog() -> list:
    return [upserted(rule(n, province=p), 1, province=p)
            for n in range(EVENTS // 3) for p in ("BC", "ON", "SK")]


def _stored_positions(store: Store) -> int:
    """The sum of the store's next offsets: events read and committed, all partitions."""
    with store.unit_of_work() as uow:
        return sum(uow.ledger.offsets(GROUP).values())


def _duplicates(store: Store) -> int:
    with store.unit_of_work() as uow:
        return sum(int(row["duplicate"]) for row in uow.ledger.stats().values())  # type: ignore[call-overload]


async def _run_until(ingest: Ingest, store: Store, at_least: int) -> None:
    task = asyncio.create_task(ingest.run())
    try:
        for _ in range(600):
            if task.done():
                task.result()
            if await asyncio.to_thread(handled, store) >= at_least:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"only {handled(store)} of {at_least} events handled")
    finally:
        ingest.stop()
        await asyncio.wait_for(task, 30)


class TestPipeline:
    """Only batches that were applied are committed, whenever the loop stops or rebalances."""

    async def test_stopping_mid_backlog_commits_exactly_what_was_applied(
            self, broker: EmbeddedBroker, store: Store) -> None:
        await produce(broker.address, _backlog())
        await _run_until(Ingest(store, fast_settings(broker.address, max_batch=40)), store,
                         EVENTS // 4)
        done = handled(store)
        assert done < EVENTS  # stopped with a backlog, so a translated batch was waiting
        assert _stored_positions(store) == done  # nothing committed beyond what was applied
        await ingest_until(store, broker.address, lambda s: handled(s) >= EVENTS,
                           max_batch=500)
        assert handled(store) == EVENTS and _duplicates(store) == 0
        assert _stored_positions(store) == EVENTS

    async def test_a_rebalance_mid_backlog_loses_and_repeats_nothing(
            self, broker: EmbeddedBroker, store: Store) -> None:
        await produce(broker.address, _backlog())
        first = Ingest(store, fast_settings(broker.address, max_batch=40))
        task = asyncio.create_task(first.run())
        try:
            for _ in range(600):
                if handled(store) >= EVENTS // 6:
                    break
                await asyncio.sleep(0.05)
            # A second member joins: partitions move while batches are in flight.
            await ingest_until(store, broker.address, lambda s: handled(s) >= EVENTS,
                               timeout=120, max_batch=40)
        finally:
            first.stop()
            await asyncio.wait_for(task, 30)
        assert handled(store) == EVENTS and _duplicates(store) == 0
        assert _stored_positions(store) == EVENTS
        with store.unit_of_work() as uow:
            assert uow.equivalencies.counts()["rules"] == EVENTS


def _gauge(hub: HubIngest, name: str) -> float | None:
    """An ingest gauge as /metrics serves it."""
    return hub.ingest.metrics.registry.get_sample_value(f"transferhub_ingest_{name}")


async def _running(*hubs: HubIngest) -> None:
    for hub in hubs:
        await hub.start()


async def _until(done: Callable[[], bool], timeout: float = 90) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(done):
        assert asyncio.get_running_loop().time() < deadline, "not done in time"
        await asyncio.sleep(0.2)


class TestGroupSharedByTwoStores:
    """Hubs sharing a store share a group; a hub with another store in the same group is told,
    whichever partitions it holds (it compares every partition, assigned to it or not)."""

    async def test_two_stores_in_one_group_are_told(self, broker: EmbeddedBroker, store: Store,
                                                    tmp_path: Path) -> None:
        await produce(broker.address, _backlog())
        other = open_store(f"sqlite:///{tmp_path / 'other.db'}")
        hubs = [HubIngest(s, fast_settings(broker.address, max_batch=100), IngestMetrics())
                for s in (store, other)]
        try:
            await _running(*hubs)
            # Between them the two stores take every event once: each misses the other's.
            await _until(lambda: handled(store) + handled(other) >= EVENTS)
            behind = [await hub.check_group() for hub in hubs]
            assert any(behind), behind
            for hub, found in zip(hubs, behind, strict=True):
                assert _gauge(hub, "store_behind_group") == len(found)
            assert _gauge(hubs[0], "partitions_assigned") is not None
        finally:
            for hub in hubs:
                await hub.stop()
            other.close()

    async def test_replicas_on_one_store_are_never_behind_the_group(
            self, broker: EmbeddedBroker, store: Store) -> None:
        await produce(broker.address, _backlog())
        hubs = [HubIngest(store, fast_settings(broker.address, max_batch=100), IngestMetrics())
                for _ in range(2)]
        try:
            await _running(*hubs)
            while handled(store) < EVENTS:   # checked while both apply and commit
                assert [await hub.check_group() for hub in hubs] == [[], []]
                await asyncio.sleep(0.1)
            assert [await hub.check_group() for hub in hubs] == [[], []]
            assert _duplicates(store) == 0
        finally:
            for hub in hubs:
                await hub.stop()
