"""The store's ports: the equivalency repository, the ingest ledger, the unit of work.

Implementations: ``InMemory*`` (unit tests) and ``Sql*`` (SQLite, PostgreSQL).
One contract test suite (``tests/contract/``) runs against every one.

Writes are version-checked: an upsert, retirement or revocation older than
what is stored is ignored and reported as ``False`` (see
``hub.domain.model.supersedes``).

Bulk writes (``apply_institutions``, ``apply_credentials``, ``apply_rules``)
take a batch in arrival order and answer one flag per item, exactly as the
same single writes one after another would; the SQL store turns a batch into a
handful of statements, which is what the ingest's throughput needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from hub.domain.model import Credential, Institution, Rule
from hub.domain.ports import EquivalencyReader


@dataclass(frozen=True, slots=True)
class Removal:
    """A retirement (of a credential) or revocation (of a rule) of ``id`` at ``version``."""

    id: str
    version: int


class EquivalencyRepository(EquivalencyReader, Protocol):
    """Reads (see ``EquivalencyReader``) and version-checked writes of the model."""

    def upsert_institution(self, institution: Institution) -> bool:
        """Store the institution unless a newer version is stored; True when applied."""

    def upsert_credential(self, credential: Credential) -> bool:
        """Store the credential unless a newer version is stored; True when applied."""

    def retire_credential(self, credential_id: str, version: int) -> bool:
        """Mark the credential retired at ``version``; True when applied."""

    def upsert_rule(self, rule: Rule) -> bool:
        """Store the rule unless a newer version (or its revocation) is stored."""

    def revoke_rule(self, rule_id: str, version: int) -> bool:
        """Revoke the rule at ``version`` (removed as though never granted)."""

    def apply_institutions(self, institutions: Sequence[Institution]) -> list[bool]:
        """``upsert_institution`` for each, in order; one flag per item."""

    def apply_credentials(self, changes: Sequence[Credential | Removal]) -> list[bool]:
        """Upsert credentials and retire ``Removal``s, in order; one flag per item."""

    def apply_rules(self, changes: Sequence[Rule | Removal]) -> list[bool]:
        """Upsert rules and revoke ``Removal``s, in order; one flag per item."""

    def get_credential(self, credential_id: str) -> Credential | None:
        """One credential (retired ones too, flagged), or ``None``."""

    def equivalents(self, credential_id: str, to: str | None = None) -> list[Rule]:
        """Every unrevoked rule from a credential, to an institution or province when given."""

    def counts(self) -> dict[str, int]:
        """``{"institutions": n, "credentials": n, "rules": n}`` (unretired, unrevoked)."""


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An event the hub could not apply, kept for operators with its reason."""

    id: int | None
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    reason: str
    province: str | None
    event_id: str | None
    recorded_at: datetime
    replayed: bool = False


class InboxKey(NamedTuple):
    """How the inbox finds an event: its entity, the entity's version, its id.

    An event id already names one (event type, entity, version), so the three
    together name exactly what the id does; leading with the entity keeps a
    batch's inbox rows together in the index instead of scattered by a random
    UUID (each scattered row cost a page of its own at commit).
    """

    entity_key: str
    version: int
    event_id: str


class IngestLedger(Protocol):
    """What the ingest records in the same transaction as the writes it applies."""

    def seen(self, keys: Iterable[InboxKey]) -> set[InboxKey]:
        """Those of ``keys`` already applied (in the inbox), each matched whole."""

    def record_applied(self, event_id: str, province: str, entity_key: str,
                       version: int, outcome: str, at: datetime) -> None:
        """Add an event to the inbox; ``outcome`` is applied, stale or duplicate."""

    def offsets(self, group: str) -> dict[tuple[str, int], int]:
        """The next offset to read, by (topic, partition), as last committed here."""

    def save_offset(self, group: str, topic: str, partition: int, next_offset: int) -> None:
        """Record the next offset to read for a partition."""

    def claim_offsets(self, group: str, firsts: dict[tuple[str, int], int]
                      ) -> dict[tuple[str, int], int]:
        """Hold ``group``'s stored offsets of these partitions until this transaction ends
        (a row lock where the database has them), and answer those stored past the
        first offset given for them: records another consumer has applied already."""

    def adopt_log(self, group: str, cluster_id: str) -> str | None:
        """Make ``cluster_id`` the broker log ``group``'s offsets count positions in.

        When they counted positions in another cluster's log, they no longer
        mean anything: they are dropped, and that other cluster's id is returned.
        """

    def add_dead_letter(self, letter: DeadLetter) -> None:
        """Keep a dead letter for operators."""

    def dead_letters(self, limit: int = 100, include_replayed: bool = False,
                     after_id: int = 0) -> list[DeadLetter]:
        """Dead letters, oldest first, those with an id above ``after_id`` (a page's last)."""

    def claim_replay(self, ids: Iterable[int], now: datetime, until: datetime,
                     again: bool = False) -> list[int]:
        """Claim dead letters for one replay until ``until``; the ids claimed, in order.

        A letter is claimed when no other replay holds it (no claim, or one that
        ran out by ``now``) and it is not replayed yet, or ``again`` is asked
        (an operator naming it). The check and the claim are one statement, so
        two replays at once never claim the same letter.
        """

    def release_replay(self, ids: Iterable[int]) -> None:
        """Give back claims on dead letters not re-driven (they stay to replay)."""

    def mark_replayed(self, ids: Iterable[int]) -> None:
        """Flag dead letters as re-driven (and give back their claims)."""

    def bump_stats(self, province: str, applied: int = 0, duplicate: int = 0,
                   stale: int = 0, dead_lettered: int = 0,
                   last_event_at: datetime | None = None) -> None:
        """Add to the per-province counters shown by ``transferhub status``."""

    def stats(self) -> dict[str, dict[str, object]]:
        """Per-province counters: applied, duplicate, stale, dead_lettered, last_event_at."""


class UnitOfWork(Protocol):
    """One transaction over the repository and the ledger: all of it commits or none."""

    equivalencies: EquivalencyRepository
    ledger: IngestLedger

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None:
        """Roll back whatever was not committed."""

    def commit(self) -> None:
        """Make every write of this unit visible at once."""

    def rollback(self) -> None:
        """Discard every write of this unit."""


class Store(Protocol):
    """A store: units of work for writers, and a reader for queries."""

    def unit_of_work(self) -> UnitOfWork:
        """A new transaction (use as a context manager)."""

    def reader(self) -> AbstractContextManager[EquivalencyRepository]:
        """A repository for one query (``with store.reader() as repo:``).

        It sees committed state only, one consistent snapshot for the whole
        query, and may be used from any thread.
        """

    def refresh_statistics(self) -> None:
        """Have the database re-read what its tables hold, so that its planner uses the
        indexes after a large change (PostgreSQL's ``ANALYZE``; nothing elsewhere)."""

    def close(self) -> None:
        """Release connections."""
