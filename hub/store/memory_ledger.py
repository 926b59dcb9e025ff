"""The ingest ledger, unit of work and store in memory (unit tests, ``memory://``).

A unit of work writes to private copies of the committed repository and
ledger and publishes them at ``commit`` by swapping one reference, so a
reader holding the previous state keeps one consistent snapshot and never
sees half a unit. Writers queue on a lock for the life of their unit, as
they do on SQLite.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

from hub.store.memory import InMemoryEquivalencyRepository
from hub.store.ports import DeadLetter, InboxKey

_COUNTERS = ("applied", "duplicate", "stale", "dead_lettered")


class InMemoryIngestLedger:
    """Inbox, offsets, dead letters and per-province counters in dictionaries."""

    def __init__(self) -> None:
        self._inbox: dict[InboxKey, tuple[str, str, datetime]] = {}  # province, outcome, at
        self._offsets: dict[tuple[str, str, int], int] = {}
        self._logs: dict[str, str] = {}  # group: cluster id
        self._letters: list[DeadLetter] = []
        self._claims: dict[int, datetime] = {}  # dead letter id: claimed until
        self._stats: dict[str, dict[str, object]] = {}

    def copy(self) -> InMemoryIngestLedger:
        """An independent copy (dead letters are immutable; counters are copied)."""
        clone = InMemoryIngestLedger()
        clone._inbox = dict(self._inbox)
        clone._offsets = dict(self._offsets)
        clone._logs = dict(self._logs)
        clone._letters = list(self._letters)
        clone._claims = dict(self._claims)
        clone._stats = {p: dict(row) for p, row in self._stats.items()}
        return clone

    def seen(self, keys: Iterable[InboxKey]) -> set[InboxKey]:
        """Those of ``keys`` already applied (in the inbox), each matched whole."""
        return {key for key in keys if key in self._inbox}

    def record_applied(self, event_id: str, province: str, entity_key: str,
                       version: int, outcome: str, at: datetime) -> None:
        """Add an event to the inbox; ``outcome`` is applied, stale or duplicate."""
        self._inbox.setdefault(InboxKey(entity_key, version, event_id), (province, outcome, at))

    def offsets(self, group: str) -> dict[tuple[str, int], int]:
        """The next offset to read, by (topic, partition), as last committed here."""
        return {(t, p): n for (g, t, p), n in self._offsets.items() if g == group}

    def save_offset(self, group: str, topic: str, partition: int, next_offset: int) -> None:
        """Record the next offset to read for a partition."""
        self._offsets[(group, topic, partition)] = next_offset

    def claim_offsets(self, group: str, firsts: dict[tuple[str, int], int]
                      ) -> dict[tuple[str, int], int]:
        """Those partitions whose stored offset is past ``firsts`` (one process: no lock)."""
        stored = self.offsets(group)
        return {tp: stored[tp] for tp, first in firsts.items()
                if tp in stored and stored[tp] > first}

    def adopt_log(self, group: str, cluster_id: str) -> str | None:
        """Make ``cluster_id`` the log ``group``'s offsets count in; drop them if it was
        another's, and return that one's id."""
        previous = self._logs.get(group)
        self._logs[group] = cluster_id
        if previous is None or previous == cluster_id:
            return None
        self._offsets = {k: n for k, n in self._offsets.items() if k[0] != group}
        return previous

    def add_dead_letter(self, letter: DeadLetter) -> None:
        """Keep a dead letter for operators (numbered from 1, as SQL would)."""
        self._letters.append(replace(letter, id=len(self._letters) + 1))

    def dead_letters(self, limit: int = 100, include_replayed: bool = False,
                     after_id: int = 0) -> list[DeadLetter]:
        """Dead letters, oldest first, those with an id above ``after_id``."""
        found = [d for d in self._letters if (include_replayed or not d.replayed)
                 and (d.id or 0) > after_id]
        return found[:limit]

    def claim_replay(self, ids: Iterable[int], now: datetime, until: datetime,
                     again: bool = False) -> list[int]:
        """Claim dead letters for one replay (see the port); the unit's lock serialises it."""
        wanted = set(ids)
        claimed = [d.id for d in self._letters
                   if d.id is not None and d.id in wanted and (again or not d.replayed)
                   and self._claims.get(d.id, now) <= now]
        self._claims.update(dict.fromkeys(claimed, until))
        return claimed

    def release_replay(self, ids: Iterable[int]) -> None:
        """Give back claims on dead letters not re-driven."""
        for ident in ids:
            self._claims.pop(ident, None)

    def mark_replayed(self, ids: Iterable[int]) -> None:
        """Flag dead letters as re-driven (and give back their claims)."""
        wanted = set(ids)
        self._letters = [replace(d, replayed=True) if d.id in wanted else d
                         for d in self._letters]
        self.release_replay(wanted)

    def bump_stats(self, province: str, applied: int = 0, duplicate: int = 0,
                   stale: int = 0, dead_lettered: int = 0,
                   last_event_at: datetime | None = None) -> None:
        """Add to the per-province counters shown by ``transferhub status``."""
        row = self._stats.setdefault(province, {**dict.fromkeys(_COUNTERS, 0),
                                                "last_event_at": None})
        for name, value in zip(_COUNTERS, (applied, duplicate, stale, dead_lettered),
                               strict=True):
            row[name] = int(row[name]) + value  # type: ignore[call-overload]
        latest = row["last_event_at"]
        if last_event_at is not None and (latest is None or last_event_at > latest):  # type: ignore[operator]
            row["last_event_at"] = last_event_at

    def stats(self) -> dict[str, dict[str, object]]:
        """Per-province counters: applied, duplicate, stale, dead_lettered, last_event_at."""
        return {p: dict(self._stats[p]) for p in sorted(self._stats)}


class InMemoryUnitOfWork:
    """One transaction over copies of the store's repository and ledger."""

    equivalencies: InMemoryEquivalencyRepository
    ledger: InMemoryIngestLedger

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def __enter__(self) -> InMemoryUnitOfWork:
        self._store._writer.acquire()
        self.rollback()
        return self

    def __exit__(self, *exc: object) -> None:
        self.rollback()
        self._store._writer.release()

    def commit(self) -> None:
        """Make every write of this unit visible at once."""
        self._store._publish(self.equivalencies, self.ledger)
        self.rollback()

    def rollback(self) -> None:
        """Discard every write of this unit (start again from the committed state)."""
        self.equivalencies, self.ledger = self._store._committed_copies()


class InMemoryStore:
    """The store in memory: what ``open_store("memory://")`` returns."""

    def __init__(self) -> None:
        self._writer = threading.RLock()
        self._state = (InMemoryEquivalencyRepository(), InMemoryIngestLedger())

    def unit_of_work(self) -> InMemoryUnitOfWork:
        """A new transaction (use as a context manager)."""
        return InMemoryUnitOfWork(self)

    @contextmanager
    def reader(self) -> Iterator[InMemoryEquivalencyRepository]:
        """The committed repository as it is now; later commits do not change it."""
        yield self._state[0]

    def refresh_statistics(self) -> None:
        """Nothing to refresh: no planner here."""

    def close(self) -> None:
        """Nothing to release."""

    def _committed_copies(self) -> tuple[InMemoryEquivalencyRepository, InMemoryIngestLedger]:
        repository, ledger = self._state
        return repository.copy(), ledger.copy()

    def _publish(self, repository: InMemoryEquivalencyRepository,
                 ledger: InMemoryIngestLedger) -> None:
        # One assignment: readers see the old pair or the new pair, never a mix.
        self._state = (repository, ledger)
