"""Stopping aiokafka clients whatever state the broker left them in.

Shared by the hub's ingest and the adapters' publisher. With the broker gone,
aiokafka's (0.14) ``stop()`` can fail three ways, each seen here:

- a client that never started raises;
- a consumer re-raises the ``CancelledError`` of a fetch it cancelled itself
  (its fetcher awaits the requests it cancels, aio-libs/aiokafka#647), and
  stops there, its connections left open and still reconnecting;
- a consumer in a group waits for its coordination task, which may wait for a
  coordinator that no broker answers for.

``transferhub serve`` stopped by SIGTERM while the broker was away ended in a
traceback (the second) or never ended (the third).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

STOP_SECONDS = 5.0  # a stop with a live broker takes well under a second (it leaves the group)


def cancelled_here() -> bool:
    """Whether a ``CancelledError`` came from this task being cancelled (Ctrl-C), which must
    go on up, not from aiokafka's own tasks (it cancels its requests when the broker stops
    answering)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def _ended(step: Awaitable[Any], timeout: float) -> bool:
    """Whether ``step`` ended within ``timeout`` without failing; a cancellation of the
    caller's own task still goes on up."""
    try:
        await asyncio.wait_for(step, timeout)
    except asyncio.CancelledError:
        if cancelled_here():
            raise
        return False
    except Exception:  # the broker's state, or the time bound: nothing more to do with it
        return False
    return True


async def stop_quietly(client: Any, timeout: float = STOP_SECONDS) -> None:
    """Stop an aiokafka consumer or producer within about ``timeout`` seconds, never raising
    for the broker's state. Where ``stop()`` did not end, the client's connections are
    closed, which is its last step, so nothing is left reconnecting."""
    if await _ended(client.stop(), timeout):
        return
    connections = getattr(client, "_client", None)  # aiokafka's AIOKafkaClient
    if connections is not None:
        await _ended(connections.close(), timeout)
