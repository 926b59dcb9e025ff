"""A broadcast of handled events for ``WatchEvents``: bounded, never slows the ingest.

Each watcher gets its own bounded buffer; a watcher that falls behind loses
its oldest notices rather than holding the ingest back (a live view, not a
log: the store and the topics are the record). What it loses is counted, not
hidden: the next notice it receives says how many were dropped just before it
(:attr:`AppliedNotice.missed`), so that what a watcher was shown plus what it
missed is what the ingest handled.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import deque
from collections.abc import AsyncIterator, Iterable

from hub.api.operator import AppliedNotice

WATCHER_BUFFER = 10_000


class _Watcher:
    """One watch: its notices not yet taken, of its province only, and how many it lost."""

    __slots__ = ("missed", "notices", "province", "wake")

    def __init__(self, province: str) -> None:
        self.province = province
        self.notices: deque[AppliedNotice] = deque()
        self.missed = 0              # dropped since the last notice taken
        self.wake = asyncio.Event()


class AppliedFeed:
    """Fan-out of :class:`AppliedNotice` from the ingest to any number of watchers."""

    def __init__(self, buffer: int = WATCHER_BUFFER) -> None:
        self._buffer = buffer
        self._watchers: set[_Watcher] = set()
        self._closed = False

    @property
    def watchers(self) -> int:
        """How many watchers are listening."""
        return len(self._watchers)

    def publish(self, notices: Iterable[AppliedNotice]) -> None:
        """Hand ``notices`` to every watcher (call on the event loop); never waits.

        A watcher whose buffer is full loses its oldest notice for each new one,
        and counts it.
        """
        if not self._watchers:
            return
        notices = list(notices)
        for watcher in self._watchers:
            for notice in notices:
                if watcher.province and notice.province != watcher.province:
                    continue
                if len(watcher.notices) >= self._buffer:
                    watcher.notices.popleft()
                    watcher.missed += 1
                watcher.notices.append(notice)
            if watcher.notices:
                watcher.wake.set()

    def close(self) -> None:
        """End every watch, now and to come: the hub is shutting down.

        A watch (an operator's ``WatchEvents`` stream) never ends by itself, so
        without this a shutdown would wait out the server's whole grace period.
        """
        self._closed = True
        for watcher in self._watchers:
            watcher.wake.set()

    async def watch(self, province: str = "") -> AsyncIterator[AppliedNotice]:
        """Every notice published from now on (of ``province`` only, when given), until
        the caller stops or the feed closes.

        A notice that follows notices this watcher lost (it took them more slowly
        than they were published) carries their number in ``missed``.
        """
        watcher = _Watcher(province)
        self._watchers.add(watcher)
        try:
            while not self._closed:
                if not watcher.notices:
                    watcher.wake.clear()
                    await watcher.wake.wait()
                    continue
                notice = watcher.notices.popleft()
                if watcher.missed:
                    notice = dataclasses.replace(notice, missed=watcher.missed)
                    watcher.missed = 0
                yield notice
        finally:
            self._watchers.discard(watcher)
