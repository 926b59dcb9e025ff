"""Inferred pathways where no agreement exists (MODEL.md "suggested").

For each completed credential whose reason is ``no_agreement`` (choice: the
only reason for which the hub has nothing to say; an unknown credential is
named by no rule, so no chain could start from it anyway), the hub looks for
chains of up to three granting rules through other institutions, in any
province, ending at the receiving institution:

- each link is a rule whose sending set the single current credential
  satisfies (it is the rule's only sending credential, or the rule takes
  "any 1 of"), see :mod:`hub.domain.links`;
- a link that is not the last grants specific ``course`` grants (of any of
  its alternatives); each becomes the next link's credential
  (``RECEIVING_INST:code``), and it does not itself receive at the queried
  institution; the last link's receiving institution is the queried one, and
  its first alternative's grants are what is suggested (every alternative
  of it is listed with the suggestion, as for an awarded rule: the API's
  ``Suggestion.alternatives``); no credential is visited twice;
- every link must hold for the learner: the rule is in force on the learner's
  completion date, and the learner's percent (read through the learner's own
  sending scale) meets the link's min grade read through that link's sending
  institution's scale. Later links are judged by the original completion and
  grade because those are the only facts the hub has about the learner.

A chain of one link would be an agreement, not an inference, so chains have
two or three links. A credential of the receiving institution itself is
suggested nothing: the institution holds it already, and a chain out and back
(CAPU MATH 100 → DOUG MATH 1100 → CAPU MATH 100, or on to another CAPU course)
is a loop through other institutions' rules, not a pathway. A suggestion names
the credentials it passes through (``via``: for ON:SENE:IPC144 → BC:CAPU:CSCI
110 → UBCV, ``BC:CAPU:CSCI 110``). Suggestions are deduplicated by
(credential, chain), ordered by credential, chain length, then rule ids, and
bounded per credential; they are never counted in any total.

The store's link index finds the chains (``EquivalencyReader.chains_to``: rule
ids of complete chains into the receiving institution only), then the rules
on them are read in one call and judged here against the learner. So the
work is that of the chains that exist, never of every rule leaving a
credential, and no chain is cut short by a search bound.
"""

from __future__ import annotations

from itertools import pairwise

from hub.domain.answers import Suggestion
from hub.domain.identifiers import institution_of
from hub.domain.links import MAX_LINKS, leads_to
from hub.domain.model import Rule
from hub.domain.ports import EquivalencyReader
from hub.domain.transcript import Entry, Scales, Transcript

MAX_SUGGESTIONS_PER_CREDENTIAL = 10


def _holds(rule: Rule, origin: Entry, scales: Scales) -> bool:
    minimum = scales.minimum_percent(rule)
    return (minimum is not None and origin.percent >= minimum
            and rule.in_force_on(origin.completed_on))


def _via(links: tuple[Rule, ...]) -> tuple[str, ...]:
    """The credentials the chain passes through: for each link after the first, the
    sending credential of it that the link before grants (the first such, by id)."""
    via = []
    for before, link in pairwise(links):
        granted = set(leads_to(before)) & set(link.sending)
        via.append(min(granted) if granted else link.sending[0])
    return tuple(via)


def suggest(reader: EquivalencyReader, transcript: Transcript, receiving_institution: str,
            scales: Scales) -> tuple[Suggestion, ...]:
    """Inferred pathways for ``transcript``'s credentials into ``receiving_institution``."""
    entries = {credential: entry for credential, entry in transcript.entries.items()
               if institution_of(credential) != receiving_institution}
    if not entries:
        return ()
    chains = reader.chains_to(sorted(entries), receiving_institution, MAX_LINKS)
    rules = reader.get_rules(sorted({rid for found in chains.values()
                                     for chain in found for rid in chain}))
    suggestions: list[Suggestion] = []
    for origin in sorted(chains):
        entry = entries.get(origin)
        if entry is None:
            continue
        kept = 0
        holds: dict[str, bool] = {}  # chains share links: judge each once per credential
        # Each chain once, shorter first, then by rule ids: as chains_to gives them.
        for chain in chains[origin]:
            if len(chain) < 2 or not all(rid in rules for rid in chain):
                continue
            links = tuple([rules[rid] for rid in chain])
            held = True
            for link in links:  # the first link that does not hold decides
                holding = holds.get(link.id)
                if holding is None:
                    holding = holds[link.id] = _holds(link, entry, scales)
                if not holding:
                    held = False
                    break
            if not held:
                continue
            suggestions.append(Suggestion((origin,), links[-1].alternatives[0], links,
                                          via=_via(links)))
            kept += 1
            if kept == MAX_SUGGESTIONS_PER_CREDENTIAL:
                break
    return tuple(suggestions)
