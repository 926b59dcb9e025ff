"""Ingest work retried with backoff while the store or the broker is down, in operators' sight.

Which failures are worth waiting out: :func:`hub.ingest.isolating.is_retryable`
for the store, :func:`broker_retryable` for the broker.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import structlog
from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError
from tenacity import AsyncRetrying, AttemptManager, retry_if_exception, wait_exponential

from hub.ingest.isolating import is_retryable
from hub.ingest.metrics import IngestMetrics

log = structlog.get_logger("hub.ingest")


async def retrying(what: str, retryable: Callable[[BaseException], bool] = is_retryable, *,
                   stop: asyncio.Event, metrics: IngestMetrics, max_wait: float,
                   ) -> AsyncIterator[AttemptManager]:
    """Tenacity's attempts at ``what``, retried with backoff while ``retryable``, until ``stop``.

    Operators see it: each retry is logged (``ingest.retrying``) and sets
    ``transferhub_ingest_retrying{what}`` to 1; success after retries is
    logged (``ingest.resumed``) and sets it back to 0.
    """
    def give_up(_state: object) -> bool:
        return stop.is_set()

    def note(state: object) -> None:
        log.warning("ingest.retrying", what=what, attempt=state.attempt_number,  # type: ignore[attr-defined]
                    error=repr(state.outcome.exception()))  # type: ignore[attr-defined]
        metrics.retrying.labels(what).set(1)

    wait = wait_exponential(multiplier=0.1, max=max_wait)
    attempts = 0
    async for attempt in AsyncRetrying(retry=retry_if_exception(retryable), reraise=True,
                                       wait=wait, stop=give_up, before_sleep=note):
        attempts += 1
        yield attempt
    if attempts > 1:
        log.info("ingest.resumed", what=what, attempts=attempts)
        metrics.retrying.labels(what).set(0)


def broker_retryable(exc: BaseException) -> bool:
    """The broker unreachable or busy (not a record it refuses for good)."""
    return (isinstance(exc, KafkaTimeoutError | KafkaConnectionError)
            or (isinstance(exc, KafkaError) and exc.retriable) or is_retryable(exc))
