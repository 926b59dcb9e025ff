"""Ingest review: an event's id may not silence another event, nor stop the stream."""

from __future__ import annotations

import pytest

from adapters.base import events as ev
from hub.ingest.apply import APPLIED, DEAD_LETTERED, apply_batch
from hub.ingest.deliveries import Delivery, read
from hub.ingest.errors import UnreadableEvent
from hub.ingest.isolating import apply_isolating
from hub.ingest.translate import translate
from hub.store.memory_ledger import InMemoryStore
from tests.integration.ingest_helpers import WHEN, rule

BC, ON = "transferhub.events.bc", "transferhub.events.on"


def _envelope(number: int, province: str = "BC"):  # type: ignore[no-untyped-def]
    return ev.upserted(rule(number, province=province), version=1, province=province,
                       occurred_at=WHEN, source="test")


class TestEventIdsOfOtherEntities:
    """The inbox knows an event by (entity, version, id): so must the batch."""

    def test_an_event_reusing_another_entitys_id_does_not_silence_it(self) -> None:
        # BC (spoofing, or a buggy adapter) publishes a valid BC rule under the
        # id of an Ontario event; both are in one batch. Across batches the
        # inbox tells them apart by entity; within the batch the Ontario rule
        # was taken for a duplicate and lost, its offset committed past it.
        ontario = _envelope(5, "ON")
        spoof = _envelope(1, "BC")
        spoof.event_id = ontario.event_id
        batch = read([Delivery(BC, 0, 0, b"k", spoof.SerializeToString()),
                      Delivery(ON, 0, 0, b"k", ontario.SerializeToString())])
        store = InMemoryStore()
        report = apply_batch(store, "g", batch)
        assert [o for _, o in report.outcomes] == [APPLIED, APPLIED]
        with store.reader() as repo:
            assert [r.id for r in repo.rules_from(["ON:COLL:ENGL 5"])] == ["ON:5"]


class TestEventIdsTheStoreCannotHold:
    """An event id is checked at the hub: the inbox and dead letters keep 128 characters."""

    @pytest.mark.parametrize("event_id", ["x" * 129, "a\x00b", "tab\there"])
    def test_an_unfit_event_id_is_unreadable_and_not_carried(self, event_id: str) -> None:
        envelope = _envelope(1)
        envelope.event_id = event_id
        with pytest.raises(UnreadableEvent) as caught:
            translate(BC, envelope.SerializeToString())
        assert caught.value.code == "unreadable" and "event_id" in caught.value.reason
        assert caught.value.event_id is None
        assert "\x00" not in caught.value.reason

    def test_a_dead_letter_the_store_refuses_is_kept_plainer_and_the_partition_goes_on(
            self) -> None:
        # Like PostgreSQL refusing a text it cannot hold (a NUL, a too-long id):
        # the dead letter alone failing must not stop the stream for good.
        store = _RefusingLetterIds()
        foreign = _envelope(1, "ON")  # on BC's topic: a dead letter with its event id
        batch = read([Delivery(BC, 0, 0, b"k", foreign.SerializeToString()),
                      Delivery(BC, 0, 1, b"k", _envelope(2).SerializeToString())])
        report = apply_isolating(store, "g", batch)  # type: ignore[arg-type]
        assert [o for _, o in report.outcomes] == [DEAD_LETTERED, APPLIED]
        with store.inner.unit_of_work() as uow:
            (letter,) = uow.ledger.dead_letters()
            assert letter.reason.startswith("province_mismatch")
            assert letter.value == foreign.SerializeToString()
            assert uow.ledger.offsets("g") == {(BC, 0): 2}


class _RefusingLetterIds:
    """A store that refuses (not retryably) every dead letter carrying an event id."""

    def __init__(self) -> None:
        self.inner = InMemoryStore()

    def unit_of_work(self):  # type: ignore[no-untyped-def]
        outer = self

        class Unit:
            def __enter__(self):  # type: ignore[no-untyped-def]
                self.uow = outer.inner.unit_of_work().__enter__()
                self.equivalencies, self.ledger = self.uow.equivalencies, self.uow.ledger
                original = self.ledger.add_dead_letter

                def add_dead_letter(letter):  # type: ignore[no-untyped-def]
                    if letter.event_id is not None:
                        raise ValueError("value too long for type character varying(128)")
                    return original(letter)

                self.ledger.add_dead_letter = add_dead_letter
                return self

            def __exit__(self, *exc):  # type: ignore[no-untyped-def]
                return self.uow.__exit__(*exc)

            def commit(self) -> None:
                self.uow.commit()

        return Unit()


class TestBrokerBlipWhilePublishingDeadLetters:
    """The broker unreachable while a dead letter is published: retried, the stream goes on."""

    def test_a_kafka_error_publishing_a_dead_letter_is_retried_then_the_batch_commits(
            self) -> None:
        import asyncio
        from types import SimpleNamespace

        from aiokafka import TopicPartition
        from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError

        from hub.ingest.batch import handle_batch
        from hub.ingest.consumer import Ingest, IngestSettings
        from tests.unit.ingest_fakes import FakeConsumer, FakeProducer

        tp = TopicPartition(BC, 0)

        foreign = _envelope(1, "ON").SerializeToString()
        records = [[SimpleNamespace(topic=BC, partition=0, offset=0, key=b"k", value=foreign),
                    SimpleNamespace(topic=BC, partition=0, offset=1, key=b"k",
                                    value=_envelope(2).SerializeToString())]]
        store = InMemoryStore()
        ingest = Ingest(store, IngestSettings("unused:9092", retry_max_wait=0.01))
        consumer = FakeConsumer(tp)
        producer = FakeProducer([KafkaTimeoutError(), KafkaConnectionError()])
        ingest.consumer, ingest.producer = consumer, producer  # type: ignore[assignment]
        asyncio.run(handle_batch(ingest, records))
        assert producer.sent == [foreign]
        assert consumer.committed == [{tp: 2}]
        with store.unit_of_work() as uow:
            assert uow.ledger.offsets(ingest.settings.group) == {(BC, 0): 2}
