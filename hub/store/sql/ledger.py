"""``SqlIngestLedger``: the inbox, consumer offsets, dead letters and per-province counters.

The ingest records one inbox row and a few counters per event; issuing a
statement for each would cost more than applying the event. So writes are
buffered and flushed as multi-row statements before any ledger read and when
the unit of work commits, inside the same transaction as the writes they
account for.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, case, delete, or_, select, true, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from hub.store.ports import DeadLetter, InboxKey
from hub.store.sql import tables as t
from hub.store.sql.bulk import insert_rows, json_text
from hub.store.sql.fetch import chunks

_COUNTERS = ("applied", "duplicate", "stale", "dead_lettered")
# The batch's keys drive the join (CROSS JOIN fixes that order on SQLite).
_SEEN_SQLITE = (
    'SELECT i."entity_key", i."version", i."event_id"'
    ' FROM json_each(?) AS k CROSS JOIN "inbox" AS i'
    ' WHERE i."entity_key" = k.value ->> 0 AND i."version" = k.value ->> 1'
    ' AND i."event_id" = k.value ->> 2')
_SEEN_POSTGRES = (
    'SELECT i."entity_key", i."version", i."event_id"'
    ' FROM jsonb_array_elements(%s::jsonb) AS k(key)'
    ' JOIN "inbox" AS i ON i."entity_key" = k.key ->> 0'
    ' AND i."version" = (k.key ->> 1)::bigint AND i."event_id" = k.key ->> 2')
_INBOX_COLUMNS = ("event_id", "province", "entity_key", "version", "outcome", "applied_at")


def _insert(conn: Connection, table: Any) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


CLAIM_LOCK_TIMEOUT_S = 10
"""Seconds a batch's transaction waits for a row another transaction holds (PostgreSQL)."""


