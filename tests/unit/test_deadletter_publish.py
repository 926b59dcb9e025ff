"""A dead letter too large for the dead-letter topic goes out as a stand-in without its bytes.

The producer here is a stand-in for aiokafka's (a unit test of the hub's own logic);
tests/integration/test_ingest_consumer.py sends a large poison event through the real
broker.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka.errors import MessageSizeTooLargeError

from hub.ingest.deadletters import publish_dead_letters, replay_dead_letters
from hub.ingest.deliveries import Delivery, Handled, read
from hub.ingest.errors import UnreadableEvent
from hub.store.memory_ledger import InMemoryStore
from tests.integration.ingest_helpers import rule, upserted

LIMIT = 100


class Producer:
    """Refuses values over ``LIMIT`` bytes at ``send`` (client) or in the future (broker)."""

    def __init__(self, where: str, limit: int = LIMIT) -> None:
        self.where, self.limit = where, limit
        self.published: list[dict[str, Any]] = []

    async def send(self, topic: str, value: bytes, key: bytes | None = None,
                   headers: list[tuple[str, bytes]] | None = None) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if len(value) > self.limit:
            if self.where == "client":
                raise MessageSizeTooLargeError()
            future.set_exception(MessageSizeTooLargeError())
            return future
        self.published.append({"topic": topic, "value": value, "key": key,
                               "headers": dict(headers or [])})
        future.set_result(None)
        return future


def letter(offset: int, value: bytes, key: bytes = b"BC:1") -> Handled:
    return Handled(Delivery("transferhub.events.bc", 0, offset, key, value),
                   poison=UnreadableEvent("unreadable", "not an envelope"))


@pytest.mark.parametrize("where", ["client", "broker"])
async def test_a_letter_too_large_is_published_without_its_bytes(where: str) -> None:
    producer = Producer(where)
    letters = [letter(1, b"small"), letter(2, b"x" * (LIMIT + 1)),
               letter(3, b"y" * (LIMIT + 1), key=b"k" * 5000), letter(4, b"after")]
    assert await publish_dead_letters(producer, letters) == 4  # type: ignore[arg-type]
    by_offset = {p["headers"]["offset"]: p for p in producer.published}
    assert sorted(by_offset) == [b"1", b"2", b"3", b"4"]
    assert (by_offset[b"1"]["value"], by_offset[b"4"]["value"]) == (b"small", b"after")
    for offset, key in ((b"2", b"BC:1"), (b"3", None)):   # a hostile 5,000-byte key is left out
        stand_in = by_offset[offset]
        assert (stand_in["value"], stand_in["key"]) == (b"", key)
        assert stand_in["headers"]["reason"] == b"unreadable: not an envelope"
        assert b"too large" in stand_in["headers"]["value_omitted"]
    assert "value_omitted" not in by_offset[b"1"]["headers"]



async def test_replay_reports_a_letter_the_broker_will_not_take_back_and_sends_the_rest(
        ) -> None:
    store = InMemoryStore()
    small = upserted(rule(1), 1)[2]
    large = upserted(replace(rule(2), notes="n" * 500), 1)[2]
    with store.unit_of_work() as uow:
        for offset, value in enumerate((small, large)):
            uow.ledger.add_dead_letter(Handled(
                Delivery("transferhub.events.bc", 0, offset, b"k", value),
                poison=UnreadableEvent("store_rejected", "x")).dead_letter(datetime.now(UTC)))
        uow.commit()
    producer = Producer("client", limit=len(small))
    replayed, failures, _ = await replay_dead_letters(store, producer, [])  # type: ignore[arg-type]
    assert replayed == 1 and [p["value"] for p in producer.published] == [small]
    assert [(ident, why.split(":")[0]) for ident, why in failures] == [(2, "too_large")]
    with store.unit_of_work() as uow:   # the one not sent stays to replay
        assert [x.value for x in uow.ledger.dead_letters()] == [large]


async def test_a_tombstone_replayed_is_still_called_a_tombstone() -> None:
    store = InMemoryStore()
    with store.unit_of_work() as uow:
        for handled in read([Delivery("transferhub.events.bc", 0, offset, b"k", value)
                             for offset, value in enumerate((None, b""))]):
            uow.ledger.add_dead_letter(handled.dead_letter(datetime.now(UTC)))
        uow.commit()
    with store.unit_of_work() as uow:
        recorded = [x.reason for x in uow.ledger.dead_letters()]
    replayed, failures, _ = await replay_dead_letters(store, Producer("client"), [])  # type: ignore[arg-type]
    assert replayed == 0
    assert [why for _, why in failures] == recorded  # each fails for the reason it was kept
    assert "tombstone" in failures[0][1] and "empty" in failures[1][1]


def _replayable(n: int) -> InMemoryStore:
    """A store holding ``n`` dead letters that read today (ids 1 to ``n``)."""
    store = InMemoryStore()
    with store.unit_of_work() as uow:
        for offset in range(n):
            uow.ledger.add_dead_letter(Handled(
                Delivery("transferhub.events.bc", 0, offset, b"k", upserted(rule(offset), 1)[2]),
                poison=UnreadableEvent("store_rejected", "x")).dead_letter(datetime.now(UTC)))
        uow.commit()
    return store


async def test_a_letter_another_replay_holds_is_left_to_it() -> None:
    store = _replayable(3)
    now = datetime.now(UTC)
    with store.unit_of_work() as uow:   # another replay, still running, holds letter 2
        assert uow.ledger.claim_replay([2], now=now, until=now.replace(year=now.year + 1)) == [2]
        uow.commit()
    producer = Producer("client", limit=1 << 20)
    # 2 is left to the other replay: counted, not a failure
    assert await replay_dead_letters(store, producer, []) == (2, [], 1)  # type: ignore[arg-type]
    assert len(producer.published) == 2
    replayed, failures, elsewhere = await replay_dead_letters(store, producer, [1, 2])  # type: ignore[arg-type]
    assert (replayed, elsewhere) == (1, 0)   # 1 again, as asked by name; 2 is the other's
    assert [(ident, why.split(":")[0]) for ident, why in failures] == [(2, "being_replayed")]
    with store.unit_of_work() as uow:   # what this replay claimed it gave back
        assert uow.ledger.claim_replay([1, 3], now=now, until=now, again=True) == [1, 3]


async def test_a_replay_marks_what_it_sent_a_chunk_at_a_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A replay killed part-way must not send again what it had already sent: a tester's
    60,000-letter replay, marked only at its end, sent 31,279 twice after a SIGKILL."""
    from hub.ingest import deadletters

    monkeypatch.setattr(deadletters, "REPLAY_CHUNK", 2)
    store = _replayable(5)

    class Dies(Producer):
        async def send(self, topic: str, value: bytes, key: bytes | None = None,
                       headers: list[tuple[str, bytes]] | None = None) -> asyncio.Future[None]:
            if len(self.published) == 3:
                raise ConnectionError("the hub died here")
            return await super().send(topic, value, key, headers)

    with pytest.raises(ConnectionError):
        await replay_dead_letters(store, Dies("client", limit=1 << 20), [])  # type: ignore[arg-type]
    with store.unit_of_work() as uow:   # the first chunk is marked; the rest stay to replay
        assert [x.id for x in uow.ledger.dead_letters()] == [3, 4, 5]
    again = Producer("client", limit=1 << 20)
    assert await replay_dead_letters(store, again, []) == (3, [], 0)  # type: ignore[arg-type]


async def test_ids_that_name_no_dead_letter_are_named_ten_at_most() -> None:
    """500 unknown ids made a NOT_FOUND message of a few KiB (an integrator)."""
    from hub.domain.errors import NotFound

    store = _replayable(2)
    producer = Producer("client", limit=1 << 20)
    with pytest.raises(NotFound) as few:
        await replay_dead_letters(store, producer, [1, 9, 7])  # type: ignore[arg-type]
    assert str(few.value).endswith("no dead letter has id 7, 9")
    with pytest.raises(NotFound) as many:
        await replay_dead_letters(store, producer, list(range(3, 503)))  # type: ignore[arg-type]
    assert str(many.value).endswith(
        "no dead letter has id 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 (and 490 more)")
    assert few.value.field == many.value.field == "ids" and producer.published == []
