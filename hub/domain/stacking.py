"""The stacking query (MODEL.md "A stacking query").

The target (a certificate, diploma or degree; any other kind is refused as
``InvalidQuery`` on ``target``) requires its own ``value``, in the target
institution's unit (an unknown value requires 0). What counts:

- a completed credential whose record says it stacks into the target, with
  that link's value. Choice: completing it is enough; MODEL.md puts no grade
  or date condition on stacking, so none is applied (grades must still be
  readable, as in every query);
- a completed credential of another institution with no such link of its own
  counts *through the transfer rules* first: a transfer query to the target's
  institution runs on those credentials, and each ``course`` grant of an
  awarded rule's counted (smallest) alternative whose credential
  (``INST:code``) stacks into the target counts with that link's value,
  ``via_rule`` naming the rule and ``counts_as`` the granted credential.
  Choice: a target-institution credential counts once, however many routes
  reach it (the learner's own completion first, then rules in rule-id order);
  a rule used several completed credentials, the first of them is named.
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
"""

from __future__ import annotations

from fractions import Fraction

from hub.domain.answers import Completed, Counted, StackAnswer, StackQuery, TransferQuery
from hub.domain.errors import InvalidQuery, NotFound
from hub.domain.identifiers import credential_id, institution_of, parse_credential_id
from hub.domain.model import CredentialKind, CreditSystem, Grant, GrantKind
from hub.domain.ports import EquivalencyReader
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
        for link in credential.stacks_into:
            if link.target == target_id:
                link_value.setdefault(credential.id, exact(link.value))

    counted: list[Counted] = []
    earned = Fraction(0)
    reached: set[str] = set()
    for cid in transcript.ids:
        if cid in link_value:
            counted.append(Counted(cid, float(link_value[cid])))
            earned += link_value[cid]
            reached.add(cid)

    elsewhere = [transcript.entries[c] for c in transcript.ids
                 if c not in link_value and institution_of(c) != home_id]
    if elsewhere and home is not None:
        answer = answer_transfer(reader, TransferQuery(home_id, tuple(
            Completed(e.credential, e.grade, e.completed_on) for e in elsewhere)))
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

    counted.sort(key=lambda c: (c.credential, c.counts_as or ""))
    required = exact(target.value)
    return StackAnswer(target=target_id, unit=system.unit, required=float(required),
                       earned=float(earned), remaining=float(max(Fraction(0), required - earned)),
                       counted=tuple(counted))


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