class SqlIngestLedger:
    """The ingest's ledger over the unit of work's connection."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._inbox: list[tuple[Any, ...]] = []
        self._offsets: dict[tuple[str, str, int], int] = {}
        self._letters: list[dict[str, Any]] = []
        self._stats: dict[str, dict[str, Any]] = {}

    def seen(self, keys: Iterable[InboxKey]) -> set[InboxKey]:
        """Those of ``keys`` already applied (in the inbox), each matched whole.

        One statement for the whole batch: the keys travel as one JSON array of
        ``[entity_key, version, event_id]`` and each is one look-up of the
        inbox's primary key.
        """
        self.flush()
        keys = list(dict.fromkeys(keys))
        if not keys:
            return set()
        sql = _SEEN_SQLITE if self._conn.dialect.name == "sqlite" else _SEEN_POSTGRES
        rows = self._conn.exec_driver_sql(sql, (json_text(keys),))
        return {InboxKey(*row) for row in rows}

    def record_applied(self, event_id: str, province: str, entity_key: str,
                       version: int, outcome: str, at: datetime) -> None:
        """Add an event to the inbox; ``outcome`` is applied, stale or duplicate."""
        self._inbox.append((event_id, province, entity_key, version, outcome, at))

    def offsets(self, group: str) -> dict[tuple[str, int], int]:
        """The next offset to read, by (topic, partition), as last committed here."""
        self.flush()
        c = t.consumer_offset.c
        rows = self._conn.execute(select(c.topic, c.partition, c.next_offset)
                                  .where(c.consumer_group == group))
        return {(topic, partition): offset for topic, partition, offset in rows}

    def save_offset(self, group: str, topic: str, partition: int, next_offset: int) -> None:
        """Record the next offset to read for a partition."""
        self._offsets[(group, topic, partition)] = next_offset

    def claim_offsets(self, group: str, firsts: dict[tuple[str, int], int]
                      ) -> dict[tuple[str, int], int]:
        """Lock the partitions' offset rows (``FOR UPDATE`` on PostgreSQL; SQLite's writer
        holds the database from ``BEGIN IMMEDIATE``) and answer those stored past
        ``firsts``. A partition with no row gets one at its first offset, so that two
        consumers starting the same partition wait for each other there too; the
        batch's commit sets it to where the batch ends, a rollback removes it."""
        if not firsts:
            return {}
        if self._conn.dialect.name == "postgresql":
            # Waiting on a frozen replica's lock fails after this (retryable: the batch is
            # tried again with backoff) instead of holding the apply thread, and a stop,
            # until PostgreSQL ends the frozen transaction (a reviewer). For the rest of
            # this transaction: a row another replica holds is waited for as long.
            self._conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{CLAIM_LOCK_TIMEOUT_S}s'")
        c = t.consumer_offset.c
        stmt = _insert(self._conn, t.consumer_offset).values([
            {"consumer_group": group, "topic": topic, "partition": partition,
             "next_offset": first} for (topic, partition), first in sorted(firsts.items())])
        self._conn.execute(stmt.on_conflict_do_nothing(
            index_elements=["consumer_group", "topic", "partition"]))
        rows = self._conn.execute(
            select(c.topic, c.partition, c.next_offset)
            .where(c.consumer_group == group,
                   tuple_(c.topic, c.partition).in_(sorted(firsts)))
            .order_by(c.topic, c.partition).with_for_update())
        return {(topic, partition): stored for topic, partition, stored in rows
                if stored > firsts[(topic, partition)]}

    def adopt_log(self, group: str, cluster_id: str) -> str | None:
        """Make ``cluster_id`` the log ``group``'s offsets count in; drop them if it was
        another's, and return that one's id."""
        self.flush()
        log = t.consumer_log.c
        previous = self._conn.execute(select(log.cluster_id).where(
            log.consumer_group == group)).scalar_one_or_none()
        if previous == cluster_id:
            return None
        stmt = _insert(self._conn, t.consumer_log).values(consumer_group=group,
                                                          cluster_id=cluster_id)
        self._conn.execute(stmt.on_conflict_do_update(
            index_elements=["consumer_group"], set_={"cluster_id": cluster_id}))
        if previous is None:
            return None
        self._conn.execute(delete(t.consumer_offset).where(
            t.consumer_offset.c.consumer_group == group))
        return previous

    def add_dead_letter(self, letter: DeadLetter) -> None:
        """Keep a dead letter for operators."""
        self._letters.append({
            "topic": letter.topic, "partition": letter.partition, "offset": letter.offset,
            "key": letter.key, "value": letter.value, "reason": letter.reason,
            "province": letter.province, "event_id": letter.event_id,
            "recorded_at": letter.recorded_at, "replayed": letter.replayed})

    def dead_letters(self, limit: int = 100, include_replayed: bool = False,
                     after_id: int = 0) -> list[DeadLetter]:
        """Dead letters, oldest first, those with an id above ``after_id``."""
        self.flush()
        query = select(t.dead_letter).order_by(t.dead_letter.c.id).limit(limit)
        if after_id:
            query = query.where(t.dead_letter.c.id > after_id)
        if not include_replayed:
            query = query.where(t.dead_letter.c.replayed != true())
        return [DeadLetter(id=r["id"], topic=r["topic"], partition=r["partition"],
                           offset=r["offset"], key=r["key"], value=r["value"],
                           reason=r["reason"], province=r["province"], event_id=r["event_id"],
                           recorded_at=r["recorded_at"], replayed=bool(r["replayed"]))
                for r in self._conn.execute(query).mappings()]

    def claim_replay(self, ids: Iterable[int], now: datetime, until: datetime,
                     again: bool = False) -> list[int]:
        """Claim dead letters for one replay (see the port).

        One ``UPDATE … WHERE id IN (free ones) RETURNING id``. On PostgreSQL the
        free ones are read ``FOR UPDATE SKIP LOCKED``: rows another replay is
        claiming right now are passed over rather than waited for (and two
        replays never lock in crossed orders), and a claim committed meanwhile
        is re-read and found taken. SQLite runs one writer at a time.
        """
        self.flush()
        c = t.dead_letter.c
        free = select(c.id).where(
            c.id.in_(bindparam("ids", expanding=True)),
            or_(c.replay_claimed_until.is_(None), c.replay_claimed_until <= now))
        if not again:
            free = free.where(c.replayed != true())
        stmt = (update(t.dead_letter).values(replay_claimed_until=until)
                .where(c.id.in_(free.with_for_update(skip_locked=True)))
                .returning(c.id))
        claimed: list[int] = []
        for part in chunks(list(ids)):
            claimed.extend(self._conn.execute(stmt, {"ids": part}).scalars())
        return sorted(claimed)

    def release_replay(self, ids: Iterable[int]) -> None:
        """Give back claims on dead letters not re-driven."""
        self._set_letters(ids, replay_claimed_until=None)

    def mark_replayed(self, ids: Iterable[int]) -> None:
        """Flag dead letters as re-driven (and give back their claims)."""
        self._set_letters(ids, replayed=True, replay_claimed_until=None)

    def _set_letters(self, ids: Iterable[int], **values: Any) -> None:
        self.flush()
        stmt = (update(t.dead_letter).values(**values)
                .where(t.dead_letter.c.id.in_(bindparam("ids", expanding=True))))
        for part in chunks(list(ids)):
            self._conn.execute(stmt, {"ids": part})

    def bump_stats(self, province: str, applied: int = 0, duplicate: int = 0,
                   stale: int = 0, dead_lettered: int = 0,
                   last_event_at: datetime | None = None) -> None:
        """Add to the per-province counters shown by ``transferhub status``."""
        row = self._stats.setdefault(province, {"province": province, "last_event_at": None,
                                                **dict.fromkeys(_COUNTERS, 0)})
        for name, value in zip(_COUNTERS, (applied, duplicate, stale, dead_lettered),
                               strict=True):
            row[name] += value
        if last_event_at is not None and (row["last_event_at"] is None
                                          or last_event_at > row["last_event_at"]):
            row["last_event_at"] = last_event_at

    def stats(self) -> dict[str, dict[str, object]]:
        """Per-province counters: applied, duplicate, stale, dead_lettered, last_event_at."""
        self.flush()
        rows = self._conn.execute(select(t.province_stats).order_by(t.province_stats.c.province))
        return {r["province"]: {name: r[name] for name in (*_COUNTERS, "last_event_at")}
                for r in rows.mappings()}

    def discard(self) -> None:
        """Forget what is buffered (the unit of work rolled back)."""
        self._inbox, self._letters = [], []
        self._offsets, self._stats = {}, {}

    def flush(self) -> None:
        """Write what is buffered, in this transaction."""
        conn = self._conn
        if self._inbox:
            insert_rows(conn, t.inbox, _INBOX_COLUMNS, self._inbox,
                        'ON CONFLICT ("entity_key", "version", "event_id") DO NOTHING')
        if self._offsets:
            stmt = _insert(conn, t.consumer_offset)
            stmt = stmt.on_conflict_do_update(
                index_elements=["consumer_group", "topic", "partition"],
                set_={"next_offset": stmt.excluded.next_offset})
            conn.execute(stmt, [{"consumer_group": g, "topic": topic, "partition": p,
                                 "next_offset": n} for (g, topic, p), n in self._offsets.items()])
        if self._letters:
            conn.execute(t.dead_letter.insert(), self._letters)
        if self._stats:
            # In one order on every replica: two batches upserting BC then ON and ON then BC
            # deadlocked (PostgreSQL broke it after a second; the batch was retried).
            conn.execute(self._stats_upsert(), [self._stats[p] for p in sorted(self._stats)])
        self.discard()

    def _stats_upsert(self) -> Any:
        stmt = _insert(self._conn, t.province_stats)
        stored, new = t.province_stats.c, stmt.excluded
        latest = case((new.last_event_at.is_(None), stored.last_event_at),
                      (stored.last_event_at.is_(None), new.last_event_at),
                      (new.last_event_at > stored.last_event_at, new.last_event_at),
                      else_=stored.last_event_at)
        return stmt.on_conflict_do_update(
            index_elements=["province"],
            set_={**{name: stored[name] + new[name] for name in _COUNTERS},
                  "last_event_at": latest})
