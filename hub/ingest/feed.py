"""A broadcast of handled events for ``WatchEvents``: bounded, never slows the ingest.

Each watcher gets its own bounded queue; a watcher that falls behind loses
its oldest notices rather than holding the ingest back (a live view, not a
log: the store and the topics are the record).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable

from hub.api.operator import AppliedNotice

WATCHER_BUFFER = 10_000


class AppliedFeed:
    """Fan-out of :class:`AppliedNotice` from the ingest to any number of watchers."""

    def __init__(self, buffer: int = WATCHER_BUFFER) -> None:
        self._buffer = buffer
        self._queues: set[asyncio.Queue[AppliedNotice]] = set()

    @property
    def watchers(self) -> int:
        """How many watchers are listening."""
        return len(self._queues)

    def publish(self, notices: Iterable[AppliedNotice]) -> None:
        """Hand ``notices`` to every watcher (call on the event loop)."""
        if not self._queues:
            return
        notices = list(notices)
        for queue in self._queues:
            for notice in notices:
                if queue.full():
                    with contextlib.suppress(asyncio.QueueEmpty):
                        queue.get_nowait()
                queue.put_nowait(notice)

    async def watch(self) -> AsyncIterator[AppliedNotice]:
        """Every notice published from now on, until the caller stops iterating."""
        queue: asyncio.Queue[AppliedNotice] = asyncio.Queue(self._buffer)
        self._queues.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues.discard(queue)
