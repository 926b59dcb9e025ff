"""Which rules are links of an inferred pathway, and where each leads (MODEL.md "suggested").

One definition for the query (:mod:`hub.domain.suggest`) and for the stores,
which index links when a rule is written so that a query reads only whole
chains into the receiving institution (``EquivalencyReader.chains_to``):

- a *link* is an unrevoked granting rule with at least one alternative whose
  sending set a single credential satisfies: it names one distinct sending
  credential, or it takes "any 1 of" its sending credentials;
- a link *leads to* the credentials of its specific ``course`` grants, in any
  alternative, at its receiving institution (``RECEIVING_INST:CODE``).
"""

from __future__ import annotations

from hub.domain.identifiers import credential_id
from hub.domain.model import GrantKind, Rule

MAX_LINKS = 3  # MODEL.md: chains of up to three rules


def is_link(rule: Rule) -> bool:
    """True when one credential alone can satisfy this unrevoked granting rule."""
    single = len(set(rule.sending)) == 1 or rule.any_n == 1
    return not rule.revoked and rule.grants_credit and bool(rule.alternatives) and single


def leads_to(rule: Rule) -> list[str]:
    """The credential ids of the rule's specific course grants (any alternative), sorted."""
    codes = {g.code for grants in rule.alternatives for g in grants
             if g.kind == GrantKind.COURSE and g.code}
    return sorted(credential_id(rule.receiving_institution, code) for code in codes)
