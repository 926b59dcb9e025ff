"""The transactional outbox: events are recorded before they are sent.

Each batch of events is written to the ``outbox`` table in the same
transaction as the snapshot rows that produced them, so the state file never
says "published" about an event that could be lost. A batch is deleted only
after the broker acknowledged every message of it (``acks="all"``); whatever
is left is delivered first, in order, on the next run. Delivery is therefore
at-least-once; deterministic event ids let the hub drop the duplicates.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from adapters.base.publisher import EventPublisher, OutboundMessage

_BATCH = 5000


@dataclass(frozen=True, slots=True)
class OutboxBatch:
    """Outbox rows ``first..last`` (inclusive) and the messages they hold, in order."""

    first: int
    last: int
    messages: list[OutboundMessage]


class Outbox:
    """The ``outbox`` table of one state file."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def commit(self, messages: Sequence[OutboundMessage], *,
               writes: Iterable[tuple[str, str, int, bytes, int, int]] = (),
               seen: Iterable[tuple[int, str, str]] = (),
               removed: Iterable[tuple[str, str]] = ()) -> OutboxBatch:
        """Record events together with the snapshot changes, in one transaction."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            first = conn.execute("SELECT IFNULL(MAX(seq), 0) + 1 FROM outbox").fetchone()[0]
            conn.executemany("INSERT INTO outbox VALUES (?, ?, ?, ?)",
                             ((first + i, m.topic, m.key, m.value)
                              for i, m in enumerate(messages)))
            conn.executemany("INSERT OR REPLACE INTO entity VALUES (?, ?, ?, ?, ?, ?)", writes)
            conn.executemany("UPDATE entity SET seen_run = ? WHERE key = ? AND kind = ?", seen)
            conn.executemany("UPDATE entity SET present = 0 WHERE key = ? AND kind = ?", removed)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return OutboxBatch(first, first + len(messages) - 1, list(messages))

    def acknowledge(self, batch: OutboxBatch) -> None:
        """Forget a batch the broker acknowledged."""
        if batch.messages:
            self.conn.execute("DELETE FROM outbox WHERE seq BETWEEN ? AND ?",
                              (batch.first, batch.last))

    def pending_count(self) -> int:
        """How many recorded events have not been acknowledged."""
        return self.conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]

    def pending(self, size: int = _BATCH) -> Iterator[OutboxBatch]:
        """Unacknowledged events left by earlier runs, oldest first, in batches."""
        after = 0
        while True:
            rows = self.conn.execute(
                "SELECT seq, topic, key, value FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                (after, size)).fetchall()
            if not rows:
                return
            after = rows[-1][0]
            yield OutboxBatch(rows[0][0], after,
                              [OutboundMessage(t, bytes(k), bytes(v)) for _, t, k, v in rows])

    async def send(self, batch: OutboxBatch, publisher: EventPublisher) -> None:
        """Publish a batch, waiting for every acknowledgement, then forget it."""
        if batch.messages:
            await publisher.publish(batch.messages)
            self.acknowledge(batch)

    async def flush(self, publisher: EventPublisher) -> int:
        """Deliver everything left by earlier runs; how many events that was."""
        delivered = 0
        for batch in self.pending():
            await self.send(batch, publisher)
            delivered += len(batch.messages)
        return delivered
