"""Inferred pathways where no agreement exists (MODEL.md "suggested").

For each completed credential whose reason is ``no_agreement`` (choice: the
only reason for which the hub has nothing to say; an unknown credential is
named by no rule, so no chain could start from it anyway), the hub looks for
chains of up to three granting rules through other institutions, in any
province, ending at the receiving institution:

- each link is a rule whose sending set the single current credential
  satisfies (it is the rule's only sending credential, or the rule takes
  "any 1 of");
- a link that is not the last grants specific ``course`` grants (of any of
  its alternatives); each becomes the next link's credential
  (``RECEIVING_INST:code``); the last link's receiving institution is the
  queried one, and its first alternative's grants are what is suggested;
- every link must hold for the learner: the rule is in force on the learner's
  completion date, and the learner's percent (read through the learner's own
  sending scale) meets the link's min grade read through that link's sending
  institution's scale. Later links are judged by the original completion and
  grade because those are the only facts the hub has about the learner.

A chain of one link would be an agreement, not an inference, so chains have
two or three links. Suggestions are deduplicated by (credential, chain),
ordered by credential, chain length, then rule ids, and bounded per
credential; they are never counted in any total. Rules are fetched once per
chain depth for all credentials at that depth.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from hub.domain.answers import Suggestion
from hub.domain.identifiers import credential_id
from hub.domain.model import GrantKind, Rule
from hub.domain.ports import EquivalencyReader
from hub.domain.transcript import Entry, Scales, Transcript

MAX_LINKS = 3
MAX_PATHS_PER_CREDENTIAL = 64
MAX_SUGGESTIONS_PER_CREDENTIAL = 10


@dataclass(frozen=True, slots=True)
class _Path:
    origin: Entry
    current: str
    chain: tuple[Rule, ...]
    visited: frozenset[str]


def _is_link(rule: Rule, credential: str) -> bool:
    single = len(set(rule.sending)) == 1 or rule.any_n == 1
    return (not rule.revoked and rule.grants_credit and bool(rule.alternatives)
            and credential in rule.sending and single)


def _holds(rule: Rule, origin: Entry, scales: Scales) -> bool:
    minimum = scales.minimum_percent(rule.min_grade, rule.sending_institution)
    return (minimum is not None and origin.percent >= minimum
            and rule.in_force_on(origin.completed_on))


def _next_credentials(rule: Rule) -> list[str]:
    codes = {g.code for grants in rule.alternatives for g in grants
             if g.kind == GrantKind.COURSE and g.code}
    return sorted(credential_id(rule.receiving_institution, code) for code in codes)


def suggest(reader: EquivalencyReader, transcript: Transcript, receiving_institution: str,
            scales: Scales) -> tuple[Suggestion, ...]:
    """Inferred pathways for ``transcript``'s credentials into ``receiving_institution``."""
    frontier = [_Path(e, e.credential, (), frozenset({e.credential}))
                for _, e in sorted(transcript.entries.items())]
    found: dict[str, dict[tuple[str, ...], Suggestion]] = defaultdict(dict)
    for depth in range(MAX_LINKS):
        if not frontier:
            break
        by_sending: dict[str, list[Rule]] = defaultdict(list)
        for rule in reader.rules_from({p.current for p in frontier}):
            for sending in set(rule.sending):
                by_sending[sending].append(rule)
        paths = Counter[str]()
        next_frontier = []
        for path in frontier:
            origin = path.origin.credential
            for rule in sorted(by_sending[path.current], key=lambda r: r.id):
                if not _is_link(rule, path.current) or not _holds(rule, path.origin, scales):
                    continue
                chain = (*path.chain, rule)
                if rule.receiving_institution == receiving_institution:
                    if len(chain) > 1:
                        key = tuple(r.id for r in chain)
                        found[origin].setdefault(
                            key, Suggestion((origin,), rule.alternatives[0], chain))
                    continue
                if depth == MAX_LINKS - 1:
                    continue
                for nxt in _next_credentials(rule):
                    if nxt in path.visited or paths[origin] >= MAX_PATHS_PER_CREDENTIAL:
                        continue
                    paths[origin] += 1
                    next_frontier.append(_Path(path.origin, nxt, chain, path.visited | {nxt}))
        frontier = next_frontier
    suggestions: list[Suggestion] = []
    for origin in sorted(found):
        ranked = sorted(found[origin].items(), key=lambda kv: (len(kv[0]), kv[0]))
        suggestions.extend(s for _, s in ranked[:MAX_SUGGESTIONS_PER_CREDENTIAL])
    return tuple(suggestions)
