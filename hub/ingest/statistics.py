"""The store's planner statistics, refreshed by the ingest after large changes.

PostgreSQL plans a query from statistics that its autovacuum daemon gathers; where
autovacuum is off (as on this project's test server) or lags behind a bulk load,
the planner keeps guessing from an empty table. A tester re-ingested a 100,000-rule
export a dozen times on such a server: transfer queries went from 121 a second to
3.3 (p50 8 s) until a plain ``ANALYZE``. So the ingest asks the store to refresh them
(:meth:`~hub.store.ports.Store.refresh_statistics`) once :data:`EVERY_EVENTS` events
were applied since the last time, at most every :data:`AT_MOST_EVERY_SECONDS`, in a
thread beside the ingest: ANALYZE takes no lock that holds up reads or writes.
Each replica does so for what it applied; the database serialises them cheaply.
"""

from __future__ import annotations

import asyncio
import time

import structlog

from hub.store.ports import Store

EVERY_EVENTS = 50_000
AT_MOST_EVERY_SECONDS = 60.0

log = structlog.get_logger("hub.ingest")


class StatisticsRefresh:
    """Counts the events applied and refreshes the store's statistics when enough were."""

    def __init__(self, store: Store, every: int = EVERY_EVENTS,
                 at_most_every: float = AT_MOST_EVERY_SECONDS) -> None:
        self.store, self.every, self.at_most_every = store, every, at_most_every
        self.changed = 0
        self._last = -at_most_every
        self._task: asyncio.Task[None] | None = None

    def applied(self, events: int) -> None:
        """``events`` more were applied (call on the event loop)."""
        self.changed += events
        now = time.monotonic()
        if (self.changed < self.every or now - self._last < self.at_most_every
                or (self._task is not None and not self._task.done())):
            return
        self.changed, self._last = 0, now
        self._task = asyncio.create_task(self._refresh(), name="store statistics")

    async def _refresh(self) -> None:
        started = time.perf_counter()
        try:
            await asyncio.to_thread(self.store.refresh_statistics)
        except Exception as exc:   # the next large change tries again
            log.warning("ingest.statistics_not_refreshed", error=repr(exc))
            return
        log.info("ingest.statistics_refreshed", seconds=round(time.perf_counter() - started, 2))

    async def wait(self) -> None:
        """Let a refresh under way finish (on shutdown: its thread cannot be cancelled)."""
        if self._task is not None:
            await asyncio.wait({self._task})
