"""What the hub does with one event: a command on the equivalency model.

Commands are imperative (``UpsertRule``), the events they come from past tense
(``RuleUpserted``). ``IncomingEvent`` is a translated event: the envelope's
facts plus the command, ready for the unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from hub.domain.model import Credential, Institution, Rule
from hub.store.ports import EquivalencyRepository


@dataclass(frozen=True, slots=True)
class UpsertInstitution:
    """Store an institution unless a newer version is stored."""

    change: ClassVar[str] = "institution_upserted"  # the event it comes from
    institution: Institution

    def apply(self, repo: EquivalencyRepository) -> bool:
        """Run against a repository; True when applied, False when stale."""
        return repo.upsert_institution(self.institution)


@dataclass(frozen=True, slots=True)
class UpsertCredential:
    """Store a credential unless a newer version is stored."""

    change: ClassVar[str] = "credential_upserted"  # the event it comes from
    credential: Credential

    def apply(self, repo: EquivalencyRepository) -> bool:
        """Run against a repository; True when applied, False when stale."""
        return repo.upsert_credential(self.credential)


@dataclass(frozen=True, slots=True)
class RetireCredential:
    """Mark a credential retired at a version."""

    change: ClassVar[str] = "credential_retired"  # the event it comes from
    credential_id: str
    version: int

    def apply(self, repo: EquivalencyRepository) -> bool:
        """Run against a repository; True when applied, False when stale."""
        return repo.retire_credential(self.credential_id, self.version)


@dataclass(frozen=True, slots=True)
class UpsertRule:
    """Store a rule unless a newer version or its revocation is stored."""

    change: ClassVar[str] = "rule_upserted"  # the event it comes from
    rule: Rule

    def apply(self, repo: EquivalencyRepository) -> bool:
        """Run against a repository; True when applied, False when stale."""
        return repo.upsert_rule(self.rule)


@dataclass(frozen=True, slots=True)
class RevokeRule:
    """Revoke a rule at a version (removed as though never granted)."""

    change: ClassVar[str] = "rule_revoked"  # the event it comes from
    rule_id: str
    version: int
    reason: str = ""

    def apply(self, repo: EquivalencyRepository) -> bool:
        """Run against a repository; True when applied, False when stale."""
        return repo.revoke_rule(self.rule_id, self.version)


Command = UpsertInstitution | UpsertCredential | RetireCredential | UpsertRule | RevokeRule


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    """A translated event: who sent it, about what, at which version, and what to do."""

    event_id: str
    province: str
    entity_key: str
    version: int
    occurred_at: datetime
    source: str
    command: Command
