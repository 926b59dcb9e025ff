"""The ingest against the real broker and real SQLite / PostgreSQL stores."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer

from adapters.base import events as ev
from hub.domain.model import Institution
from hub.store.ports import Store
from tests.integration.ingest_helpers import (
    WHEN,
    handled,
    ingest_until,
    message,
    produce,
    revoked,
    rule,
    upserted,
)
from transferhub.broker import DEADLETTER_TOPIC, EmbeddedBroker, ensure_topics

pytestmark = [pytest.mark.broker, pytest.mark.timeout(120)]


def _rules(store: Store, *ids: str) -> dict[str, float | None]:
    """The first grant's credits of each rule in force, by id (absent: no such rule)."""
    with store.reader() as repo:
        sending = [f"{i.split(':')[0]}:COLL:ENGL {i.split(':')[1]}" for i in ids]
        found = repo.rules_from(sending)
    return {r.id: r.alternatives[0][0].credits for r in found}


class TestIdempotence:
    """Each event is applied once in effect, whatever Kafka delivers."""

    async def test_events_delivered_twice_are_applied_once(self, broker: EmbeddedBroker,
                                                           store: Store) -> None:
        batch = [upserted(rule(n), 1) for n in range(50)]
        await produce(broker.address, batch + batch)
        await ingest_until(store, broker.address, lambda s: handled(s) >= 100)
        with store.unit_of_work() as uow:
            stats = uow.ledger.stats()["BC"]
            assert uow.equivalencies.counts()["rules"] == 50
        assert (stats["applied"], stats["duplicate"]) == (50, 50)

    async def test_versions_out_of_order_end_at_the_highest(self, broker: EmbeddedBroker,
                                                            store: Store) -> None:
        # Same key, so one partition, in this (wrong) order: v3, v1, v2; then
        # rule 2 revoked at v2 and its v1 arriving after the revocation.
        await produce(broker.address, [
            upserted(rule(1, 3, credits=9.0), 3), upserted(rule(1, 1, credits=1.0), 1),
            upserted(rule(1, 2, credits=2.0), 2),
            upserted(rule(2, 1), 1), revoked("BC:2", 2), upserted(rule(2, 1), 1),
        ])
        await ingest_until(store, broker.address, lambda s: handled(s) >= 6)
        assert _rules(store, "BC:1", "BC:2") == {"BC:1": 9.0}
        with store.unit_of_work() as uow:
            stats = uow.ledger.stats()["BC"]
        assert (stats["applied"], stats["stale"], stats["duplicate"]) == (3, 2, 1)

    async def test_a_restarted_ingest_reads_on_from_the_stores_offsets(
            self, broker: EmbeddedBroker, store: Store) -> None:
        await produce(broker.address, [upserted(rule(n), 1) for n in range(10)])
        await ingest_until(store, broker.address, lambda s: handled(s) >= 10)
        await produce(broker.address, [upserted(rule(n), 2) for n in range(10, 15)])
        await ingest_until(store, broker.address, lambda s: handled(s) >= 15)
        with store.unit_of_work() as uow:
            assert uow.ledger.stats()["BC"]["duplicate"] == 0  # nothing read twice
            assert uow.equivalencies.counts()["rules"] == 15


class TestProducersOwnSettings:
    """A province's own producer, not only our adapters, writes the event topics."""

    async def test_compressed_batches_of_every_codec_are_applied(self, broker: EmbeddedBroker,
                                                                 store: Store) -> None:
        # Kafka's four codecs: a codec the hub cannot read stopped all ingest, at every restart
        codecs = ("gzip", "snappy", "lz4", "zstd")
        for n, codec in enumerate(codecs):
            await produce(broker.address, [upserted(rule(10 * n + i), 1) for i in range(10)],
                          compression=codec)
        await ingest_until(store, broker.address, lambda s: handled(s) >= 40)
        with store.unit_of_work() as uow:
            assert uow.equivalencies.counts()["rules"] == 40
            assert uow.ledger.stats()["BC"].get("dead_lettered", 0) == 0


