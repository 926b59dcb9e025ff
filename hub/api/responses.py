"""Domain answers and records → protobuf responses.

Grants keep unknown credits absent (``optional``); a rule's alternatives are
listed only where it has more than one, as CLI.md's JSON does.
"""

from __future__ import annotations

from datetime import date

from hub.domain.answers import StackAnswer, Suggestion, TransferAnswer
from hub.domain.model import Credential, Grant, GrantKind, Institution, Rule
from transferhub.hub.v1 import query_service_pb2 as pb

GRANT_KINDS = {
    GrantKind.COURSE: pb.GRANT_KIND_COURSE,
    GrantKind.UNASSIGNED: pb.GRANT_KIND_UNASSIGNED,
    GrantKind.BLOCK: pb.GRANT_KIND_BLOCK,
}
RULE_OUTCOMES = {
    GrantKind.COURSE: pb.RULE_OUTCOME_COURSE,
    GrantKind.UNASSIGNED: pb.RULE_OUTCOME_UNASSIGNED,
    GrantKind.BLOCK: pb.RULE_OUTCOME_BLOCK,
    GrantKind.NO_CREDIT: pb.RULE_OUTCOME_NO_CREDIT,
    GrantKind.ASSESSMENT: pb.RULE_OUTCOME_ASSESSMENT,
}


def grant(item: Grant) -> pb.Grant:
    """One grant; ``credits`` stays unset when unknown."""
    message = pb.Grant(
        kind=GRANT_KINDS.get(item.kind, pb.GRANT_KIND_UNSPECIFIED),
        code=item.code or "", subject=item.subject or "", level=item.level or 0,
        program=item.program or "", designation=item.designation or "",
    )
    if item.credits is not None:
        message.credits = float(item.credits)
    return message


def _grants_and_alternatives(rule: Rule) -> tuple[list[pb.Grant], list[pb.GrantSet]]:
    first = [grant(g) for g in rule.alternatives[0]] if rule.alternatives else []
    alternatives = ([pb.GrantSet(grants=[grant(g) for g in alt]) for alt in rule.alternatives]
                    if len(rule.alternatives) > 1 else [])
    return first, alternatives


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _chain_notes(chain: tuple[Rule, ...]) -> str:
    """The notes of a suggestion's rules, each named by its rule, in chain order."""
    return "; ".join(f"{rule.id}: {rule.notes}" for rule in chain if rule.notes)


def _suggestion(suggestion: Suggestion) -> pb.Suggestion:
    """An inferred pathway; its grants are those of its chain's last rule."""
    _, alternatives = _grants_and_alternatives(suggestion.chain[-1])
    return pb.Suggestion(grants=[grant(g) for g in suggestion.grants],
                         alternatives=alternatives, basis=suggestion.basis,
                         chain=[rule.id for rule in suggestion.chain],
                         notes=_chain_notes(suggestion.chain),
                         **{"from": list(suggestion.sending)})


def transfer_response(answer: TransferAnswer) -> pb.TransferResponse:
    """A ``TransferAnswer`` as a ``TransferResponse`` in CLI.md's stable order."""
    awarded = []
    for award in sorted(answer.awarded, key=lambda a: a.rule.id):
        grants, alternatives = _grants_and_alternatives(award.rule)
        awarded.append(pb.AwardedRule(
            rule=award.rule.id, grants=grants, alternatives=alternatives,
            credits=award.credits, tc=award.tc, notation=award.rule.notation or "",
            notes=award.rule.notes or "", unknown_credits=award.unknown_credits,
            **{"from": list(award.used)},
        ))
    return pb.TransferResponse(
        receiving_institution=answer.receiving_institution,
        credit_unit=answer.credit_unit,
        awarded=awarded,
        not_transferred=[
            pb.NotTransferred(credential=item.credential, detail=item.detail,
                              reason=pb.Reason.Value(f"REASON_{item.reason.value.upper()}"))
            for item in sorted(answer.not_transferred, key=lambda n: n.credential)
        ],
        suggested=[_suggestion(s) for s in answer.suggested],
        total_credits=answer.total_credits,
        total_tc=answer.total_tc,
    )


def stack_response(answer: StackAnswer) -> pb.StackResponse:
    """A ``StackAnswer`` as a ``StackResponse``."""
    return pb.StackResponse(
        target=answer.target, unit=answer.unit, required=answer.required,
        earned=answer.earned, remaining=answer.remaining,
        counted=[pb.CountedCredential(credential=c.credential, value=c.value,
                                      via_rule=c.via_rule or "") for c in answer.counted],
    )


def equivalent(rule: Rule) -> pb.Equivalent:
    """One rule with its provenance."""
    grants, alternatives = _grants_and_alternatives(rule)
    return pb.Equivalent(
        rule=rule.id, province=rule.province, version=rule.version,
        any_n=rule.any_n or 0, receiving_institution=rule.receiving_institution,
        outcome=RULE_OUTCOMES.get(rule.outcome, pb.RULE_OUTCOME_UNSPECIFIED),
        grants=grants, alternatives=alternatives, min_grade=rule.min_grade or "",
        effective_start=_day(rule.effective_start), effective_end=_day(rule.effective_end),
        notes=rule.notes or "", notation=rule.notation or "", **{"from": list(rule.sending)},
    )


def credential(record: Credential) -> pb.Credential:
    """A credential's record."""
    message = pb.Credential(
        id=record.id, kind=str(record.kind), title=record.title,
        subject=record.subject or "", level=record.level or 0,
        stacks_into=[pb.StackTarget(target=s.target, value=s.value) for s in record.stacks_into],
        competencies=list(record.competencies), version=record.version, retired=record.retired,
    )
    if record.value is not None:
        message.value = float(record.value)
    return message


def institution(record: Institution) -> pb.Institution:
    """An institution with its credit system."""
    return pb.Institution(
        id=record.id, name=record.name, credit_unit=record.credit_system.unit,
        standard_course=record.credit_system.standard_course, sector=record.sector or "",
    )
