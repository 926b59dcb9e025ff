"""A refused event's dead letter reaches the topic even when a later half of its batch fails.

A batch the store refuses is applied in halves, each committed on its own
(:func:`hub.ingest.isolating.apply_isolating`). The dead letter of a refused
event is stored with its half, and published to ``transferhub.deadletter``
once the hub knows of it. When a later half then fails (another replica took
the partition: ``Fenced``; or the store went away and the loop stopped
retrying), the halves committed before are no longer re-applied, so their
dead letters were published by no one.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from aiokafka import TopicPartition

from hub.ingest.batch import handle_batch
from hub.ingest.consumer import Ingest, IngestSettings
from hub.ingest.errors import Fenced
from tests.integration.ingest_helpers import rule, upserted
from tests.unit.ingest_fakes import FakeConsumer, FakeProducer
from tests.unit.test_ingest_apply import _Failing

BC = "transferhub.events.bc"


class _FencedAt(_Failing):
    """As _Failing, and fenced (another consumer committed past the batch) at a unit of work."""

    def __init__(self, fenced_at: int, poison_key: str) -> None:
        super().__init__(ValueError("check constraint"), poison_key)
        self.fenced_at = fenced_at

    def unit_of_work(self):  # type: ignore[no-untyped-def]
        if self.units + 1 == self.fenced_at:
            self.units += 1
            raise Fenced({(BC, 0): 10_000}, {(BC, 0): 0})
        return super().unit_of_work()


class TestRefusedEventsOfCommittedHalves:
    """Dead letters stored by committed halves are published whatever happens after."""

    def test_a_fenced_later_half_does_not_swallow_an_earlier_halfs_dead_letter(self) -> None:
        # 64 events, the 5th refused: the whole fails (unit 1), then halves; the
        # first half of 32 fails again (unit 2), its halves... the refused event is
        # stored within the first dozen units; the batch's last half is fenced.
        messages = [upserted(rule(n), 1) for n in range(1, 65)]
        refused_value = messages[4][2]
        records = [[SimpleNamespace(topic=BC, partition=0, offset=i, key=key, value=value)
                    for i, (_, key, value) in enumerate(messages)]]
        store = _FencedAt(fenced_at=14, poison_key="BC:5")
        ingest = Ingest(store, IngestSettings("unused:9092", retry_max_wait=0.01))  # type: ignore[arg-type]
        consumer, producer = FakeConsumer(TopicPartition(BC, 0)), FakeProducer()
        ingest.consumer, ingest.producer = consumer, producer  # type: ignore[assignment]
        with pytest.raises(Fenced):
            asyncio.run(handle_batch(ingest, records))
        with store.inner.unit_of_work() as uow:
            (letter,) = uow.ledger.dead_letters()
            stored_offset = uow.ledger.offsets(ingest.settings.group)[(BC, 0)]
        assert letter.offset == 4 and 4 < stored_offset < 64  # stored, then fenced midway
        assert producer.sent == [refused_value]
        assert consumer.committed == []  # Kafka's copy is not moved for a fenced batch

    def test_a_failing_publish_does_not_hide_the_fencing(self) -> None:
        messages = [upserted(rule(n), 1) for n in range(1, 65)]
        records = [[SimpleNamespace(topic=BC, partition=0, offset=i, key=key, value=value)
                    for i, (_, key, value) in enumerate(messages)]]
        store = _FencedAt(fenced_at=14, poison_key="BC:5")
        ingest = Ingest(store, IngestSettings("unused:9092", retry_max_wait=0.01))  # type: ignore[arg-type]
        broken = FakeProducer([RuntimeError("the producer was closed")])
        ingest.consumer, ingest.producer = FakeConsumer(TopicPartition(BC, 0)), broken  # type: ignore[assignment]
        with pytest.raises(Fenced):
            asyncio.run(handle_batch(ingest, records))


class TestCountsOfEveryTry:
    """The metrics count what every try committed, not only the last try."""

    def test_halves_committed_before_the_store_went_away_are_counted(self) -> None:
        from tests.unit.test_ingest_apply import _DownAt

        messages = [upserted(rule(n), 1) for n in range(1, 65)]
        records = [[SimpleNamespace(topic=BC, partition=0, offset=i, key=key, value=value)
                    for i, (_, key, value) in enumerate(messages)]]
        store = _DownAt(14, poison_key="BC:5")   # halves commit, then the store is gone once
        ingest = Ingest(store, IngestSettings("unused:9092", retry_max_wait=0.01))  # type: ignore[arg-type]
        ingest.consumer, ingest.producer = FakeConsumer(TopicPartition(BC, 0)), FakeProducer()  # type: ignore[assignment]
        asyncio.run(handle_batch(ingest, records))
        registry = ingest.metrics.registry
        applied = registry.get_sample_value(
            "transferhub_events_total", {"province": "BC", "outcome": "applied"})
        dead = registry.get_sample_value(
            "transferhub_events_total", {"province": "BC", "outcome": "dead_lettered"})
        assert (applied, dead) == (63, 1)


class TestStopWhileTakingApart:
    """A stop asked while a refused batch is taken apart ends it between two halves."""

    def test_the_halves_stop_and_what_was_committed_stands(self) -> None:
        from hub.ingest.deliveries import Delivery, read
        from hub.ingest.errors import StopAsked
        from hub.ingest.isolating import apply_isolating

        # Every event refused: taken apart, one transaction a half, down to each event.
        store = _Failing(ValueError("check constraint"),
                         poison_key={f"BC:{n}" for n in range(1, 257)})
        batch = read([Delivery(BC, 0, i, key, value) for i, (_, key, value)
                      in enumerate(upserted(rule(n), 1) for n in range(1, 257))])
        asked = iter(range(1_000_000))
        with pytest.raises(StopAsked):
            apply_isolating(store, "g", batch, stopping=lambda: next(asked) >= 40)  # type: ignore[arg-type]
        assert store.units < 60   # not the ~500 units of the whole batch
        with store.inner.unit_of_work() as uow:
            letters = uow.ledger.dead_letters(limit=1000)
            stored = uow.ledger.offsets("g").get((BC, 0), 0)
        assert 0 < len(letters) == stored < 256   # committed halves stand, in order
        assert [x.offset for x in letters] == list(range(stored))

    def test_handle_batch_passes_the_stop_on(self) -> None:
        from hub.ingest.errors import StopAsked

        messages = [upserted(rule(n), 1) for n in range(1, 65)]
        records = [[SimpleNamespace(topic=BC, partition=0, offset=i, key=key, value=value)
                    for i, (_, key, value) in enumerate(messages)]]
        store = _Failing(ValueError("check constraint"), poison_key="BC:5")
        ingest = Ingest(store, IngestSettings("unused:9092", retry_max_wait=0.01))  # type: ignore[arg-type]
        ingest.consumer, ingest.producer = FakeConsumer(TopicPartition(BC, 0)), FakeProducer()  # type: ignore[assignment]
        ingest.stop()
        with pytest.raises(StopAsked):
            asyncio.run(handle_batch(ingest, records))


class TestCountedOnceStored:
    """Metrics and the monitor follow the store, not Kafka's copy of the offsets."""

    def test_counted_and_shown_before_the_kafka_commit(self) -> None:
        """A broker that is down holds the Kafka commit for as long as it is down; the
        metrics and monitor fell a minute behind the store meanwhile (a tester)."""
        from hub.ingest.feed import _Watcher
        from hub.store.memory_ledger import InMemoryStore

        ingest = Ingest(InMemoryStore(), IngestSettings("unused:9092"))
        watcher = _Watcher("")
        ingest.feed._watchers.add(watcher)    # a monitor is watching
        at_commit: list[tuple[float | None, int]] = []

        class SlowCommit(FakeConsumer):
            async def commit(self, offsets: dict[TopicPartition, int]) -> None:
                at_commit.append((ingest.metrics.registry.get_sample_value(
                    "transferhub_events_total", {"province": "BC", "outcome": "applied"}),
                    len(watcher.notices)))
                await super().commit(offsets)

        messages = [upserted(rule(n), 1) for n in range(1, 11)]
        records = [[SimpleNamespace(topic=BC, partition=0, offset=i, key=key, value=value)
                    for i, (_, key, value) in enumerate(messages)]]
        ingest.consumer = SlowCommit(TopicPartition(BC, 0))  # type: ignore[assignment]
        ingest.producer = FakeProducer()  # type: ignore[assignment]
        asyncio.run(handle_batch(ingest, records))
        assert at_commit == [(10.0, 10)]
