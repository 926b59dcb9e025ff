"""The stacking query (MODEL.md "A stacking query").

The target (a certificate, diploma or degree; any other kind is refused as
``InvalidQuery`` on ``target``) requires its own ``value``, in the target
institution's unit (an unknown value requires 0, and the answer says so:
``required_unknown``, as MODEL.md has unknown credits said). What counts:

- a completed credential of the target's institution whose record says it
  stacks into the target, with that link's value. Choice: completing it is
  enough; MODEL.md puts no grade or date condition on stacking, so none is
  applied (grades must still be readable, as in every query);
- a completed credential of another institution counts *through the transfer
  rules* only, even where its own record names the target: transfer credit is
  the receiving institution's to decide (MODEL.md), and such a link's value
  would be in the sending institution's unit (a black-box registrar saw a
  Seneca micro-credential count 28 "hours" toward a UofT certificate needing
  1.0 credit weight, with no rule). A transfer query to the target's
  institution runs on those credentials, and each ``course`` grant of an
  awarded rule's counted (smallest) alternative whose credential
  (``INST:code``) stacks into the target counts with that link's value,
  ``via_rule`` naming the rule and ``counts_as`` the granted credential.
  Choice: a target-institution credential counts once, however many routes
  reach it (the learner's own completion first, then rules in rule-id order);
  where a rule used several completed credentials ("A & B"), the first of them
  carries the value and each other one is listed too, with value 0, the same
  ``via_rule`` and ``counts_as``: every completed credential is in ``counted``
  or in ``not_counted``, never both; in ``counted``, once for each granted
  credential it counts as (a rule granting two that stack lists it twice).
  Choice: where a rule offers alternatives the institution chooses one, so the
  rule adds what its least-stacking alternative adds (the value the learner
  can rely on, as MODEL.md counts credits), whatever order they are listed in;
  a credential the learner already reached adds nothing again.
- a ``block`` grant toward a program that *is* the target (its ``program``
  reads as the target's code or its title, ignoring case and spacing: "a
  diploma toward a degree") counts with the block's credits, ``via_rule``
  naming the rule. Choice: a block names a program, not a credential, so
  only that match ties it to the target; a block toward another program adds
  nothing, and neither does an ``unassigned`` grant (no credential whose
  record could say it stacks). Two blocks from two credentials both count.
- a credential record's ``valid_from`` and ``valid_to`` are not applied to the
  completion date.

earned is the sum counted; remaining is ``max(0, required - earned)``;
``counted`` is in credential-id order.

``not_counted`` (more than MODEL.md asks: "honest about why") names every other
completed credential, in credential-id order, with one reason: for another
institution's credential that the transfer rules did not carry into the target's
institution, the transfer query's own reason and detail (``no_agreement``,
``below_min_grade``, …); ``does_not_stack`` for one whose record (or what a rule
granted for it) has no link into the target; ``already_counted`` when what a rule
granted for it stacks but already counted by another route; ``unknown_credential``
for a credential of the target's institution the hub has no record of.
"""

from __future__ import annotations

from fractions import Fraction

from hub.domain.answers import (
    ALREADY_COUNTED,
    DOES_NOT_STACK,
    Completed,
    Counted,
    NotCounted,
    Reason,
    StackAnswer,
    StackQuery,
    TransferQuery,
)
from hub.domain.errors import InvalidQuery, NotFound
from hub.domain.identifiers import credential_id, institution_of, parse_credential_id
from hub.domain.model import CredentialKind, CreditSystem, Grant, GrantKind, Rule
from hub.domain.ports import EquivalencyReader
from hub.domain.reasons import retired_words
from hub.domain.transcript import Scales, read_transcript
from hub.domain.transfer import answer_transfer
from hub.domain.worth import exact

# MODEL.md: "Input: a target credential (a certificate, diploma or degree)".
_TARGET_KINDS = frozenset({CredentialKind.CERTIFICATE, CredentialKind.DIPLOMA,
                           CredentialKind.DEGREE})


