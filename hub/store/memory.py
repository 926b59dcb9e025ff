"""The equivalency repository in memory (``EquivalencyRepository`` for unit tests and demos).

Writes are version-checked with :func:`hub.domain.model.supersedes`: each
entity keeps a *mark* (the last applied version and whether it removed the
entity), even after a retirement or revocation, so that an older event
arriving late never resurrects or overwrites what a newer one did.

Rules are indexed by sending credential and by receiving institution, links
of inferred pathways (:mod:`hub.domain.links`) by the credential that
satisfies them, and credentials by the targets they stack into, so reads cost
what the query asks for (its transcript), never the size of the store.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from hub.domain.links import is_link, leads_to
from hub.domain.model import Credential, Institution, Rule, supersedes
from hub.store.ports import Removal

_Mark = tuple[int, bool]  # (version, is_removal) of the last applied change


class InMemoryEquivalencyRepository:
    """Institutions, credentials and rules kept in dictionaries with read indexes."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._institutions: dict[str, Institution] = {}
        self._credentials: dict[str, Credential] = {}
        self._credential_marks: dict[str, _Mark] = {}
        self._rules: dict[str, Rule] = {}
        self._rule_marks: dict[str, _Mark] = {}
        self._rules_by_sending: dict[str, set[str]] = defaultdict(set)
        self._rules_by_receiving: dict[str, set[str]] = defaultdict(set)
        self._links_from: dict[str, set[str]] = defaultdict(set)
        self._stacking_by_target: dict[str, set[str]] = defaultdict(set)

    # -- reads (EquivalencyReader) -------------------------------------------------

    def get_institution(self, institution_id: str) -> Institution | None:
        """The institution, or ``None`` when the hub has no record of it."""
        with self._lock:
            return self._institutions.get(institution_id)

    def list_institutions(self, province: str | None = None) -> list[Institution]:
        """Every institution (of one province when given), by id."""
        with self._lock:
            found = [i for i in self._institutions.values()
                     if province is None or i.province == province]
        return sorted(found, key=lambda i: i.id)

    def get_credentials(self, credential_ids: Iterable[str]) -> dict[str, Credential]:
        """The known, unretired credentials among ``credential_ids``, by id."""
        with self._lock:
            found = {}
            for cid in credential_ids:
                credential = self._credentials.get(cid)
                if credential is not None and not credential.retired:
                    found[cid] = credential
            return found

    def rules_from(self, credential_ids: Iterable[str],
                   receiving_institution: str | None = None) -> list[Rule]:
        """Rules in effect (not revoked) whose sending set names any of ``credential_ids``."""
        with self._lock:
            rule_ids: set[str] = set()
            for cid in set(credential_ids):
                rule_ids |= self._rules_by_sending.get(cid, set())
            rules = [self._rules[r] for r in rule_ids]
        if receiving_institution is not None:
            rules = [r for r in rules if r.receiving_institution == receiving_institution]
        return sorted(rules, key=lambda r: r.id)

    def named_by_rules(self, credential_ids: Iterable[str]) -> set[str]:
        """Those of ``credential_ids`` that any unrevoked rule names as sending."""
        with self._lock:
            return {c for c in credential_ids if self._rules_by_sending.get(c)}

    def retired_among(self, credential_ids: Iterable[str]) -> set[str]:
        """Those of ``credential_ids`` the hub had a record of, since retired."""
        with self._lock:
            return {c for c in credential_ids
                    if (found := self._credentials.get(c)) is not None and found.retired}

    def stacking_into(self, target_id: str) -> list[Credential]:
        """Unretired credentials whose record says they stack into ``target_id``."""
        with self._lock:
            found = [self._credentials[c] for c in self._stacking_by_target.get(target_id, ())]
        return sorted((c for c in found if not c.retired), key=lambda c: c.id)

    def chains_to(self, credential_ids: Iterable[str], receiving_institution: str,
                  max_links: int = 3) -> dict[str, list[tuple[str, ...]]]:
        """Rule-id chains into ``receiving_institution``, by origin (see the port)."""
        found: dict[str, list[tuple[str, ...]]] = {}
        with self._lock:
            for origin in dict.fromkeys(credential_ids):
                chains: set[tuple[str, ...]] = set()
                self._walk(origin, receiving_institution, max_links, (), (origin,), chains)
                if chains:
                    found[origin] = sorted(chains, key=lambda c: (len(c), c))
        return found

    def get_rules(self, rule_ids: Iterable[str]) -> dict[str, Rule]:
        """The unrevoked rules among ``rule_ids``, by id."""
        with self._lock:
            return {rid: self._rules[rid] for rid in rule_ids if rid in self._rules}

    def get_credential(self, credential_id: str) -> Credential | None:
        """One credential (retired ones too, flagged), or ``None``."""
        with self._lock:
            return self._credentials.get(credential_id)

    def equivalents(self, credential_id: str, to: str | None = None) -> list[Rule]:
        """Every unrevoked rule from a credential, to an institution or province when given."""
        rules = self.rules_from([credential_id])
        if to is None:
            return rules
        if ":" in to:
            return [r for r in rules if r.receiving_institution == to]
        return [r for r in rules if r.receiving_institution.split(":", 1)[0] == to]

    def counts(self) -> dict[str, int]:
        """``{"institutions": n, "credentials": n, "rules": n}`` (unretired, unrevoked)."""
        with self._lock:
            return {
                "institutions": len(self._institutions),
                "credentials": sum(1 for c in self._credentials.values() if not c.retired),
                "rules": len(self._rules),
            }

    # -- writes ------------------------------------------------------------------

    def upsert_institution(self, institution: Institution) -> bool:
        """Store the institution unless a newer version is stored; True when applied."""
        with self._lock:
            stored = self._institutions.get(institution.id)
            if stored is not None and not supersedes(institution.version, False,
                                                     stored.version, False):
                return False
            self._institutions[institution.id] = institution
            return True

    def upsert_credential(self, credential: Credential) -> bool:
        """Store the credential unless a newer version is stored; True when applied."""
        with self._lock:
            if not self._accepts(self._credential_marks, credential.id, credential.version,
                                 credential.retired):
                return False
            self._store_credential(credential)
            return True

    def retire_credential(self, credential_id: str, version: int) -> bool:
        """Mark the credential retired at ``version``; True when applied."""
        with self._lock:
            if not self._accepts(self._credential_marks, credential_id, version, True):
                return False
            stored = self._credentials.get(credential_id)
            if stored is None:
                # Retired before we ever saw it: the mark alone keeps older upserts out.
                return True
            self._store_credential(replace(stored, retired=True, version=version))
            return True

    def upsert_rule(self, rule: Rule) -> bool:
        """Store the rule unless a newer version (or its revocation) is stored."""
        with self._lock:
            if not self._accepts(self._rule_marks, rule.id, rule.version, rule.revoked):
                return False
            self._drop_rule(rule.id)
            if not rule.revoked:
                self._rules[rule.id] = rule
                for cid in set(rule.sending):
                    self._rules_by_sending[cid].add(rule.id)
                    if is_link(rule):
                        self._links_from[cid].add(rule.id)
                self._rules_by_receiving[rule.receiving_institution].add(rule.id)
            return True

    def revoke_rule(self, rule_id: str, version: int) -> bool:
        """Revoke the rule at ``version`` (removed as though never granted)."""
        with self._lock:
            if not self._accepts(self._rule_marks, rule_id, version, True):
                return False
            self._drop_rule(rule_id)
            return True

    # -- batches and copies (used by hub.store.memory_ledger's unit of work) ----------

    def apply_institutions(self, institutions: Sequence[Institution]) -> list[bool]:
        """``upsert_institution`` for each, in order; one flag per item."""
        return [self.upsert_institution(i) for i in institutions]

    def apply_credentials(self, changes: Sequence[Credential | Removal]) -> list[bool]:
        """Upsert credentials and retire ``Removal``s, in order; one flag per item."""
        return [self.retire_credential(c.id, c.version) if isinstance(c, Removal)
                else self.upsert_credential(c) for c in changes]

    def apply_rules(self, changes: Sequence[Rule | Removal]) -> list[bool]:
        """Upsert rules and revoke ``Removal``s, in order; one flag per item."""
        return [self.revoke_rule(c.id, c.version) if isinstance(c, Removal)
                else self.upsert_rule(c) for c in changes]

    def copy(self) -> InMemoryEquivalencyRepository:
        """An independent copy: entities are immutable, so only containers are copied."""
        clone = InMemoryEquivalencyRepository()
        with self._lock:
            clone._institutions = dict(self._institutions)
            clone._credentials = dict(self._credentials)
            clone._credential_marks = dict(self._credential_marks)
            clone._rules = dict(self._rules)
            clone._rule_marks = dict(self._rule_marks)
            for mine, theirs in ((self._rules_by_sending, clone._rules_by_sending),
                                 (self._rules_by_receiving, clone._rules_by_receiving),
                                 (self._links_from, clone._links_from),
                                 (self._stacking_by_target, clone._stacking_by_target)):
                theirs.update((key, set(ids)) for key, ids in mine.items())
        return clone

    # -- internals -----------------------------------------------------------------

    @staticmethod
    def _accepts(marks: dict[str, _Mark], key: str, version: int, removal: bool) -> bool:
        """Record the change's mark when it supersedes the stored one."""
        old = marks.get(key)
        if old is not None and not supersedes(version, removal, old[0], old[1]):
            return False
        marks[key] = (version, removal)
        return True

    def _walk(self, current: str, to: str, max_links: int, chain: tuple[str, ...],
              visited: tuple[str, ...], found: set[tuple[str, ...]]) -> None:
        """Add to ``found`` every chain that continues ``chain`` from ``current`` into ``to``."""
        for rid in self._links_from.get(current, ()):
            rule = self._rules[rid]
            step = (*chain, rid)
            if rule.receiving_institution == to:
                if len(step) > 1:  # one link is an agreement, not a pathway
                    found.add(step)
                continue
            if len(step) < max_links:
                for nxt in leads_to(rule):
                    if nxt not in visited:
                        self._walk(nxt, to, max_links, step, (*visited, nxt), found)

    def _store_credential(self, credential: Credential) -> None:
        old = self._credentials.get(credential.id)
        if old is not None:
            for link in old.stacks_into:
                self._stacking_by_target[link.target].discard(old.id)
        self._credentials[credential.id] = credential
        for link in credential.stacks_into:
            self._stacking_by_target[link.target].add(credential.id)

    def _drop_rule(self, rule_id: str) -> None:
        old = self._rules.pop(rule_id, None)
        if old is None:
            return
        for cid in set(old.sending):
            self._rules_by_sending[cid].discard(rule_id)
            self._links_from[cid].discard(rule_id)
        self._rules_by_receiving[old.receiving_institution].discard(rule_id)
