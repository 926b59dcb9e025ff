"""Kafka bytes → domain command: the exact inverse of ``adapters/base/events.py``.

The hub validates whatever the adapter did: an event must speak for the
province of its topic and write only that province's institutions,
credentials and rules (a rule's *sending* credentials may come from anywhere:
that is what a transfer is). Anything else raises a :class:`PoisonEvent` whose
reason names the field, and the event goes to the dead letters.

Text the stores keep must not hold a NUL: PostgreSQL refuses it (the store
would refuse the event with a reason naming no field) and SQLite cuts the text
at it (the two databases would disagree). Identifiers (credential and rule
ids) must be printable: a control character in an id is invisible to the
operator and can never be typed by a user.

Credits, values and a standard course are 0 to ``MAX_AMOUNT`` (a standard
course above 0): SQLite keeps NaN as NULL and PostgreSQL as NaN, so the
databases would disagree; no registrar grants minus three credits; and a total
of ``1e308`` credits would be infinite, which JSON cannot carry.
``-0.0`` reads as ``0.0``, as SQLite keeps it.

Empty proto strings and zero levels mean "not given" and become ``None``;
credits and credential values use proto ``optional`` so that ``0`` and
"unknown" stay apart.

Speed: a backlog of a million rules repeats the same few thousand grant sets,
sending credentials, institutions, dates and timestamps. Each distinct text
(or grant set, by its bytes) is checked and converted once and kept in a
bounded memo (:class:`_Memo`); only what succeeded is kept, so a bad value
raises every time it is met.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import DecodeError

from hub.domain.dates import parse_iso_date
from hub.domain.errors import DomainError, InvalidIdentifier
from hub.domain.grades import GradingScale
from hub.domain.identifiers import (
    MAX_CODE_LENGTH,
    PROVINCE_RE,
    institution_of,
    normalise_code,
    parse_credential_id,
    parse_institution_id,
    province_of,
)
from hub.domain.model import (
    MAX_AMOUNT,
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
        command, key = _COMMANDS[kind](getattr(envelope, kind), version)
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


def _checked(parse: Callable[..., Any], field: str, limit: int = 50_000) -> Memo:
    """A memo of ``parse(text, field=field)``: each distinct text checked once."""
    return Memo(lambda text: parse(text, field=field), limit)


def _kept(text: str, field: str) -> str:
    """``text``, which a store will keep: refused when it holds a NUL."""
    if "\x00" in text:
        raise UnreadableEvent(
            "unreadable", f"{field} holds a NUL character, which the stores cannot keep")
    return text


def _amount(number: float, field: str) -> float:
    """``number``, an amount of credits 0 to ``MAX_AMOUNT`` (``-0.0`` read as ``0.0``)."""
    if not 0 <= number <= MAX_AMOUNT:   # NaN fails both
        raise UnreadableEvent("unreadable",
                              f"{field} {number!r} is not a number 0 to {MAX_AMOUNT:,.0f}")
    return number + 0.0


def _printable_credential_id(text: str, *, field: str) -> str:
    """A checked credential id (:func:`parse_credential_id`) without control characters."""
    checked = parse_credential_id(text, field=field)
    if not checked.isprintable():
        raise InvalidIdentifier(f"{text!r} holds a control character", field=field)
    return checked


_INSTITUTION_ID = _checked(parse_institution_id, "institution_id", 10_000)
_RECEIVING = _checked(parse_institution_id, "receiving_institution", 10_000)
_CREDENTIAL_ID = _checked(_printable_credential_id, "credential_id", 100_000)
_STACK_TARGET = _checked(_printable_credential_id, "stacks_into.target", 10_000)
_VALID_FROM = _checked(parse_iso_date, "valid_from", 10_000)
_VALID_TO = _checked(parse_iso_date, "valid_to", 10_000)
_EFFECTIVE_START = _checked(parse_iso_date, "effective_start", 10_000)
_EFFECTIVE_END = _checked(parse_iso_date, "effective_end", 10_000)
_GRANT_KIND = {kind.value: kind for kind in GrantKind}  # Enum(text) is slow on 3.11


def _sending_credential(text: str) -> tuple[str, str]:
    """(the checked credential id, its institution)."""
    checked = _printable_credential_id(text, field="sending")
    return checked, institution_of(checked)


_SENDING = Memo(_sending_credential, 200_000)


def _grant_kind(text: str) -> GrantKind:
    kind = _GRANT_KIND.get(text)
    return kind if kind is not None else GrantKind(text)  # raises the usual ValueError


MAX_RULE_ID = 128  # the rule tables' column


def _rule_id(text: str, field: str) -> str:
    prefix, _, local = text.partition(":")
    if not PROVINCE_RE.match(prefix) or not local.strip():
        raise UnreadableEvent("unreadable", f"{field}: {text[:40]!r} is not a rule id PROV:ID")
    if len(text) > MAX_RULE_ID or not text.isprintable():
        raise UnreadableEvent(
            "unreadable", f"{field}: {text[:40]!r} is not at most {MAX_RULE_ID} printable"
                          " characters")
    return text


def _institution(msg: pb.InstitutionUpserted, version: int) -> tuple[Command, str]:
    if not 0 < msg.standard_course <= MAX_AMOUNT:   # NaN fails both
        raise UnreadableEvent(
            "unreadable", f"institution_upserted.standard_course {msg.standard_course} is not"
                          f" a number above 0, up to {MAX_AMOUNT:,.0f}"
        )
    grading = _grading(msg.grading) if msg.grading else None
    institution = Institution(
        id=_INSTITUTION_ID[msg.institution_id],
        name=_kept(msg.name, "institution_upserted.name"),
        credit_system=CreditSystem(
            _kept(msg.credit_unit, "institution_upserted.credit_unit") or "credits",
            msg.standard_course),
        grading=grading,
        sector=_kept(msg.sector, "institution_upserted.sector") or None,
        version=version,
    )
    return UpsertInstitution(institution), institution.id


def _grading(thresholds: Any) -> GradingScale:
    """A scale as every store keeps and reads it back (:meth:`GradingScale.of`): letters
    upper-cased and trimmed, highest first. A letter given twice (the stores keep one
    percent per letter), an empty letter, or a percent outside 0..100 is refused."""
    letters: dict[str, float] = {}
    for i, g in enumerate(thresholds):
        field = f"institution_upserted.grading[{i}]"
        letter = _kept(g.letter, f"{field}.letter").strip().upper()
        if not letter:
            raise UnreadableEvent("unreadable", f"{field}.letter is empty")
        if letter in letters:
            raise UnreadableEvent("unreadable", f"{field}.letter {letter!r} is given twice")
        if not 0 <= g.min_percent <= 100:  # NaN too
            raise UnreadableEvent(
                "unreadable", f"{field}.min_percent {g.min_percent!r} is not within 0..100")
        letters[letter] = g.min_percent + 0.0
    return GradingScale.of(letters)


def _credential(msg: pb.CredentialUpserted, version: int) -> tuple[Command, str]:
    competencies = tuple(msg.competencies)
    for i, competency in enumerate(competencies):
        _kept(competency, f"credential_upserted.competencies[{i}]")
    credential = Credential(
        id=_CREDENTIAL_ID[msg.credential_id],
        kind=CredentialKind(msg.kind),
        title=_kept(msg.title, "credential_upserted.title"),
        value=_amount(msg.value, "credential_upserted.value") if msg.HasField("value") else None,
        subject=_kept(msg.subject, "credential_upserted.subject") or None,
        level=msg.level or None,
        stacks_into=tuple(
            StackLink(_STACK_TARGET[s.target],
                      _amount(s.value, f"credential_upserted.stacks_into[{i}].value"))
            for i, s in enumerate(msg.stacks_into)),
        competencies=competencies,
        valid_from=_VALID_FROM[msg.valid_from] if msg.valid_from else None,
        valid_to=_VALID_TO[msg.valid_to] if msg.valid_to else None,
        version=version,
    )
    return UpsertCredential(credential), credential.id


def _retired(msg: pb.CredentialRetired, version: int) -> tuple[Command, str]:
    credential_id = _CREDENTIAL_ID[msg.credential_id]
    return RetireCredential(credential_id, version), credential_id


def _grant(msg: pb.Grant, where: str) -> Grant:
    kind = _grant_kind(msg.kind)
    code = _kept(msg.code, f"{where}.code")
    if kind is GrantKind.COURSE and code:
        _course_code(code, f"{where}.code")
    return Grant(
        kind=kind,
        credits=_amount(msg.credits, f"{where}.credits") if msg.HasField("credits") else None,
        code=code or None,
        subject=_kept(msg.subject, f"{where}.subject") or None,
        level=msg.level or None,
        program=_kept(msg.program, f"{where}.program") or None,
        designation=_kept(msg.designation, f"{where}.designation") or None,
    )


def _course_code(code: str, field: str) -> None:
    """A course grant's code names a receiving credential (``PROV:INST:CODE``, indexed by
    the stores): it must be a credential code, printable and at most 40 characters."""
    normal = normalise_code(code)
    if len(normal) > MAX_CODE_LENGTH or not normal.isprintable():
        raise UnreadableEvent(
            "unreadable", f"{field} {code[:20]!r} is not a course code of at most"
                          f" {MAX_CODE_LENGTH} printable characters")


def _grant_set(wire: bytes) -> tuple[Grant, ...]:
    return tuple(_grant(g, f"grants[{j}]")
                 for j, g in enumerate(pb.GrantSet.FromString(wire).grants))


def _alternatives(msg: pb.RuleUpserted) -> tuple[tuple[Grant, ...], ...]:
    out = []
    for i, alt in enumerate(msg.alternatives):
        try:
            out.append(_GRANT_SETS[alt.SerializeToString()])
        except UnreadableEvent as exc:  # the memo knows the bytes, not where they were
            raise UnreadableEvent(exc.code, f"rule_upserted.alternatives[{i}].{exc.detail}"
                                  ) from None
    return tuple(out)


# Keyed by a grant set's bytes: equal bytes are equal grant sets.
_GRANT_SETS = Memo(_grant_set, 50_000)


def _rule(msg: pb.RuleUpserted, version: int) -> tuple[Command, str]:
    checked = [_SENDING[s] for s in msg.sending]
    if not checked:
        raise UnreadableEvent("unreadable", "rule_upserted.sending is empty")
    sending = tuple(cid for cid, _ in checked)
    first = checked[0][1]
    if any(institution != first for _, institution in checked):
        raise UnreadableEvent(
            "unreadable", "rule_upserted.sending names more than one sending institution"
        )
    any_n = msg.any_n
    if any_n < 0 or any_n > len(sending):
        raise UnreadableEvent(
            "unreadable", f"rule_upserted.any_n {any_n} is outside 0..{len(sending)}"
        )
    start, end = msg.effective_start, msg.effective_end
    rule = Rule(
        id=_rule_id(msg.rule_id, "rule_id"),
        version=version,
        sending=sending,
        receiving_institution=_RECEIVING[msg.receiving_institution],
        outcome=_grant_kind(msg.outcome),
        alternatives=_alternatives(msg),
        any_n=any_n or None,
        min_grade=_kept(msg.min_grade, "rule_upserted.min_grade") or None,
        effective_start=_EFFECTIVE_START[start] if start else None,
        effective_end=_EFFECTIVE_END[end] if end else None,
        notes=_kept(msg.notes, "rule_upserted.notes") or None,
        notation=_kept(msg.notation, "rule_upserted.notation") or None,
    )
    return UpsertRule(rule), rule.id


def _revoked(msg: pb.RuleRevoked, version: int) -> tuple[Command, str]:
    rule_id = _rule_id(msg.rule_id, "rule_id")
    return RevokeRule(rule_id, version, msg.reason), rule_id


_COMMANDS: dict[str, Callable[[Any, int], tuple[Command, str]]] = {
    "institution_upserted": _institution,
    "credential_upserted": _credential,
    "credential_retired": _retired,
    "rule_upserted": _rule,
    "rule_revoked": _revoked,
}
