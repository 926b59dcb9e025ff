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
import struct
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from hub.domain.model import Credential, Grant, Institution, Rule
from hub.memo import Memo
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


def _date(day: date | None) -> str:
    return day.isoformat() if day else ""


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
        valid_from=_date(cred.valid_from), valid_to=_date(cred.valid_to),
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


class _PerObject:
    """``convert(obj)`` kept per object, by identity, bounded (cleared whole when full).

    For values hashing would cost more than building (tuples of grants): the
    entry holds the object, so its id is not reused while it is kept.
    """

    def __init__(self, convert: Callable[[Any], Any], limit: int) -> None:
        self._convert = convert
        self._limit = limit
        self._kept: dict[int, tuple[object, Any]] = {}

    def __call__(self, obj: object) -> Any:
        hit = self._kept.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        value = self._convert(obj)
        if len(self._kept) >= self._limit:
            self._kept.clear()
        self._kept[id(obj)] = (obj, value)
        return value


# The alternatives as messages, built once per tuple: BC rows share parsed credit text.
# Protobuf copies the messages into each payload, so the kept ones are never changed.
_grant_sets_of = _PerObject(
    lambda alternatives: [pb.GrantSet(grants=[_grant(g) for g in alt]) for alt in alternatives],
    _GRANT_SETS_KEPT)


