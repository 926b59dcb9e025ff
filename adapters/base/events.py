"""Domain records → canonical ``transferhub.events.v1.EventEnvelope`` (one direction only).

The payloads inside (domain ↔ protobuf, field by field) are
:mod:`adapters.base.payloads`; its names stay importable from here, where
the snapshot differ, the bench and the tests reach them (``events.payload_of``).

Envelope fields: ``event_id`` = :func:`event_id` (UUIDv5 in :data:`EVENT_NAMESPACE`
over ``"<EventType>|<entity key>|<version>"``, so the hub can recompute it),
``occurred_at`` RFC 3339 UTC to the second, ``version`` the entity's version,
``entity_key`` the entity id. Kafka topic :func:`topic_for` (``transferhub.events.bc``),
Kafka key :func:`kafka_key` (the entity key, UTF-8).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

from adapters.base.payloads import (
    Payload,
    content_digest,
    credential_body,
    credential_payload,
    entity_kind,
    institution_payload,
    payload_of,
    rule_payload,
    upsert_body,
)
from adapters.base.wire import varint
from hub.domain.model import Credential, Institution, Rule
from transferhub.broker import event_topic
from transferhub.events.v1 import events_pb2 as pb

__all__ = [  # with the payload names, which callers still write as events.<name>
    "EVENT_NAMESPACE", "REVOKED_VANISHED", "EnvelopeEncoder", "Payload", "content_digest",
    "credential_body", "credential_payload", "credential_retired", "encoded_envelope",
    "entity_kind", "envelope", "envelope_to_bytes", "event_id", "institution_payload",
    "kafka_key", "payload_of", "rfc3339", "rule_payload", "rule_revoked", "topic_for",
    "upsert_body", "upserted",
]

EVENT_NAMESPACE = uuid.UUID("5b0f4c8e-3f0a-5d43-9c55-7472616e7366")
"""Namespace of event ids; fixed forever, so ids are stable across releases."""

_NAMESPACE_BYTES = EVENT_NAMESPACE.bytes
_NAMESPACE_SHA1 = hashlib.sha1(_NAMESPACE_BYTES)  # copied per id: the prefix is hashed once
REVOKED_VANISHED = "vanished from export"

# Envelope oneof field for each payload message name (the event type).
_PAYLOAD_FIELD = {
    "InstitutionUpserted": "institution_upserted",
    "CredentialUpserted": "credential_upserted",
    "CredentialRetired": "credential_retired",
    "RuleUpserted": "rule_upserted",
    "RuleRevoked": "rule_revoked",
}


_PAYLOAD_NUMBER = {name: pb.EventEnvelope.DESCRIPTOR.fields_by_name[field].number
                   for name, field in _PAYLOAD_FIELD.items()}
_PAYLOAD_TAG = {name: bytes((number << 3 | 2,)) for name, number in _PAYLOAD_NUMBER.items()}


def event_id(event_type: str, entity_key: str, version: int) -> str:
    """The deterministic event id: UUIDv5 over (event type, entity key, version).

    Equal to ``str(uuid.uuid5(EVENT_NAMESPACE, f"{event_type}|{entity_key}|{version}"))``,
    computed without building ``UUID`` objects (it runs once per published event).
    """
    sha = _NAMESPACE_SHA1.copy()  # UUIDv5 is SHA-1 by definition
    sha.update(f"{event_type}|{entity_key}|{version}".encode())
    h = sha.hexdigest()
    # Set the version (5) and variant (10xx) bits in hex: characters 12 and 16.
    return (f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}")


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def rfc3339(moment: datetime | None = None) -> str:
    """``2026-11-29T18:00:00Z`` for ``moment`` (default: now), in UTC."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def topic_for(province: str) -> str:
    """The topic a province writes (``transferhub.events.on`` for ``ON``)."""
    return event_topic(province)


def kafka_key(envelope: pb.EventEnvelope) -> bytes:
    """The Kafka message key: the entity key, UTF-8."""
    return envelope.entity_key.encode("utf-8")


def envelope_to_bytes(envelope: pb.EventEnvelope) -> bytes:
    """The Kafka message value: the envelope's deterministic wire form."""
    return envelope.SerializeToString(deterministic=True)



def envelope(payload: Payload | pb.CredentialRetired | pb.RuleRevoked, *, province: str,
             entity_key: str, version: int, occurred_at: str, source: str,
             export_generated_at: str = "") -> pb.EventEnvelope:
    """Wrap a payload in its envelope with the deterministic event id."""
    event_type = payload.DESCRIPTOR.name
    return pb.EventEnvelope(
        event_id=event_id(event_type, entity_key, version), province=province,
        entity_key=entity_key, version=version, occurred_at=occurred_at, source=source,
        export_generated_at=export_generated_at, **{_PAYLOAD_FIELD[event_type]: payload},
    )


