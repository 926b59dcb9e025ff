"""Kafka bytes → domain command: the exact inverse of ``adapters/base/events.py``.

The hub validates whatever the adapter did: an event must speak for the
province of its topic and write only that province's institutions,
credentials and rules (a rule's *sending* credentials may come from anywhere:
that is what a transfer is). Anything else raises a :class:`PoisonEvent` whose
reason names the field, and the event goes to the dead letters.

Empty proto strings and zero levels mean "not given" and become ``None``;
credits and credential values use proto ``optional`` so that ``0`` and
"unknown" stay apart.
"""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.message import DecodeError

from hub.domain.dates import parse_iso_date
from hub.domain.errors import DomainError
from hub.domain.grades import GradingScale
from hub.domain.identifiers import (
    PROVINCE_RE,
    institution_of,
    parse_credential_id,
    parse_institution_id,
    province_of,
)
from hub.domain.model import (
    Credential,
    CredentialKind,
    CreditSystem,
    Grant,
    GrantKind,
    Institution,
    Rule,
    StackLink,
)
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
from transferhub.broker import EVENT_TOPIC_PREFIX
from transferhub.events.v1 import events_pb2 as pb


def topic_province(topic: str) -> str:
    """The province a topic belongs to: ``BC`` for ``transferhub.events.bc``."""
    return topic.removeprefix(EVENT_TOPIC_PREFIX).upper()


def translate(topic: str, value: bytes | None) -> IncomingEvent:
    """The event in ``value`` read from ``topic``, or :class:`PoisonEvent` with the reason.

    The poison error carries the envelope's ``event_id`` when the bytes parse.
    """
    envelope = pb.EventEnvelope()
    try:
        envelope.ParseFromString(value or b"")
    except DecodeError as exc:
        raise UnreadableEvent("unreadable", f"not an EventEnvelope ({exc})") from None
    try:
        return _translate(topic, envelope)
    except PoisonEvent as exc:
        exc.event_id = envelope.event_id or None
        raise