def rule_payload(rule: Rule) -> pb.RuleUpserted:
    """The ``RuleUpserted`` body of a rule."""
    return pb.RuleUpserted(
        rule_id=rule.id, sending=rule.sending, any_n=rule.any_n or 0,
        receiving_institution=rule.receiving_institution, outcome=str(rule.outcome),
        alternatives=_grant_sets_of(rule.alternatives) if rule.alternatives else (),
        min_grade=rule.min_grade or "", effective_start=_date(rule.effective_start),
        effective_end=_date(rule.effective_end), notes=rule.notes or "",
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
    straight to wire bytes (:func:`rule_body`, :func:`credential_body`), which
    are the same bytes; anything else goes through protobuf.
    """
    kind = type(record)
    if kind is Rule:
        return "RuleUpserted", rule_body(record)
    if kind is Credential:
        return "CredentialUpserted", credential_body(record)
    payload = payload_of(record)
    return payload.DESCRIPTOR.name, payload.SerializeToString(deterministic=True)


# Deterministic proto3 wire form, written by hand for the hot path. The rules it
# follows (all fields here have numbers below 16, so a tag is one byte):
# fields in number order; a string or message field is tag, varint length, bytes;
# scalars at their default (0, "") are left out, ``optional`` ones are written
# whenever set; repeated elements are each written, empty ones too; int32 is a
# varint, negatives as 10 bytes (two's complement on 64 bits); double is 8 bytes
# little endian. tests/unit/test_adapter_events.py checks it against protobuf.

_LENGTHS = [bytes((n,)) if n < 128 else bytes((n & 0x7F | 0x80, n >> 7))
            for n in range(1 << 14)]


def _wire_varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64
    return _LENGTHS[value] if value < 16384 else _varint(value)


def _string(tag: bytes, text: str) -> bytes:
    """One string field (``tag`` is its one-byte key); empty strings are left out."""
    if not text:
        return b""
    data = text.encode()
    size = len(data)
    return tag + (_LENGTHS[size] if size < 16384 else _varint(size)) + data


def _message(tag: bytes, data: bytes) -> bytes:
    size = len(data)
    return tag + (_LENGTHS[size] if size < 16384 else _varint(size)) + data


def _double(tag: bytes, value: float) -> bytes:
    return tag + _PACK_DOUBLE(value)


_PACK_DOUBLE = struct.Struct("<d").pack


def _grant_bytes(grant: Grant) -> bytes:
    """A ``Grant`` message's bytes (the fields of :func:`_grant`)."""
    return b"".join((
        _string(b"\x0a", str(grant.kind)), _string(b"\x12", grant.code or ""),
        _string(b"\x1a", grant.subject or ""),
        b"\x20" + _wire_varint(grant.level) if grant.level else b"",
        b"" if grant.credits is None else _double(b"\x29", grant.credits),
        _string(b"\x32", grant.program or ""), _string(b"\x3a", grant.designation or "")))


# Field 6 of ``RuleUpserted``, encoded once per alternatives tuple.
_alternatives_bytes = _PerObject(
    lambda alternatives: b"".join(
        _message(b"\x32", b"".join([_message(b"\x0a", _grant_bytes(g)) for g in alt]))
        for alt in alternatives),
    _GRANT_SETS_KEPT)

_FIELDS_KEPT = 65536
# Fields 4 and 5 of ``RuleUpserted``, by (receiving institution, outcome).
_institution_outcome = Memo(
    lambda key: _string(b"\x22", key[0]) + _string(b"\x2a", str(key[1])), _FIELDS_KEPT)
# Fields 7 to 9, by (minimum grade, effective start, effective end).
_grade_window = Memo(
    lambda key: (_string(b"\x3a", key[0] or "") + _string(b"\x42", _date(key[1]))
                 + _string(b"\x4a", _date(key[2]))), _FIELDS_KEPT)


def _credential_tail(key: tuple[Any, ...]) -> bytes:
    """A ``CredentialUpserted``'s fields after its id, by (kind, title, value, subject,
    level, valid_from, valid_to)."""
    kind, title, value, subject, level, valid_from, valid_to = key
    return b"".join((
        _string(b"\x12", str(kind)), _string(b"\x1a", title),
        b"" if value is None else _double(b"\x21", value),
        _string(b"\x2a", subject or ""),
        b"\x30" + _wire_varint(level) if level else b"",
        _string(b"\x4a", _date(valid_from)), _string(b"\x52", _date(valid_to))))


_credential_tails = Memo(_credential_tail, _FIELDS_KEPT)


def rule_body(rule: Rule) -> bytes:
    """``rule_payload(rule)`` serialized deterministically, without building the message.

    Fields 4 and 5 (receiving institution, outcome) and 7 to 9 (minimum grade,
    effective window) are few distinct values across an export: their bytes are
    kept, as are the alternatives' per parsed credit text.
    """
    data = rule.id.encode()
    size = len(data)
    parts = [b"\x0a", _LENGTHS[size] if size < 16384 else _varint(size), data] if data else []
    for ident in rule.sending:
        data = ident.encode()
        size = len(data)
        parts += (b"\x12", _LENGTHS[size] if size < 16384 else _varint(size), data)
    if rule.any_n:
        parts += (b"\x18", _wire_varint(rule.any_n))
    parts.append(_institution_outcome[rule.receiving_institution, rule.outcome])
    if rule.alternatives:
        parts.append(_alternatives_bytes(rule.alternatives))
    parts.append(_grade_window[rule.min_grade, rule.effective_start, rule.effective_end])
    if rule.notes:
        parts.append(_string(b"\x52", rule.notes))
    if rule.notation:
        data = rule.notation.encode()
        size = len(data)
        parts += (b"\x5a", _LENGTHS[size] if size < 16384 else _varint(size), data)
    return b"".join(parts)


def credential_body(cred: Credential) -> bytes:
    """``credential_payload(cred)`` serialized deterministically, without building it.

    Everything after the id (field 1) is kept by value: BC course credentials
    share kind, often title and credits, and subject and level.
    """
    if cred.stacks_into or cred.competencies:  # not in BC exports: protobuf writes them
        return credential_payload(cred).SerializeToString(deterministic=True)
    key = (cred.kind, cred.title, cred.value, cred.subject, cred.level, cred.valid_from,
           cred.valid_to)
    # Zero is not kept: 0.0 and -0.0 are equal keys with different bytes.
    tail = _credential_tails[key] if cred.value else _credential_tail(key)
    return _string(b"\x0a", cred.id) + tail


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


_SMALL = [bytes((n,)) for n in range(128)]


def _varint(value: int) -> bytes:
    if value < 128:
        return _SMALL[value]
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


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
    return header + _varint(number << 3 | 2) + _varint(len(body)) + body


def _text_field(number: int, text: str) -> bytes:
    """One string field in wire form; empty strings are omitted, as proto3 does."""
    if not text:
        return b""
    data = text.encode("utf-8")
    return _varint(number << 3 | 2) + _varint(len(data)) + data


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
            b"\x1a" + _varint(len(key)) + key if key else b"",
            b"\x20" + _varint(version) if version else b"", self.tail,
            _PAYLOAD_TAG[event_type], _varint(len(body)), body))


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
