"""One translator per event payload: protobuf message → (domain command, entity key).

Empty proto strings and zero levels mean "not given" and become ``None``;
credits and credential values use proto ``optional`` so that ``0`` and
"unknown" stay apart. Each field is checked by :mod:`hub.ingest.fields`; a
rule's grant sets, which a backlog repeats by the thousand, are read once per
distinct bytes and kept in a bounded memo.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.domain.grades import GradingScale
from hub.domain.model import (
    MAX_AMOUNT,
    MAX_ITEMS,
    MAX_LETTER,
    MAX_SENDING,
    MAX_TEXT,
    MIN_STANDARD_COURSE,
    Credential,
    CredentialKind,
    CreditSystem,
    Grant,
    GrantKind,
    Institution,
    Rule,
    StackLink,
    granted_twice,
    named_twice,
    rule_problem,
)
from hub.ingest.commands import (
    Command,
    RetireCredential,
    RevokeRule,
    UpsertCredential,
    UpsertInstitution,
    UpsertRule,
)
from hub.ingest.errors import UnreadableEvent
from hub.ingest.fields import (
    CREDENTIAL_ID,
    EFFECTIVE_END,
    EFFECTIVE_START,
    INSTITUTION_ID,
    RECEIVING,
    SENDING,
    STACK_TARGET,
    VALID_FROM,
    VALID_TO,
    amount,
    course_code,
    grant_kind,
    kept,
    parse_rule_id,
    year_level,
)
from hub.memo import Memo
from transferhub.events.v1 import events_pb2 as pb


def _institution(msg: pb.InstitutionUpserted, version: int) -> tuple[Command, str]:
    if not MIN_STANDARD_COURSE <= msg.standard_course <= MAX_AMOUNT:   # NaN fails both
        raise UnreadableEvent(
            "unreadable", f"institution_upserted.standard_course {msg.standard_course} is not"
                          f" a number {MIN_STANDARD_COURSE} to {MAX_AMOUNT:,.0f}"
        )
    grading = _grading(msg.grading) if msg.grading else None
    institution = Institution(
        id=INSTITUTION_ID[msg.institution_id],
        name=kept(msg.name, "institution_upserted.name"),
        credit_system=CreditSystem(
            kept(msg.credit_unit, "institution_upserted.credit_unit") or "credits",
            msg.standard_course),
        grading=grading,
        sector=kept(msg.sector, "institution_upserted.sector") or None,
        version=version,
    )
    return UpsertInstitution(institution), institution.id


def _grading(thresholds: Any) -> GradingScale:
    """A scale as every store keeps and reads it back (:meth:`GradingScale.of`): letters
    upper-cased and trimmed, highest first. A letter given twice (the stores keep one
    percent per letter), an empty letter, or a percent outside 0..100 is refused."""
    if len(thresholds) > MAX_ITEMS:
        raise UnreadableEvent("unreadable", f"institution_upserted.grading has "
                              f"{len(thresholds):,} letters, more than {MAX_ITEMS}")
    letters: dict[str, float] = {}
    for i, g in enumerate(thresholds):
        field = f"institution_upserted.grading[{i}]"
        letter = kept(g.letter, f"{field}.letter", MAX_LETTER).strip().upper()
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
    for name, items in (("competencies", competencies), ("stacks_into", msg.stacks_into)):
        if len(items) > MAX_ITEMS:
            raise UnreadableEvent("unreadable", f"credential_upserted.{name} lists "
                                  f"{len(items):,} items, more than {MAX_ITEMS}")
    for i, competency in enumerate(competencies):
        kept(competency, f"credential_upserted.competencies[{i}]", MAX_TEXT)
    credential_id = CREDENTIAL_ID[msg.credential_id]
    stacks_into = tuple(
        StackLink(STACK_TARGET[s.target],
                  amount(s.value, f"credential_upserted.stacks_into[{i}].value"))
        for i, s in enumerate(msg.stacks_into))
    targets = tuple(link.target for link in stacks_into)
    if credential_id in targets:
        raise UnreadableEvent("unreadable", "credential_upserted.stacks_into names the "
                                            "credential itself")
    twice = named_twice(targets)
    if twice:
        raise UnreadableEvent("unreadable", f"credential_upserted.stacks_into names {twice} "
                                            "twice; a credential counts toward a target once")
    valid_from = VALID_FROM[msg.valid_from] if msg.valid_from else None
    valid_to = VALID_TO[msg.valid_to] if msg.valid_to else None
    if valid_from and valid_to and valid_to < valid_from:
        raise UnreadableEvent("unreadable", f"credential_upserted.valid_to {valid_to} is "
                                            f"before valid_from {valid_from}")
    credential = Credential(
        id=credential_id,
        kind=CredentialKind(msg.kind),
        title=kept(msg.title, "credential_upserted.title"),
        value=amount(msg.value, "credential_upserted.value") if msg.HasField("value") else None,
        subject=kept(msg.subject, "credential_upserted.subject") or None,
        level=year_level(msg.level, "credential_upserted.level"),
        stacks_into=stacks_into,
        competencies=competencies,
        valid_from=valid_from,
        valid_to=valid_to,
        version=version,
    )
    return UpsertCredential(credential), credential.id


def _retired(msg: pb.CredentialRetired, version: int) -> tuple[Command, str]:
    credential_id = CREDENTIAL_ID[msg.credential_id]
    return RetireCredential(credential_id, version), credential_id


def _grant(msg: pb.Grant, where: str) -> Grant:
    kind = grant_kind(msg.kind)
    code = kept(msg.code, f"{where}.code")
    if kind is GrantKind.COURSE and code:
        code = course_code(code, f"{where}.code")
    return Grant(
        kind=kind,
        credits=amount(msg.credits, f"{where}.credits") if msg.HasField("credits") else None,
        code=code or None,
        subject=kept(msg.subject, f"{where}.subject") or None,
        level=year_level(msg.level, f"{where}.level"),
        program=kept(msg.program, f"{where}.program") or None,
        designation=kept(msg.designation, f"{where}.designation") or None,
    )


def _grant_set(wire: bytes) -> tuple[Grant, ...]:
    grants = tuple(_grant(g, f"grants[{j}]")
                   for j, g in enumerate(pb.GrantSet.FromString(wire).grants))
    twice = granted_twice(grants)
    if twice:
        raise UnreadableEvent("unreadable", f"grants name course {twice} twice; a course "
                              "is granted once")
    return grants


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
    if len(msg.sending) > MAX_SENDING:   # before checking each
        raise UnreadableEvent("unreadable", f"rule_upserted.sending names "
                              f"{len(msg.sending):,} credentials, more than {MAX_SENDING}")
    checked = [SENDING[s] for s in msg.sending]
    if not checked:
        raise UnreadableEvent("unreadable", "rule_upserted.sending is empty")
    sending = tuple(cid for cid, _ in checked)
    twice = named_twice(sending)
    if twice:
        raise UnreadableEvent("unreadable", f"rule_upserted.sending names {twice} twice")
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
        id=parse_rule_id(msg.rule_id, "rule_id"),
        version=version,
        sending=sending,
        receiving_institution=RECEIVING[msg.receiving_institution],
        outcome=grant_kind(msg.outcome),
        alternatives=_alternatives(msg),
        any_n=any_n or None,
        min_grade=kept(msg.min_grade, "rule_upserted.min_grade") or None,
        effective_start=EFFECTIVE_START[start] if start else None,
        effective_end=EFFECTIVE_END[end] if end else None,
        notes=kept(msg.notes, "rule_upserted.notes", MAX_TEXT) or None,
        notation=kept(msg.notation, "rule_upserted.notation", MAX_TEXT) or None,
    )
    problem = rule_problem(rule)
    if problem:
        raise UnreadableEvent("unreadable", f"rule_upserted {problem}")
    return UpsertRule(rule), rule.id


def _revoked(msg: pb.RuleRevoked, version: int) -> tuple[Command, str]:
    rule_id = parse_rule_id(msg.rule_id, "rule_id")
    return RevokeRule(rule_id, version, msg.reason), rule_id


# The translator of each payload, by its field name in the envelope's ``payload`` oneof.
COMMANDS: dict[str, Callable[[Any, int], tuple[Command, str]]] = {
    "institution_upserted": _institution,
    "credential_upserted": _credential,
    "credential_retired": _retired,
    "rule_upserted": _rule,
    "rule_revoked": _revoked,
}
