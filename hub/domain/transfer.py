"""The transfer query (MODEL.md "A transfer query").

``answer_transfer`` reads the transcript through the sending institutions'
scales, reads every rule to the receiving institution that names a completed
credential, awards the best set of applicable granting rules (see
:mod:`hub.domain.optimiser`), explains every credential left over (see
:mod:`hub.domain.reasons`) and infers pathways for those with no agreement
(see :mod:`hub.domain.suggest`). Reads cost the transcript, not the store.

Errors: ``NotFound`` (field ``receiving_institution``) for an unknown
receiving institution; ``InvalidIdentifier`` / ``InvalidGrade`` /
``InvalidQuery`` naming the item (``completed[3].grade``) for bad input.
"""

from __future__ import annotations

from dataclasses import replace
from math import lcm
from operator import attrgetter

from hub.domain.answers import Award, Reason, Suggestion, TransferAnswer, TransferQuery
from hub.domain.applicability import RuleReading, read_rule
from hub.domain.errors import NotFound
from hub.domain.identifiers import parse_institution_id
from hub.domain.model import CreditSystem
from hub.domain.optimiser import Contender, choose
from hub.domain.ports import EquivalencyReader
from hub.domain.reasons import explain
from hub.domain.suggest import suggest
from hub.domain.transcript import Scales, read_transcript
from hub.domain.worth import tc_float, worth_of

_rule_id = attrgetter("id")


def answer_transfer(reader: EquivalencyReader, query: TransferQuery) -> TransferAnswer:
    """What ``query.receiving_institution`` grants for the learner's completed credentials."""
    receiving_id = parse_institution_id(query.receiving_institution,
                                        field="receiving_institution")
    receiving = reader.get_institution(receiving_id)
    if receiving is None:
        raise NotFound(f"the hub has no record of institution {receiving_id}",
                       field="receiving_institution")
    scales = Scales(reader)
    transcript = read_transcript(query.completed, scales)
    ids = transcript.ids

    rules = [r for r in reader.rules_from(ids, receiving_id)
             if not r.revoked and r.receiving_institution == receiving_id]
    rules.sort(key=_rule_id)
    readings = [read_rule(rule, transcript, scales) for rule in rules]

    contenders = []
    worths = {}
    for reading in readings:
        if not reading.rule.grants_credit or not reading.applies:
            continue
        worth = worths[reading.rule.id] = worth_of(reading.rule)
        contenders.append(Contender(reading.rule.id, reading.qualifying, reading.required,
                                    worth.scaled, worth.course_scaled, worth.scale))
    chosen = choose(contenders)

    by_id = {r.rule.id: r for r in readings}
    awarded = []
    used_by: dict[str, str] = {}
    scale = lcm(*(worths[pick.rule_id].scale for pick in chosen))
    total = 0  # in 1/scale credits: exact
    system = receiving.credit_system
    for pick in chosen:
        rule, worth = by_id[pick.rule_id].rule, worths[pick.rule_id]
        awarded.append(Award(rule=rule, used=pick.used, credits=worth.scaled / worth.scale,
                             tc=tc_float(worth.scaled, worth.scale, system),
                             unknown_credits=worth.unknown,
                             counted_alternative=worth.alternative))
        used_by.update(dict.fromkeys(pick.used, rule.id))
        total += worth.scaled * (scale // worth.scale)

    leftover = [c for c in ids if c not in used_by]
    naming: dict[str, list[RuleReading]] = {c: [] for c in leftover}
    if leftover:
        for reading in readings:
            for credential in reading.standing:
                if credential in naming:
                    naming[credential].append(reading)
    # An unrevoked rule read above names it, so the hub knows it: ask the store
    # only about the others (named_by_rules counts every unrevoked rule).
    unnamed = [c for c in leftover if not naming[c]]
    known = set(leftover).difference(unnamed)
    if unnamed:
        known.update(reader.get_credentials(unnamed))
        rest = [c for c in unnamed if c not in known]
        if rest:
            known |= reader.named_by_rules(rest)
    unknown = [c for c in leftover if c not in known]
    retired = reader.retired_among(unknown) if unknown else set()
    not_transferred = tuple(
        explain(transcript.entries[c], receiving_id, c in known, naming[c], used_by,
                retired=c in retired)
        for c in leftover)

    no_agreement = [n.credential for n in not_transferred if n.reason is Reason.NO_AGREEMENT]
    return TransferAnswer(
        receiving_institution=receiving_id,
        credit_unit=receiving.credit_system.unit,
        awarded=tuple(awarded),
        not_transferred=not_transferred,
        suggested=tuple(_worth_said(s, system) for s in suggest(
            reader, transcript.subset(no_agreement), receiving_id, scales)),
        total_credits=total / scale,
        total_tc=tc_float(total, scale, system),
    )



def _worth_said(suggestion: Suggestion, system: CreditSystem) -> Suggestion:
    """A suggestion with what it would be worth, counted as an award would be."""
    worth = worth_of(suggestion.chain[-1])
    return replace(suggestion, credits=worth.scaled / worth.scale,
                   tc=tc_float(worth.scaled, worth.scale, system), unknown_credits=worth.unknown)
