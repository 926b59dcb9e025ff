"""``SqlEquivalencyRepository``: the equivalency repository on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

from hub.domain.model import Credential, Institution, Rule
from hub.store.ports import Removal
from hub.store.sql import writes
from hub.store.sql.reads import SqlEquivalencyReader


class SqlEquivalencyRepository(SqlEquivalencyReader):
    """Reads and version-checked writes over one connection (the unit of work's).

    Single writes are batches of one; the ingest should prefer the ``apply_*``
    batches, which cost a handful of statements for thousands of changes.
    """

    def upsert_institution(self, institution: Institution) -> bool:
        """Store the institution unless a newer version is stored; True when applied."""
        return self.apply_institutions([institution])[0]

    def upsert_credential(self, credential: Credential) -> bool:
        """Store the credential unless a newer version is stored; True when applied."""
        return self.apply_credentials([credential])[0]

    def retire_credential(self, credential_id: str, version: int) -> bool:
        """Mark the credential retired at ``version``; True when applied."""
        return self.apply_credentials([Removal(credential_id, version)])[0]

    def upsert_rule(self, rule: Rule) -> bool:
        """Store the rule unless a newer version (or its revocation) is stored."""
        return self.apply_rules([rule])[0]

    def revoke_rule(self, rule_id: str, version: int) -> bool:
        """Revoke the rule at ``version`` (removed as though never granted)."""
        return self.apply_rules([Removal(rule_id, version)])[0]

    def apply_institutions(self, institutions: Sequence[Institution]) -> list[bool]:
        """``upsert_institution`` for each, in order; one flag per item."""
        return writes.apply_institutions(self._conn, institutions)

    def apply_credentials(self, changes: Sequence[Credential | Removal]) -> list[bool]:
        """Upsert credentials and retire ``Removal``s, in order; one flag per item."""
        return writes.apply_credentials(self._conn, changes)

    def apply_rules(self, changes: Sequence[Rule | Removal]) -> list[bool]:
        """Upsert rules and revoke ``Removal``s, in order; one flag per item."""
        return writes.apply_rules(self._conn, changes)
