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
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import MessageSizeTooLargeError

from hub.api.operator import Replayed
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


MAX_PRODUCED = 32 * 1024 * 1024
"""The hub's producer's ``max_request_size``: a dead letter as large as a record the
ingest fetches (16 MiB) and more goes out whole where the broker takes it."""

MAX_KEPT_KEY = 1024
"""Bytes of a key a stand-in keeps (a larger one is hostile or broken, and left out too)."""


def _stand_in(handled: Handled, topic: str) -> dict[str, Any]:
    """What is published for a dead letter too large for ``topic``: its headers, with
    ``value_omitted`` saying so, and no value (the hub's stored dead letter keeps it)."""
    d = handled.delivery
    size = len(d.value or b"") + len(d.key or b"")
    note = (f"{size} bytes, too large for {topic}: the hub's stored dead letter keeps them "
            "(transferhub deadletters list)")
    key = d.key if d.key is not None and len(d.key) <= MAX_KEPT_KEY else None
    return {"value": b"", "key": key, "headers": [*headers_of(handled),
                                                  ("value_omitted", note.encode())]}


async def publish_dead_letters(producer: AIOKafkaProducer, letters: Iterable[Handled],
                               topic: str = DEADLETTER_TOPIC) -> int:
    """Publish each dead letter and wait for the broker's acknowledgement; how many.

    A letter larger than the producer or the broker takes (the client's
    ``max_request_size``, the topic's ``max.message.bytes``) is published as a
    stand-in without its bytes (:func:`_stand_in`). Before, the refusal ended
    the hub, and again at every restart: the partition never went on (a hostile
    1.1 MB event, found by a tester).
    """
    sent: list[tuple[Handled, asyncio.Future[Any]]] = []
    for h in letters:
        try:
            future = await producer.send(topic, value=h.delivery.value or b"",
                                         key=h.delivery.key, headers=headers_of(h))
        except MessageSizeTooLargeError:   # the client's own limit, known at once
            future = await producer.send(topic, **_stand_in(h, topic))
        sent.append((h, future))
    for h, future in sent:
        try:
            await future
        except MessageSizeTooLargeError:   # the broker's limit
            await (await producer.send(topic, **_stand_in(h, topic)))
    return len(sent)


def _too_large(letter: DeadLetter) -> str:
    return (f"too_large: {len(letter.value)} bytes, more than the broker takes on "
            f"{letter.topic}")


def _still_poison(letter: DeadLetter) -> str | None:
    """Why ``letter`` still cannot be applied; None when it now reads.

    No bytes never read: a tombstone is stored with none, as an empty message is,
    and its recorded reason says which it was.
    """
    if not letter.value:
        return letter.reason
    try:
        translate(letter.topic, letter.value)
    except PoisonEvent as exc:
        return exc.reason
    return None


CLAIM_SECONDS = 900
"""How long a replay holds the letters it claimed. A replay gives them back when
it ends, however it ends; one whose process died holds them this long, then
another replay may take them. Producing even a million letters back takes far
less; were a replay to outlast its claim, a second replay could send a letter
again, which the ingest counts a duplicate and applies once."""


REPLAY_CHUNK = 1000
"""Letters sent between two marks in the store: a replay killed part-way sends again
at most this many that were already sent (a tester's 60,000-letter replay killed
half-way, marked only at its end, sent 31,279 twice once its claim ran out)."""


def _mark_replayed(store: Store, letters: Sequence[DeadLetter]) -> None:
    if letters:
        with store.unit_of_work() as uow:
            uow.ledger.mark_replayed([x.id for x in letters if x.id is not None])
            uow.commit()


def _claimed_elsewhere(ident: int) -> tuple[int, str]:
    return ident, ("being_replayed: another replay holds this dead letter (one running "
                   "now, on this hub or another, or one that stopped less than "
                   f"{CLAIM_SECONDS // 60} minutes ago); this replay did not send it")


NAMED_IN_A_MESSAGE = 10
"""Unknown ids a NOT_FOUND names; 500 of them made a message of a few KiB (an integrator)."""


def _no_such(unknown: list[int]) -> str:
    """``no dead letter has id 4, 9`` (the first ten, and how many more)."""
    named = ", ".join(map(str, unknown[:NAMED_IN_A_MESSAGE]))
    more = len(unknown) - NAMED_IN_A_MESSAGE
    return f"no dead letter has id {named}" + (f" (and {more:,} more)" if more > 0 else "")


async def replay_dead_letters(store: Store, producer: AIOKafkaProducer,
                              ids: Sequence[int]) -> Replayed:
    """Re-drive dead letters (every unreplayed one when ``ids`` is empty).

    ``applied`` counts those produced back to their topic (the ingest applies
    them from there); ``failures`` those that still do not read and stay, each
    ``(id, reason)``, in id order; ``being_replayed`` those left to another
    replay (counted, not failures, when no ids are named).
    An id the hub has no dead letter for raises ``NotFound`` naming it, and
    nothing is replayed: an operator's typo must not read as "nothing to do".

    The letters are claimed in the store before any is sent (see
    :meth:`~hub.store.ports.IngestLedger.claim_replay`), so replays at once, on
    one hub or several sharing a store, share the letters out and never send
    one twice. A letter another replay holds is left to it; when ``ids`` names
    it, it is a failure saying so.
    """
    def load_and_claim() -> tuple[list[DeadLetter], set[int]]:
        now = datetime.now(UTC)
        with store.unit_of_work() as uow:
            letters = uow.ledger.dead_letters(limit=1_000_000, include_replayed=bool(ids))
            wanted = set(ids)
            letters = [x for x in letters if not wanted or x.id in wanted]
            unknown = sorted(wanted.difference(x.id for x in letters))
            if unknown:
                raise NotFound(_no_such(unknown), field="ids")
            claimed = uow.ledger.claim_replay(
                [x.id for x in letters if x.id is not None], now=now,
                until=now + timedelta(seconds=CLAIM_SECONDS), again=bool(ids))
            uow.commit()
        return letters, set(claimed)

    letters, claimed = await asyncio.to_thread(load_and_claim)
    failures = [_claimed_elsewhere(x.id or 0) for x in letters
                if ids and x.id not in claimed]
    elsewhere = 0 if ids else sum(1 for x in letters if x.id not in claimed)
    letters = [x for x in letters if x.id in claimed]
    good: list[DeadLetter] = []
    try:
        failures += [(x.id or 0, why) for x in letters if (why := _still_poison(x))]
        failed = {ident for ident, _ in failures}
        waiting = [x for x in letters if (x.id or 0) not in failed]
        for start in range(0, len(waiting), REPLAY_CHUNK):
            sent: list[tuple[DeadLetter, asyncio.Future[Any]]] = []
            for x in waiting[start:start + REPLAY_CHUNK]:
                try:
                    sent.append((x, await producer.send(x.topic, value=x.value, key=x.key)))
                except MessageSizeTooLargeError:
                    failures.append((x.id or 0, _too_large(x)))
            acked: list[DeadLetter] = []
            for x, future in sent:
                try:
                    await future
                except MessageSizeTooLargeError:
                    failures.append((x.id or 0, _too_large(x)))
                else:
                    acked.append(x)
            await asyncio.to_thread(_mark_replayed, store, acked)
            good += acked
    finally:
        done = {x.id for x in good}

        def release() -> None:
            with store.unit_of_work() as uow:
                uow.ledger.release_replay(sorted(i for i in claimed if i not in done))
                uow.commit()

        if claimed - done:
            await asyncio.shield(asyncio.to_thread(release))
    failures.sort()
    return Replayed(len(good), failures, elsewhere)
