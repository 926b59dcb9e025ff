"""Dead letters on Kafka: publish to ``transferhub.deadletter``, replay to the original topic.

A dead letter keeps the original key and bytes; its headers say why and where
it came from (``reason``, ``topic``, ``partition``, ``offset``, ``province``,
``event_id``), so a consumer of the dead-letter topic needs nothing else.
It is published *before* the batch that records it commits: a crash in
between publishes it again (at least once), never loses it.

Replay re-drives a stored dead letter through the ingest: it is translated
again with today's rules; when it now reads, it is produced back to its
original topic (the ingest applies it in order, by version) and marked
replayed; when it still fails, it stays a dead letter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence

from aiokafka import AIOKafkaProducer

from hub.domain.errors import NotFound
from hub.ingest.deliveries import Handled
from hub.ingest.errors import PoisonEvent
from hub.ingest.translate import translate
from hub.store.ports import DeadLetter, Store
from transferhub.broker import DEADLETTER_TOPIC


def headers_of(handled: Handled) -> list[tuple[str, bytes]]:
    """The Kafka headers of a dead letter."""
    d, poison = handled.delivery, handled.poison
    pairs = {
        "reason": poison.reason if poison else "",
        "topic": d.topic,
        "partition": str(d.partition),
        "offset": str(d.offset),
        "province": handled.province,
        "event_id": (poison.event_id if poison else None) or "",
    }
    return [(k, v.encode()) for k, v in pairs.items()]


async def publish_dead_letters(producer: AIOKafkaProducer, letters: Iterable[Handled],
                               topic: str = DEADLETTER_TOPIC) -> int:
    """Publish each dead letter and wait for the broker's acknowledgement; how many."""
    futures = [await producer.send(topic, value=h.delivery.value or b"", key=h.delivery.key,
                                   headers=headers_of(h)) for h in letters]
    if futures:
        await asyncio.gather(*futures)
    return len(futures)


def _still_poison(letter: DeadLetter) -> str | None:
    """Why ``letter`` still cannot be applied; None when it now reads."""
    try:
        translate(letter.topic, letter.value)
    except PoisonEvent as exc:
        return exc.reason
    return None


async def replay_dead_letters(store: Store, producer: AIOKafkaProducer,
                              ids: Sequence[int]) -> tuple[int, list[tuple[int, str]]]:
    """Re-drive dead letters (every unreplayed one when ``ids`` is empty);
    ``(applied, failures)``.

    ``applied`` counts those produced back to their topic (the ingest applies
    them from there); ``failures`` those that still do not read and stay, each
    ``(id, reason)``, in id order.
    An id the hub has no dead letter for raises ``NotFound`` naming it, and
    nothing is replayed: an operator's typo must not read as "nothing to do".
    """
    def load() -> list[DeadLetter]:
        with store.unit_of_work() as uow:
            letters = uow.ledger.dead_letters(limit=1_000_000, include_replayed=bool(ids))
        wanted = set(ids)
        return [x for x in letters if not wanted or x.id in wanted]

    letters = await asyncio.to_thread(load)
    unknown = sorted(set(ids).difference(x.id for x in letters))
    if unknown:
        raise NotFound(f"no dead letter has id {', '.join(map(str, unknown))}", field="ids")
    failures = sorted((x.id or 0, why) for x in letters if (why := _still_poison(x)))
    failed = {ident for ident, _ in failures}
    good = [x for x in letters if (x.id or 0) not in failed]
    futures = [await producer.send(x.topic, value=x.value, key=x.key) for x in good]
    if futures:
        await asyncio.gather(*futures)

    def mark() -> None:
        with store.unit_of_work() as uow:
            uow.ledger.mark_replayed([x.id for x in good if x.id is not None])
            uow.commit()

    if good:
        await asyncio.to_thread(mark)
    return len(good), failures