def _translate(topic: str, envelope: pb.EventEnvelope) -> IncomingEvent:
    expected = topic_province(topic)
    if not envelope.event_id:
        raise UnreadableEvent("unreadable", "event_id is empty")
    if envelope.province != expected:
        raise ForeignEvent(
            "province_mismatch",
            f"province {envelope.province!r} published on topic {topic} (expects {expected!r})",
        )
    if envelope.version < 0:
        raise UnreadableEvent("unreadable", f"version {envelope.version} is negative")
    kind = envelope.WhichOneof("payload")
    if kind is None:
        raise UnreadableEvent("unreadable", "the envelope carries no payload")
    try:
        command = _COMMANDS[kind](getattr(envelope, kind), envelope.version)
    except DomainError as exc:
        raise UnreadableEvent("unreadable", f"{kind}: {exc}") from None
    except ValueError as exc:  # an enum word the model does not know
        raise UnreadableEvent("unreadable", f"{kind}: {exc}") from None
    key = _entity_key(command)
    if envelope.entity_key != key:
        raise UnreadableEvent(
            "entity_key_mismatch", f"entity_key {envelope.entity_key!r} but payload is {key!r}"
        )
    _check_province(command, expected)
    return IncomingEvent(
        event_id=envelope.event_id,
        province=envelope.province,
        entity_key=key,
        version=envelope.version,
        occurred_at=_timestamp(envelope.occurred_at),
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


def _entity_key(command: Command) -> str:
    match command:
        case UpsertInstitution(institution):
            return institution.id
        case UpsertCredential(credential):
            return credential.id
        case UpsertRule(rule):
            return rule.id
        case RetireCredential(credential_id, _):
            return credential_id
        case RevokeRule(rule_id, _, _):
            return rule_id
    raise AssertionError(command)  # pragma: no cover - Command is closed


def _check_province(command: Command, province: str) -> None:
    key = _entity_key(command)
    if province_of(key) != province:
        word = {UpsertInstitution: "institution", UpsertCredential: "credential",
                RetireCredential: "credential"}.get(type(command), "rule")
        raise ForeignEvent(f"foreign_{word}",
                           f"{word} {key!r} belongs to another province than {province}")
    if isinstance(command, UpsertRule):
        receiving = command.rule.receiving_institution
        if province_of(receiving) != province:
            raise ForeignEvent(
                "foreign_receiving_institution",
                f"rule {key!r} names receiving institution {receiving!r}, "
                f"not one of {province}",
            )


def _rule_id(text: str, field: str) -> str:
    prefix, _, local = text.partition(":")
    if not PROVINCE_RE.match(prefix) or not local.strip():
        raise UnreadableEvent("unreadable", f"{field}: {text!r} is not a rule id PROV:ID")
    return text


def _institution(msg: pb.InstitutionUpserted, version: int) -> Command:
    if msg.standard_course <= 0:
        raise UnreadableEvent(
            "unreadable", f"institution_upserted.standard_course {msg.standard_course} is not > 0"
        )
    grading = (GradingScale(tuple((g.letter, g.min_percent) for g in msg.grading))
               if msg.grading else None)
    return UpsertInstitution(Institution(
        id=parse_institution_id(msg.institution_id, field="institution_id"),
        name=msg.name,
        credit_system=CreditSystem(msg.credit_unit or "credits", msg.standard_course),
        grading=grading,
        sector=msg.sector or None,
        version=version,
    ))


def _credential(msg: pb.CredentialUpserted, version: int) -> Command:
    return UpsertCredential(Credential(
        id=parse_credential_id(msg.credential_id, field="credential_id"),
        kind=CredentialKind(msg.kind),
        title=msg.title,
        value=msg.value if msg.HasField("value") else None,
        subject=msg.subject or None,
        level=msg.level or None,
        stacks_into=tuple(
            StackLink(parse_credential_id(s.target, field="stacks_into.target"), s.value)
            for s in msg.stacks_into
        ),
        competencies=tuple(msg.competencies),
        valid_from=parse_iso_date(msg.valid_from, field="valid_from"),
        valid_to=parse_iso_date(msg.valid_to, field="valid_to"),
        version=version,
    ))


def _retired(msg: pb.CredentialRetired, version: int) -> Command:
    return RetireCredential(parse_credential_id(msg.credential_id, field="credential_id"), version)


def _grant(msg: pb.Grant) -> Grant:
    return Grant(
        kind=GrantKind(msg.kind),
        credits=msg.credits if msg.HasField("credits") else None,
        code=msg.code or None,
        subject=msg.subject or None,
        level=msg.level or None,
        program=msg.program or None,
        designation=msg.designation or None,
    )


def _rule(msg: pb.RuleUpserted, version: int) -> Command:
    sending = tuple(parse_credential_id(s, field="sending") for s in msg.sending)
    if not sending:
        raise UnreadableEvent("unreadable", "rule_upserted.sending is empty")
    if len({institution_of(s) for s in sending}) > 1:
        raise UnreadableEvent(
            "unreadable", "rule_upserted.sending names more than one sending institution"
        )
    if msg.any_n < 0 or msg.any_n > len(sending):
        raise UnreadableEvent(
            "unreadable", f"rule_upserted.any_n {msg.any_n} is outside 0..{len(sending)}"
        )
    return UpsertRule(Rule(
        id=_rule_id(msg.rule_id, "rule_id"),
        version=version,
        sending=sending,
        receiving_institution=parse_institution_id(
            msg.receiving_institution, field="receiving_institution"),
        outcome=GrantKind(msg.outcome),
        alternatives=tuple(tuple(_grant(g) for g in alt.grants) for alt in msg.alternatives),
        any_n=msg.any_n or None,
        min_grade=msg.min_grade or None,
        effective_start=parse_iso_date(msg.effective_start, field="effective_start"),
        effective_end=parse_iso_date(msg.effective_end, field="effective_end"),
        notes=msg.notes or None,
        notation=msg.notation or None,
    ))


def _revoked(msg: pb.RuleRevoked, version: int) -> Command:
    return RevokeRule(_rule_id(msg.rule_id, "rule_id"), version, msg.reason)


_COMMANDS = {
    "institution_upserted": _institution,
    "credential_upserted": _credential,
    "credential_retired": _retired,
    "rule_upserted": _rule,
    "rule_revoked": _revoked,
}
