"""The pipelined loop (poll batch N+1 while N is translated and applied) commits only work done."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.ingest.consumer import Ingest
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


def _gauge(ingest: Ingest, name: str) -> float | None:
    """An ingest gauge as /metrics serves it."""
    return ingest.metrics.registry.get_sample_value(f"transferhub_ingest_{name}")


class TestGroupSharedByTwoStores:
    """Hubs sharing a store share a group; a hub with another store in the same group is told."""

    async def test_a_store_behind_the_group_is_warned_and_reads_everything_itself(
            self, broker: EmbeddedBroker, store: Store, tmp_path: Path) -> None:
        await produce(broker.address, _backlog())
        first = await ingest_until(store, broker.address, lambda s: handled(s) >= EVENTS)
        assert _gauge(first, "store_behind_group") == 0   # the group was new
        assert _gauge(first, "partitions_assigned") > 0
        other = open_store(f"sqlite:///{tmp_path / 'other.db'}")
        try:
            # The group has committed every partition; this store has applied nothing.
            second = await ingest_until(other, broker.address,
                                        lambda s: handled(s) >= EVENTS)
            assert _gauge(second, "store_behind_group") == \
                _gauge(second, "partitions_assigned") > 0
            assert handled(other) == EVENTS   # read from its own offsets, not the group's
        finally:
            other.close()

    async def test_replicas_on_one_store_are_never_behind_the_group(
            self, broker: EmbeddedBroker, store: Store) -> None:
        await produce(broker.address, _backlog())
        await ingest_until(store, broker.address, lambda s: handled(s) >= EVENTS // 2,
                           max_batch=100)
        again = await ingest_until(store, broker.address, lambda s: handled(s) >= EVENTS)
        assert _gauge(again, "store_behind_group") == 0
        assert _duplicates(store) == 0
