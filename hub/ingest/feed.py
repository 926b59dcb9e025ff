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
        self._queues: set[asyncio.Queue[AppliedNotice | None]] = set()
        self._closed = False

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

    def close(self) -> None:
        """End every watch, now and to come: the hub is shutting down.

        A watch (an operator's ``WatchEvents`` stream) never ends by itself, so
        without this a shutdown would wait out the server's whole grace period.
        """
        self._closed = True
        for queue in self._queues:
            with contextlib.suppress(asyncio.QueueEmpty):
                while queue.full():
                    queue.get_nowait()
            queue.put_nowait(None)

    async def watch(self) -> AsyncIterator[AppliedNotice]:
        """Every notice published from now on, until the caller stops or the feed closes."""
        queue: asyncio.Queue[AppliedNotice | None] = asyncio.Queue(self._buffer)
        self._queues.add(queue)
        try:
            while not self._closed:
                notice = await queue.get()
                if notice is None:
                    return
                yield notice
        finally:
            self._queues.discard(queue)
