"""Domain records → the upsert bodies of ``transferhub.events.v1`` (one direction only).

The inverse (body → domain, in ``hub/ingest``) follows the same table, read
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

:func:`upsert_body` gives a record's event type and body bytes,
:func:`content_digest` the digest the differ compares; the envelope around a
body is :mod:`adapters.base.events`.
"""

from __future__ import annotations

import hashlib

from adapters.base import wire
from adapters.base.wire import iso_date
from hub.domain.model import Credential, Grant, Institution, Rule
from hub.memo import IdentityMemo
from transferhub.events.v1 import events_pb2 as pb

Payload = pb.InstitutionUpserted | pb.CredentialUpserted | pb.RuleUpserted


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