def answer_stack(reader: EquivalencyReader, query: StackQuery) -> StackAnswer:
    """How far the learner's completed credentials go toward ``query.target``."""
    target_id = parse_credential_id(query.target, field="target")
    target = reader.get_credentials([target_id]).get(target_id)
    if target is None:
        raise NotFound(f"the hub has no record of credential {target_id}", field="target")
    if target.kind not in _TARGET_KINDS:
        raise InvalidQuery(f"{target_id} is a {target.kind}; a stacking target is a "
                           "certificate, diploma or degree", field="target")
    home_id = institution_of(target_id)
    home = reader.get_institution(home_id)
    system = home.credit_system if home is not None else CreditSystem()
    transcript = read_transcript(query.completed, Scales(reader))

    link_value: dict[str, Fraction] = {}
    for credential in reader.stacking_into(target_id):
        if institution_of(credential.id) != home_id:
            continue  # another institution's record cannot say what this one accepts
        for link in credential.stacks_into:
            if link.target == target_id:
                link_value.setdefault(credential.id, exact(link.value))

    counted: list[Counted] = []
    not_counted: list[NotCounted] = []
    earned = Fraction(0)
    reached: set[str] = set()
    for cid in transcript.ids:
        if cid in link_value:
            counted.append(Counted(cid, float(link_value[cid])))
            earned += link_value[cid]
            reached.add(cid)
    not_counted += _own_not_stacking(reader, transcript.ids, link_value, home_id, target_id)

    elsewhere = [transcript.entries[c] for c in transcript.ids
                 if c not in link_value and institution_of(c) != home_id]
    if elsewhere and home is None:
        not_counted += [NotCounted(e.credential, Reason.NO_AGREEMENT,
                                   f"the hub has no record of institution {home_id}, so no "
                                   "rule carries it there") for e in elsewhere]
    elif elsewhere:
        answer = answer_transfer(reader, TransferQuery(home_id, tuple(
            Completed(e.credential, e.grade, e.completed_on) for e in elsewhere)))
        not_counted += [NotCounted(n.credential, n.reason.value, n.detail)
                        for n in answer.not_transferred]
        program = _Program(target.id, target.title)
        for award in sorted(answer.awarded, key=lambda a: a.rule.id):
            granted, block = _relied_on(award.rule.alternatives, award.counted_alternative,
                                        home_id, link_value, reached, program)
            for credential in granted:
                reached.add(credential)
                earned += link_value[credential]
                counted.append(Counted(award.used[0], float(link_value[credential]),
                                       via_rule=award.rule.id, counts_as=credential))
            if block:
                earned += block
                counted.append(Counted(award.used[0], float(block), via_rule=award.rule.id,
                                       counts_as=target_id))
            if granted or block:  # the rule's partners counted with the first, for 0
                counts_as = granted[0] if granted else target_id
                counted += [Counted(partner, 0.0, via_rule=award.rule.id, counts_as=counts_as)
                            for partner in award.used[1:]]
            else:
                reason, detail = _added_nothing(award.rule, home_id, link_value, target_id)
                not_counted += [NotCounted(c, reason, detail) for c in award.used]

    counted.sort(key=lambda c: (c.credential, c.counts_as or ""))
    required = exact(target.value)
    return StackAnswer(target=target_id, unit=system.unit, required=float(required),
                       required_unknown=target.value is None,
                       earned=float(earned), remaining=float(max(Fraction(0), required - earned)),
                       counted=tuple(counted),
                       not_counted=tuple(sorted(not_counted, key=lambda n: n.credential)))