def encoded_envelope(payload: Payload | pb.CredentialRetired | pb.RuleRevoked, *,
                     province: str, entity_key: str, version: int, occurred_at: str,
                     source: str, payload_bytes: bytes | None = None,
                     export_generated_at: str = "") -> bytes:
    """``envelope_to_bytes(envelope(payload, …))``, without copying the payload.

    Deterministic serialization writes fields in number order and the payload's
    oneof fields (10 to 14) come after the header's (1 to 7), so the header's bytes
    followed by the payload field are exactly the envelope's bytes.
    ``payload_bytes``, when given, is the payload's deterministic serialization.
    """
    event_type = payload.DESCRIPTOR.name
    header = pb.EventEnvelope(
        event_id=event_id(event_type, entity_key, version), province=province,
        entity_key=entity_key, version=version, occurred_at=occurred_at, source=source,
        export_generated_at=export_generated_at,
    ).SerializeToString(deterministic=True)
    body = payload_bytes if payload_bytes is not None else payload.SerializeToString(
        deterministic=True)
    number = pb.EventEnvelope.DESCRIPTOR.fields_by_name[_PAYLOAD_FIELD[event_type]].number
    return header + varint(number << 3 | 2) + varint(len(body)) + body


def _text_field(number: int, text: str) -> bytes:
    """One string field in wire form; empty strings are omitted, as proto3 does."""
    if not text:
        return b""
    data = text.encode("utf-8")
    return varint(number << 3 | 2) + varint(len(data)) + data


class EnvelopeEncoder:
    """:func:`encoded_envelope` for one run, with the fields every event shares encoded once.

    Same bytes as ``envelope_to_bytes(envelope(…))``: header fields 1 to 7 in
    number order, then the payload field, defaults omitted.
    """

    def __init__(self, *, province: str, occurred_at: str, source: str,
                 export_generated_at: str = "") -> None:
        self.province = _text_field(2, province)
        self.tail = (_text_field(5, occurred_at) + _text_field(6, source)
                     + _text_field(7, export_generated_at))
        self._fallback = {"province": province, "occurred_at": occurred_at, "source": source,
                          "export_generated_at": export_generated_at}

    def encode(self, payload: Payload, body: bytes, *, entity_key: str, version: int) -> bytes:
        """The envelope of ``payload`` (serialized deterministically as ``body``)."""
        if version < 0:  # negative varints are rare: let protobuf encode them
            return encoded_envelope(payload, entity_key=entity_key, version=version,
                                    payload_bytes=body, **self._fallback)
        return self.encode_body(payload.DESCRIPTOR.name, body, entity_key=entity_key,
                                version=version)

    def encode_body(self, event_type: str, body: bytes, *, entity_key: str,
                    version: int) -> bytes:
        """The envelope of an ``event_type`` payload serialized as ``body``.

        ``body`` is as :func:`upsert_body` gives it; an event id is 36 characters.
        """
        if version < 0:
            return encoded_envelope(getattr(pb, event_type).FromString(body),
                                    entity_key=entity_key, version=version,
                                    payload_bytes=body, **self._fallback)
        key = entity_key.encode()
        return b"".join((
            b"\x0a\x24", event_id(event_type, entity_key, version).encode(), self.province,
            b"\x1a" + varint(len(key)) + key if key else b"",
            b"\x20" + varint(version) if version else b"", self.tail,
            _PAYLOAD_TAG[event_type], varint(len(body)), body))


def upserted(record: Institution | Credential | Rule, *, version: int, province: str,
             occurred_at: str, source: str, export_generated_at: str = "") -> pb.EventEnvelope:
    """``InstitutionUpserted`` / ``CredentialUpserted`` / ``RuleUpserted`` at ``version``."""
    return envelope(payload_of(record), province=province, entity_key=record.id,
                    version=version, occurred_at=occurred_at, source=source,
                    export_generated_at=export_generated_at)


def credential_retired(credential_id: str, *, version: int, province: str, occurred_at: str,
                       source: str, export_generated_at: str = "") -> pb.EventEnvelope:
    """``CredentialRetired`` at the credential's last version (a removal wins a tie)."""
    return envelope(pb.CredentialRetired(credential_id=credential_id), province=province,
                    entity_key=credential_id, version=version, occurred_at=occurred_at,
                    source=source, export_generated_at=export_generated_at)


def rule_revoked(rule_id: str, *, version: int, province: str, occurred_at: str, source: str,
                 reason: str = REVOKED_VANISHED, export_generated_at: str = ""
                 ) -> pb.EventEnvelope:
    """``RuleRevoked`` at the rule's last version (a removal wins a tie)."""
    return envelope(pb.RuleRevoked(rule_id=rule_id, reason=reason), province=province,
                    entity_key=rule_id, version=version, occurred_at=occurred_at, source=source,
                    export_generated_at=export_generated_at)
