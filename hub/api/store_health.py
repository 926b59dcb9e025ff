"""Health that follows the store: NOT_SERVING while the store cannot be read.

Every answer comes from the store, so a hub whose database is gone answers every
query ``UNAVAILABLE``; its ``grpc.health.v1`` status said SERVING all the same
(a black-box tester), and a load balancer or a readiness probe kept sending it
traffic. :func:`watch_store` reads the store every :data:`STORE_PROBE_SECONDS`
(one indexed look-up, in a thread of its own) and sets every service NOT_SERVING
while it fails or hangs, SERVING again once it answers. A probe that hangs (a
frozen database connection) is not piled on: no new one starts until it ends.

Point a readiness probe at it, not a liveness probe: restarting a hub does not
bring its database back.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import structlog
from grpc_health.v1 import health_pb2
from grpc_health.v1.health import aio as health_aio

from hub.store.ports import Store

STORE_PROBE_SECONDS = 5.0
_PROBED = "BC:PROBE:HEALTH"   # any credential id: found or not, the store answered

log = structlog.get_logger("hub.api")


def store_problem(store: Store) -> str | None:
    """Why the store cannot answer a read now, or None when it answers (blocking)."""
    try:
        with store.reader() as repo:
            repo.get_credential(_PROBED)
    except Exception as exc:   # whatever the cause, queries cannot be answered either
        return repr(exc)[:500]
    return None


async def watch_store(store: Store, health: health_aio.HealthServicer, names: Sequence[str],
                      interval: float = STORE_PROBE_SECONDS) -> None:
    """Keep ``names``' health at SERVING while ``store`` answers, NOT_SERVING while not.

    Runs until cancelled.
    """
    serving = True
    probe: asyncio.Future[str | None] | None = None
    while True:
        await asyncio.sleep(interval)
        if probe is None or probe.done():
            probe = asyncio.ensure_future(asyncio.to_thread(store_problem, store))
        problem: str | None = f"no answer in {interval:g} s"
        with contextlib.suppress(TimeoutError):
            problem = await asyncio.wait_for(asyncio.shield(probe), interval)
        if (problem is None) != serving:   # said once a change, not every probe
            serving = problem is None
            if serving:
                log.info("api.store_readable_again", health="SERVING")
            else:
                log.warning("api.store_unreadable", health="NOT_SERVING", error=problem)
            status = (health_pb2.HealthCheckResponse.SERVING if serving
                      else health_pb2.HealthCheckResponse.NOT_SERVING)
            for name in names:
                await health.set(name, status)