def _own_not_stacking(reader: EquivalencyReader, ids: list[str], link_value: dict[str, Fraction],
                      home_id: str, target_id: str) -> list[NotCounted]:
    """The target institution's own completed credentials with no link into the target."""
    own = [c for c in ids if c not in link_value and institution_of(c) == home_id]
    known = reader.get_credentials(own) if own else {}
    unknown = [c for c in own if c not in known]
    retired = reader.retired_among(unknown) if unknown else set()
    return [NotCounted(c, DOES_NOT_STACK, f"{c} has no record that it stacks into {target_id}")
            if c in known else
            NotCounted(c, Reason.UNKNOWN_CREDENTIAL,
                       retired_words(c) if c in retired else f"the hub has no record of {c}")
            for c in own]


def _added_nothing(rule: Rule, home_id: str, link_value: dict[str, Fraction],
                   target_id: str) -> tuple[str, str]:
    """Why an awarded rule added nothing toward the target: what it grants does not
    stack into it, or already counted by another route (the learner's own completion,
    or a rule earlier in rule-id order)."""
    stacking = sorted({credential_id(home_id, g.code) for grants in rule.alternatives
                       for g in grants if g.kind == GrantKind.COURSE and g.code
                       and credential_id(home_id, g.code) in link_value})
    if stacking and len(rule.alternatives) <= 1:
        return ALREADY_COUNTED, (f"rule {rule.id} grants {', '.join(stacking)}, which already "
                                 f"counted toward {target_id}")
    if stacking:
        return DOES_NOT_STACK, (f"rule {rule.id} offers alternatives; the one the learner can "
                                f"rely on adds nothing toward {target_id}")
    return DOES_NOT_STACK, (f"rule {rule.id} grants {rule.notation or _granted(rule)}, which "
                           f"does not stack into {target_id}")


def _granted(rule: Rule) -> str:
    """What a rule grants, said briefly: ``BC:UBCV:ENGL 110 & unassigned CPSC credit``
    (courses by their credential ids, as the rest of a stack answer names them)."""
    said = []
    for grant in rule.alternatives[0] if rule.alternatives else ():
        if grant.kind == GrantKind.COURSE and grant.code:
            said.append(credential_id(rule.receiving_institution, grant.code))
        elif grant.kind == GrantKind.BLOCK:
            said.append(f"a block toward {grant.program}")
        else:
            said.append(f"unassigned {grant.subject or 'GEN'} credit")
    return " & ".join(said) or "credit"


class _Program:
    """Whether a block grant's ``program`` names the target (its code or its title)."""

    def __init__(self, target_id: str, title: str | None) -> None:
        self.names = {_folded(target_id.split(":", 2)[2]), *([_folded(title)] if title else [])}

    def toward(self, grant: Grant) -> bool:
        return (grant.kind == GrantKind.BLOCK and grant.program is not None
                and _folded(grant.program) in self.names)


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _relied_on(alternatives: tuple[tuple[Grant, ...], ...], counted_alternative: int,
               home_id: str, link_value: dict[str, Fraction], reached: set[str],
               program: _Program) -> tuple[list[str], Fraction]:
    """What an awarded rule adds toward the target: target-institution credentials, and
    the credits of blocks toward the target's program.

    The institution chooses which alternative it grants, so the rule adds what
    its least-stacking alternative would add (not yet reached); on a tie, the
    alternative whose credits count (``counted_alternative``), then the first.
    """
    best: tuple[Fraction, bool, int] | None = None
    found: list[str] = []
    found_block = Fraction(0)
    for index, grants in enumerate(alternatives):
        adds = list(dict.fromkeys(
            granted for grant in grants if grant.kind == GrantKind.COURSE and grant.code
            for granted in (credential_id(home_id, grant.code),)
            if granted in link_value and granted not in reached))
        block = sum((exact(grant.credits) for grant in grants if program.toward(grant)),
                    Fraction(0))
        key = (sum((link_value[g] for g in adds), block), index != counted_alternative, index)
        if best is None or key < best:
            best, found, found_block = key, adds, block
    return found, found_block
