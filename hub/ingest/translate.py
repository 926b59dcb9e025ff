"""Kafka bytes → domain command: the exact inverse of ``adapters/base/events.py``.

This module reads the envelope; :mod:`hub.ingest.payloads` turns its payload
into a command, checking each field with :mod:`hub.ingest.fields`.

The hub validates whatever the adapter did: an event must speak for the
province of its topic and write only that province's institutions,
credentials and rules (a rule's *sending* credentials may come from anywhere:
that is what a transfer is). Anything else raises a :class:`PoisonEvent` whose
reason names the field, and the event goes to the dead letters.

Speed: adapters stamp a whole run with one time, so each distinct
``occurred_at`` text is converted once and kept in a bounded memo
(:class:`~hub.memo.Memo`); only what succeeded is kept, so a bad value raises
every time it is met.
"""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.message import DecodeError

from hub.domain.errors import DomainError
from hub.domain.identifiers import province_of
from hub.ingest.commands import (
    Command,
    IncomingEvent,
    RetireCredential,
    RevokeRule,
    UpsertCredential,
    UpsertInstitution,
    UpsertRule,
)
from hub.ingest.errors import ForeignEvent, PoisonEvent, UnreadableEvent
from hub.ingest.payloads import COMMANDS
from hub.memo import Memo
from transferhub.broker import EVENT_TOPIC_PREFIX
from transferhub.events.v1 import events_pb2 as pb

_PROVINCE_OF_TOPIC = Memo(lambda topic: topic.removeprefix(EVENT_TOPIC_PREFIX).upper(), 1_000)


def topic_province(topic: str) -> str:
    """The province a topic belongs to: ``BC`` for ``transferhub.events.bc``."""
    return _PROVINCE_OF_TOPIC[topic]


def translate(topic: str, value: bytes | None) -> IncomingEvent:
    """The event in ``value`` read from ``topic``, or :class:`PoisonEvent` with the reason.

    The poison error carries the envelope's ``event_id`` when the bytes parse.
    """
    if value is None:  # what a producer sends to delete a key in a compacted topic
        raise UnreadableEvent("unreadable", "the message has no value (a Kafka tombstone), "
                                            "not an EventEnvelope; events are never deleted")
    if not value:
        raise UnreadableEvent("unreadable", "the message is empty (no bytes), not an "
                                            "EventEnvelope")
    envelope = pb.EventEnvelope()
    try:
        envelope.ParseFromString(value)
    except DecodeError as exc:
        raise UnreadableEvent("unreadable", f"not an EventEnvelope ({exc})") from None
    try:
        return _translate(topic, envelope)
    except PoisonEvent as exc:
        exc.event_id = envelope.event_id if _fit_event_id(envelope.event_id) else None
        raise


MAX_EVENT_ID = 128  # the inbox's and the dead letters' column


def _fit_event_id(text: str) -> bool:
    """Whether ``text`` can be stored as an event id (no control character, not too long).

    An id the store cannot hold would be refused with its dead letter too, and
    that refusal would stop the partition for good (PostgreSQL keeps no NUL).
    """
    return 0 < len(text) <= MAX_EVENT_ID and text.isprintable()


def _translate(topic: str, envelope: pb.EventEnvelope) -> IncomingEvent:
    expected = topic_province(topic)
    if not envelope.event_id:
        raise UnreadableEvent("unreadable", "event_id is empty")
    if not _fit_event_id(envelope.event_id):
        raise UnreadableEvent(
            "unreadable", f"event_id {envelope.event_id[:40]!r} is not at most"
                          f" {MAX_EVENT_ID} printable characters")
    if envelope.province != expected:
        raise ForeignEvent(
            "province_mismatch",
            f"province {envelope.province!r} published on topic {topic} (expects {expected!r})",
        )
    version = envelope.version
    if version < 0:
        raise UnreadableEvent("unreadable", f"version {version} is negative")
    kind = envelope.WhichOneof("payload")
    if kind is None:
        raise UnreadableEvent("unreadable", "the envelope carries no payload")
    try:
        command, key = COMMANDS[kind](getattr(envelope, kind), version)
    except DomainError as exc:
        raise UnreadableEvent("unreadable", f"{kind}: {exc}") from None
    except ValueError as exc:  # an enum word the model does not know
        raise UnreadableEvent("unreadable", f"{kind}: {exc}") from None
    if envelope.entity_key != key:
        raise UnreadableEvent(
            "entity_key_mismatch", f"entity_key {envelope.entity_key!r} but payload is {key!r}"
        )
    _check_province(command, key, expected)
    return IncomingEvent(
        event_id=envelope.event_id,
        province=expected,
        entity_key=key,
        version=version,
        occurred_at=_TIMESTAMPS[envelope.occurred_at],
        source=envelope.source,
        command=command,
    )


def _timestamp(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UnreadableEvent(
            "unreadable", f"occurred_at {text!r} is not an RFC 3339 timestamp"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# Adapters stamp a whole run with one time: few distinct texts.
_TIMESTAMPS = Memo(_timestamp, 10_000)
_WORDS = {UpsertInstitution: "institution", UpsertCredential: "credential",
          RetireCredential: "credential", UpsertRule: "rule", RevokeRule: "rule"}


def _check_province(command: Command, key: str, province: str) -> None:
    if province_of(key) != province:
        word = _WORDS[type(command)]
        raise ForeignEvent(f"foreign_{word}",
                           f"{word} {key!r} belongs to another province than {province}")
    if type(command) is UpsertRule:
        receiving = command.rule.receiving_institution
        if province_of(receiving) != province:
            raise ForeignEvent(
                "foreign_receiving_institution",
                f"rule {key!r} names receiving institution {receiving!r}, "
                f"not one of {province}",
            )
