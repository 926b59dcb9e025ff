"""The ingest has the store refresh its planner statistics after large changes.

On a PostgreSQL whose autovacuum is off (this project's test server), a tester's
re-ingested 100,000-rule export left transfer queries 37 times slower until a plain
ANALYZE: the planner kept guessing from empty tables.
"""

from __future__ import annotations

import asyncio

from hub.ingest.statistics import StatisticsRefresh


class CountingStore:
    def __init__(self, fail: bool = False) -> None:
        self.refreshed = 0
        self.fail = fail

    def refresh_statistics(self) -> None:
        self.refreshed += 1
        if self.fail:
            raise RuntimeError("the database went away")


class TestStatisticsRefresh:
    """Refreshed once enough events were applied, never twice at once, at most so often."""

    def test_after_enough_events_and_not_before(self) -> None:
        store = CountingStore()

        async def run() -> None:
            refresh = StatisticsRefresh(store, every=1000, at_most_every=0)   # type: ignore[arg-type]
            for _ in range(9):
                refresh.applied(100)
            await refresh.wait()
            assert store.refreshed == 0
            refresh.applied(100)          # 1,000 since the last time
            await refresh.wait()
            assert store.refreshed == 1 and refresh.changed == 0
            refresh.applied(2500)
            await refresh.wait()
            assert store.refreshed == 2

        asyncio.run(run())

    def test_at_most_so_often(self) -> None:
        store = CountingStore()

        async def run() -> None:
            refresh = StatisticsRefresh(store, every=10, at_most_every=3600)  # type: ignore[arg-type]
            refresh.applied(10)
            await refresh.wait()
            refresh.applied(1000)         # enough, but an hour has not passed
            await refresh.wait()
            assert store.refreshed == 1 and refresh.changed == 1000

        asyncio.run(run())

    def test_a_failed_refresh_is_logged_and_tried_again_later(self) -> None:
        store = CountingStore(fail=True)

        async def run() -> None:
            refresh = StatisticsRefresh(store, every=10, at_most_every=0)  # type: ignore[arg-type]
            refresh.applied(10)
            await refresh.wait()           # no exception escapes
            refresh.applied(10)
            await refresh.wait()
            assert store.refreshed == 2

        asyncio.run(run())