class TestDeadLetters:
    """What the hub cannot apply is set aside with its reason; the partition goes on."""

    async def test_poison_and_spoofed_events_are_dead_lettered_and_the_rest_applied(
            self, broker: EmbeddedBroker, store: Store) -> None:
        topic = "transferhub.events.bc"
        spoofed = message(ev.upserted(Institution("ON:SENE", "Seneca"), version=1,
                                      province="ON", occurred_at=WHEN, source="t"), topic)
        elsewhere = upserted(rule(5, 1), 1)  # another key: maybe another partition
        poison = (topic, b"BC:1", b"\x0a\xffnot an envelope")
        # One key, so one partition: good, poison, spoofed, good after them.
        key = b"BC:1"
        msgs = [(topic, key, upserted(rule(1), 1)[2]), (topic, key, poison[2]),
                (topic, key, spoofed[2]), (topic, key, upserted(rule(1, 2, credits=6.0), 2)[2]),
                elsewhere]
        await produce(broker.address, msgs)
        await ingest_until(store, broker.address, lambda s: handled(s) >= 5)
        assert _rules(store, "BC:1", "BC:5") == {"BC:1": 6.0, "BC:5": 3.0}
        with store.unit_of_work() as uow:
            letters = uow.ledger.dead_letters()
        reasons = sorted(x.reason.split(":")[0] for x in letters)
        assert reasons == ["province_mismatch", "unreadable"]
        assert {x.value for x in letters} == {poison[2], spoofed[2]}
        assert all(x.topic == topic and x.province == "BC" for x in letters)

        consumer = AIOKafkaConsumer(DEADLETTER_TOPIC, bootstrap_servers=broker.address,
                                    auto_offset_reset="earliest")
        await consumer.start()
        try:
            got = await consumer.getmany(timeout_ms=5000)
            records = [r for rs in got.values() for r in rs]
        finally:
            await consumer.stop()
        assert sorted(r.value for r in records) == sorted([poison[2], spoofed[2]])
        headers = [dict(r.headers) for r in records]
        assert sorted(h["reason"].split(b":")[0] for h in headers) == [
            b"province_mismatch", b"unreadable"]


    async def test_a_poison_event_larger_than_a_producers_default_is_dead_lettered(
            self, broker: EmbeddedBroker, store: Store) -> None:
        # 1.2 MB: past aiokafka's default max_request_size (1 MB), with which the hub's
        # dead-letter producer used to fail, ending the hub at every start.
        topic, key = "transferhub.events.bc", b"BC:1"
        poison = b"\x0a\xff" + b"x" * 1_200_000
        await produce(broker.address, [(topic, key, upserted(rule(1), 1)[2]),
                                       (topic, key, poison),
                                       (topic, key, upserted(rule(1, 2, credits=6.0), 2)[2])])
        await ingest_until(store, broker.address, lambda s: handled(s) >= 3)
        assert _rules(store, "BC:1") == {"BC:1": 6.0}
        with store.unit_of_work() as uow:
            letters = uow.ledger.dead_letters()
        assert [x.value for x in letters] == [poison]


class TestTopics:
    """A new province's topic is consumed without a restart."""

    async def test_a_topic_created_while_running_is_picked_up(self, broker: EmbeddedBroker,
                                                              store: Store) -> None:
        import asyncio

        from hub.ingest.consumer import Ingest
        from tests.integration.ingest_helpers import fast_settings

        ingest = Ingest(store, fast_settings(broker.address))
        task = asyncio.create_task(ingest.run())
        try:
            await produce(broker.address, [upserted(rule(1), 1)])
            await ensure_topics(broker.address, ("mb",), 1)
            await produce(broker.address, [upserted(rule(7, province="MB"), 1, province="MB")])
            for _ in range(150):
                if handled(store) >= 2:
                    break
                await asyncio.sleep(0.2)
        finally:
            ingest.stop()
            await asyncio.wait_for(task, 30)
        with store.unit_of_work() as uow:
            assert set(uow.ledger.stats()) == {"BC", "MB"}


class TestFencing:
    """A replica whose partition another replica has applied past reads on from the store."""

    async def test_records_another_consumer_applied_are_neither_applied_nor_counted(
            self, broker: EmbeddedBroker, store: Store) -> None:
        import asyncio

        from hub.ingest.consumer import Ingest
        from tests.integration.ingest_helpers import fast_settings, until

        topic, key = "transferhub.events.bc", b"BC:pinned"   # one key: one partition
        first = [(topic, key, upserted(rule(n), 1)[2]) for n in range(10)]
        later = [(topic, key, upserted(rule(n), 1)[2]) for n in range(10, 20)]
        settings = fast_settings(broker.address)
        ingest = Ingest(store, settings)
        task = asyncio.create_task(ingest.run())
        try:
            await produce(broker.address, first)
            await until(lambda: handled(store) >= 10, task, 60, lambda: "first ten")
            with store.unit_of_work() as uow:
                [(tp, at)] = uow.ledger.offsets(settings.group).items()
                # Another replica of the group applied the next five while this one slept.
                uow.ledger.save_offset(settings.group, tp[0], tp[1], at + 5)
                uow.commit()
            await produce(broker.address, later)

            def caught_up() -> bool:
                with store.unit_of_work() as uow:
                    return uow.ledger.offsets(settings.group)[tp] == at + 10
            await until(caught_up, task, 60, lambda: "the last five")
        finally:
            ingest.stop()
            await asyncio.wait_for(task, 30)
        with store.unit_of_work() as uow:
            stats = uow.ledger.stats()["BC"]
        assert (stats["applied"], stats["duplicate"]) == (15, 0)
        assert sorted(_rules(store, *(f"BC:{n}" for n in range(20)))) == sorted(
            f"BC:{n}" for n in [*range(10), *range(15, 20)])
