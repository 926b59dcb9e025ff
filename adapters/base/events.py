"""Domain records → canonical ``transferhub.events.v1.EventEnvelope`` (one direction only).

The inverse (envelope → domain, in ``hub/ingest``) follows the same table, read
right to left; every mapping here is lossless so the round trip is the identity
(apart from the ``version`` the adapter assigns to institutions/credentials):

    domain (hub.domain.model)          protobuf (events.proto)
    ---------------------------------  -------------------------------------------
    None str (sector, subject, …)      ""  (proto3 default)
    None int (level, any_n)            0
    None float (value, credits)        field absent (proto3 ``optional``)
    date (valid_from, effective_*)     ``YYYY-MM-DD``; None ↔ ""
    StrEnum (kind, outcome)            its ``.value`` (``micro-credential``, ``no_credit``)
    GradingScale | None                ``grading`` highest first; None ↔ empty list
    CreditSystem(unit, standard)       ``credit_unit``, ``standard_course``
    tuple[...]                         repeated field, same order

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

from adapters.base import wire
from adapters.base.wire import iso_date, varint
from hub.domain.model import Credential, Grant, Institution, Rule
from hub.memo import IdentityMemo
from transferhub.broker import event_topic
from transferhub.events.v1 import events_pb2 as pb

EVENT_NAMESPACE = uuid.UUID("5b0f4c8e-3f0a-5d43-9c55-7472616e7366")
"""Namespace of event ids; fixed forever, so ids are stable across releases."""

_NAMESPACE_BYTES = EVENT_NAMESPACE.bytes
_NAMESPACE_SHA1 = hashlib.sha1(_NAMESPACE_BYTES)  # copied per id: the prefix is hashed once
Payload = pb.InstitutionUpserted | pb.CredentialUpserted | pb.RuleUpserted
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


def entity_kind(record: Institution | Credential | Rule) -> str:
    """``institution``, ``credential`` or ``rule``."""
    if isinstance(record, Rule):
        return "rule"
    if isinstance(record, Credential):
        return "credential"
    return "institution"


def institution_payload(inst: Institution) -> pb.InstitutionUpserted:
    """The ``InstitutionUpserted`` body of an institution."""
    grading = inst.grading.letters if inst.grading else ()
    return pb.InstitutionUpserted(
        institution_id=inst.id, name=inst.name, credit_unit=inst.credit_system.unit,
        standard_course=inst.credit_system.standard_course,
        grading=[pb.GradeThreshold(letter=k, min_percent=v) for k, v in grading],
        sector=inst.sector or "",
    )


def credential_payload(cred: Credential) -> pb.CredentialUpserted:
    """The ``CredentialUpserted`` body of a credential."""
    msg = pb.CredentialUpserted(
        credential_id=cred.id, kind=str(cred.kind), title=cred.title,
        subject=cred.subject or "", level=cred.level or 0,
        stacks_into=[pb.StackLink(target=s.target, value=s.value) for s in cred.stacks_into],
        competencies=list(cred.competencies),
        valid_from=iso_date(cred.valid_from), valid_to=iso_date(cred.valid_to),
    )
    if cred.value is not None:
        msg.value = cred.value
    return msg


def _grant(grant: Grant) -> pb.Grant:
    msg = pb.Grant(kind=str(grant.kind), code=grant.code or "", subject=grant.subject or "",
                   level=grant.level or 0, program=grant.program or "",
                   designation=grant.designation or "")
    if grant.credits is not None:
        msg.credits = grant.credits
    return msg


_GRANT_SETS_KEPT = 65536


# The alternatives as messages, built once per tuple: BC rows share parsed credit text.
# Protobuf copies the messages into each payload, so the kept ones are never changed.
_grant_sets_of = IdentityMemo(
    lambda alternatives: [pb.GrantSet(grants=[_grant(g) for g in alt]) for alt in alternatives],
    _GRANT_SETS_KEPT)


def rule_payload(rule: Rule) -> pb.RuleUpserted:
    """The ``RuleUpserted`` body of a rule."""
    return pb.RuleUpserted(
        rule_id=rule.id, sending=rule.sending, any_n=rule.any_n or 0,
        receiving_institution=rule.receiving_institution, outcome=str(rule.outcome),
        alternatives=_grant_sets_of(rule.alternatives) if rule.alternatives else (),
        min_grade=rule.min_grade or "", effective_start=iso_date(rule.effective_start),
        effective_end=iso_date(rule.effective_end), notes=rule.notes or "",
        notation=rule.notation or "",
    )


def payload_of(record: Institution | Credential | Rule) -> Payload:
    """The upsert body of any record."""
    if isinstance(record, Rule):
        return rule_payload(record)
    if isinstance(record, Credential):
        return credential_payload(record)
    return institution_payload(record)


def upsert_body(record: Institution | Credential | Rule) -> tuple[str, bytes]:
    """(event type, ``payload_of(record)`` serialized deterministically) of any record.

    Rules and credentials (nearly every record of an export) are written
    straight to wire bytes (:mod:`adapters.base.wire`), which are the same
    bytes; anything else goes through protobuf.
    """
    kind = type(record)
    if kind is Rule:
        return "RuleUpserted", wire.rule_body(record)
    if kind is Credential:
        return "CredentialUpserted", credential_body(record)
    payload = payload_of(record)
    return payload.DESCRIPTOR.name, payload.SerializeToString(deterministic=True)


def credential_body(cred: Credential) -> bytes:
    """``credential_payload(cred)`` serialized deterministically (by hand where it can be)."""
    body = wire.credential_body(cred)
    if body is None:  # stacking links or competencies: not in BC exports, protobuf writes them
        body = credential_payload(cred).SerializeToString(deterministic=True)
    return body


def content_digest(payload: Payload | bytes) -> bytes:
    """A 16-byte digest of a record's content (its upsert body, which has no version).

    ``payload`` may be given already serialized (deterministically).
    """
    if not isinstance(payload, bytes):
        payload = payload.SerializeToString(deterministic=True)
    return hashlib.blake2b(payload, digest_size=16).digest()


def envelope(payload: Payload | pb.CredentialRetired | pb.RuleRevoked, *, province: str,
             entity_key: str, version: int, occurred_at: str, source: str) -> pb.EventEnvelope:
    """Wrap a payload in its envelope with the deterministic event id."""
    event_type = payload.DESCRIPTOR.name
    return pb.EventEnvelope(
        event_id=event_id(event_type, entity_key, version), province=province,
        entity_key=entity_key, version=version, occurred_at=occurred_at, source=source,
        **{_PAYLOAD_FIELD[event_type]: payload},
    )


def encoded_envelope(payload: Payload | pb.CredentialRetired | pb.RuleRevoked, *,
                     province: str, entity_key: str, version: int, occurred_at: str,
                     source: str, payload_bytes: bytes | None = None) -> bytes:
    """``envelope_to_bytes(envelope(payload, …))``, without copying the payload.

    Deterministic serialization writes fields in number order and the payload's
    oneof fields (10 to 14) come after the header's (1 to 6), so the header's bytes
    followed by the payload field are exactly the envelope's bytes.
    ``payload_bytes``, when given, is the payload's deterministic serialization.
    """
    event_type = payload.DESCRIPTOR.name
    header = pb.EventEnvelope(
        event_id=event_id(event_type, entity_key, version), province=province,
        entity_key=entity_key, version=version, occurred_at=occurred_at, source=source,
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

    Same bytes as ``envelope_to_bytes(envelope(…))``: header fields 1 to 6 in
    number order, then the payload field, defaults omitted.
    """

    def __init__(self, *, province: str, occurred_at: str, source: str) -> None:
        self.province = _text_field(2, province)
        self.tail = _text_field(5, occurred_at) + _text_field(6, source)
        self._fallback = {"province": province, "occurred_at": occurred_at, "source": source}

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
             occurred_at: str, source: str) -> pb.EventEnvelope:
    """``InstitutionUpserted`` / ``CredentialUpserted`` / ``RuleUpserted`` at ``version``."""
    return envelope(payload_of(record), province=province, entity_key=record.id,
                    version=version, occurred_at=occurred_at, source=source)


def credential_retired(credential_id: str, *, version: int, province: str, occurred_at: str,
                       source: str) -> pb.EventEnvelope:
    """``CredentialRetired`` at the credential's last version (a removal wins a tie)."""
    return envelope(pb.CredentialRetired(credential_id=credential_id), province=province,
                    entity_key=credential_id, version=version, occurred_at=occurred_at,
                    source=source)


def rule_revoked(rule_id: str, *, version: int, province: str, occurred_at: str, source: str,
                 reason: str = REVOKED_VANISHED) -> pb.EventEnvelope:
    """``RuleRevoked`` at the rule's last version (a removal wins a tie)."""
    return envelope(pb.RuleRevoked(rule_id=rule_id, reason=reason), province=province,
                    entity_key=rule_id, version=version, occurred_at=occurred_at, source=source)
