"""One polled batch through the hub, the step the consume loop (:mod:`hub.ingest.consumer`) runs.

Translated, its dead letters published, applied in one transaction (retried
while the store is down, the partitions paused meanwhile), counted and sent to
the watch feed, the events the store refused published, its offsets committed
to Kafka. Counted once in the store, not after Kafka's copy of the offsets: that
commit waits out a broker that is down, and an operator's metrics and monitor
fell a minute behind the store meanwhile (a tester: 61,145 counted, 77,097
applied).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING

import structlog
from aiokafka import TopicPartition
from aiokafka.errors import KafkaError

from hub.api.operator import AppliedNotice
from hub.ingest.apply import DEAD_LETTERED, BatchReport
from hub.ingest.deadletters import publish_dead_letters
from hub.ingest.deliveries import Delivery, Handled, read
from hub.ingest.isolating import STORE_REJECTED, apply_isolating, unapplied
from hub.ingest.retrying import broker_retryable
from hub.ingest.translate import topic_province

if TYPE_CHECKING:
    from hub.ingest.consumer import Ingest

log = structlog.get_logger("hub.ingest")


async def handle_batch(ingest: Ingest, records: list[list]) -> None:  # type: ignore[type-arg]
    """Translate, apply and commit ``records`` (a poll's, by partition) for ``ingest``."""
    assert ingest.consumer is not None and ingest.producer is not None
    started = time.perf_counter()
    assigned = ingest.consumer.assignment()
    batch = await asyncio.to_thread(_translated, records)
    poison = [h for h in batch if h.poison]
    if poison:
        # The broker unreachable: retried like the database (it reconnects by itself).
        async for attempt in ingest.retrying("publish dead letters", broker_retryable):
            with attempt:
                await publish_dead_letters(ingest.producer, poison)
    paused = False
    committed: list[BatchReport] = []  # every transaction that committed, over all tries
    try:
        async for attempt in ingest.retrying("apply batch"):
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    if not paused:
                        ingest.consumer.pause(*assigned)
                        paused = True
                    # What the failed try committed (halves of a refused batch)
                    # is not applied, counted or dead-lettered again.
                    batch = await asyncio.to_thread(unapplied, ingest.store,
                                                    ingest.settings.group, batch)
                report = await asyncio.to_thread(apply_isolating, ingest.store,
                                                 ingest.settings.group, batch, committed.append,
                                                 ingest.stopping)
    except Exception as failure:
        # Fenced, or the loop stopped while the store was down: halves committed
        # before that are applied (counted) and stored dead letters the topic must
        # still get. What publishing them meets must not hide why the batch failed.
        _count(ingest, committed)
        try:
            await _publish_refused(ingest, committed)
        except Exception as exc:
            log.warning("ingest.dead_letters_unpublished", error=repr(exc),
                        batch_error=repr(failure))
        raise
    finally:
        if paused:
            with contextlib.suppress(Exception):
                ingest.consumer.resume(*(tp for tp in assigned
                                         if tp in ingest.consumer.assignment()))
    # Every committed transaction counts, a failed try's committed halves too.
    _count(ingest, committed)
    await _publish_refused(ingest, committed)
    await _commit(ingest, report.next_offsets)
    ingest.metrics.batch_seconds.observe(time.perf_counter() - started)


async def _publish_refused(ingest: Ingest, committed: list[BatchReport]) -> None:
    """Publish the dead letters of events the store refused (known only once committed)."""
    assert ingest.producer is not None
    refused = [h for report in committed for h, outcome in report.outcomes
               if outcome == DEAD_LETTERED and h.poison is not None
               and h.poison.code == STORE_REJECTED]
    if refused:
        with contextlib.suppress(KafkaError):
            await publish_dead_letters(ingest.producer, refused)


async def _commit(ingest: Ingest, next_offsets: dict[tuple[str, int], int]) -> None:
    assert ingest.consumer is not None
    assigned = ingest.consumer.assignment()
    offsets = {TopicPartition(t, p): n for (t, p), n in next_offsets.items()
               if TopicPartition(t, p) in assigned}
    try:
        if offsets:
            await ingest.consumer.commit(offsets)
    except (KafkaError, AssertionError) as exc:
        # The store holds the offsets already; Kafka's copy is advisory.
        log.info("ingest.kafka_commit_skipped", error=repr(exc))


def _count(ingest: Ingest, committed: list[BatchReport]) -> None:
    """Metrics, the watch feed and the store's statistics for what the store committed."""
    for report in committed:
        for province, counts in report.counts().items():
            for outcome, n in counts.items():
                ingest.metrics.count(province, outcome, n)
            ingest.statistics.applied(counts.get("applied", 0))
        if ingest.feed.watchers:
            ingest.feed.publish(_notices(report))


def _translated(records: list[list]) -> list[Handled]:  # type: ignore[type-arg]
    return read(Delivery(r.topic, r.partition, r.offset, r.key, r.value)
                for part in records for r in part)


def _notices(report: BatchReport) -> list[AppliedNotice]:
    return [AppliedNotice(h.event.event_id if h.event else (h.poison.event_id or ""),
                          h.event.province if h.event else topic_province(h.delivery.topic),
                          h.event.entity_key if h.event else "",
                          h.event.version if h.event else 0, outcome, report.at,
                          h.event.command.change if h.event else "")
            for h, outcome in report.outcomes]
