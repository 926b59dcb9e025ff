"""The hub's Kafka consume loop: batches applied once in effect, offsets kept in the store.

    getmany (bounded)                                 batch N+1, while batch N is applied
        ─▶ translate, then dead letters to Kafka
        ─▶ ONE transaction: writes + inbox + dead letters + next offsets (thread, retried)
        ─▶ commit those offsets to Kafka ─▶ metrics, watch feed

The loop polls the next batch while a task translates and applies the
previous one. Translation runs in the same worker thread, just before the
apply, not beside it: two threads of Python contend for the GIL, and the
apply, which gives the GIL up around every database call, waits for it each
time (measured in one process, 400,000 events: 15,600/s translating beside
the apply, 17,100/s one after the other). At most one batch is applied at a
time and at most one waits, untranslated, behind it: memory stays bounded
whatever the backlog.

The store is the source of truth for positions: on assignment each partition
is sought to the store's next offset (the beginning when it has none), so a
Kafka commit lost to a crash or a rebalance only means the inbox recognises
a few duplicates; offsets read from another broker log (an embedded broker
restarted empty) are dropped first (:mod:`hub.ingest.brokerlog`). A
revocation waits for the batch being applied. A batch polled across a
rebalance is dropped before it is applied (its records may predate the seek)
and its partitions sought to the store's offsets again; the batch polled
meanwhile is dropped as well, and the loop polls again only after that seek.
The database down pauses the partitions and retries the same batch with
backoff (tenacity), committing nothing until it succeeds. The broker down:
aiokafka reconnects by itself; starting retries until it answers. ``stop``
set (SIGTERM): the batch being applied finishes and commits, the translated
one waiting behind it is dropped uncommitted (read again on restart), and
the loop exits.

Garbage collection: a batch allocates tens of thousands of short-lived
objects, which with CPython's default thresholds trigger a full collection
every couple of batches, each scanning every live object of the process.
:func:`tune_gc` freezes what exists at start and collects the young
generation less often (about a third less CPU per applied event).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from tenacity import AttemptManager

from hub.ingest.batch import handle_batch
from hub.ingest.brokerlog import cluster_id
from hub.ingest.deadletters import MAX_PRODUCED
from hub.ingest.errors import Fenced, StopAsked
from hub.ingest.feed import AppliedFeed
from hub.ingest.isolating import is_retryable
from hub.ingest.metrics import IngestMetrics
from hub.ingest.retrying import retrying
from hub.ingest.settings import IngestSettings
from hub.ingest.statistics import StatisticsRefresh
from hub.runtime import tune_gc
from hub.store.ports import Store
from transferhub.broker import EVENT_TOPIC_PATTERN
from transferhub.kafka_clients import stop_quietly

log = structlog.get_logger("hub.ingest")
UNREACHABLE_LOG_EVERY = 30  # starting attempts (one a second) between two warnings


class _Rebalance(ConsumerRebalanceListener):
    def __init__(self, ingest: Ingest) -> None:
        self._ingest = ingest

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        async with self._ingest.in_flight:  # wait for the batch being applied
            self._ingest.generation += 1
            # Two fences tell a made-again topic only within one assignment (a reviewer).
            self._ingest._fenced_at.clear()

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        async with self._ingest.in_flight:
            self._ingest.generation += 1
            await self._ingest.seek_to_store(assigned)
            self._ingest.generation += 1


class Ingest:
    """Consumes every province's topic into ``store`` until ``stop`` is set."""

    def __init__(self, store: Store, settings: IngestSettings, *,
                 metrics: IngestMetrics | None = None, feed: AppliedFeed | None = None) -> None:
        self.store = store
        self.settings = settings
        self.metrics = metrics or IngestMetrics()
        self.feed = feed or AppliedFeed()
        self.statistics = StatisticsRefresh(store)
        self.in_flight = asyncio.Lock()
        self.consumer: AIOKafkaConsumer | None = None
        self.producer: AIOKafkaProducer | None = None
        self.ready = asyncio.Event()
        # Bumped around every rebalance: records returned by a poll that overlapped
        # one may predate the seek to the store's offsets, so they are dropped and
        # their partitions sought to the store's offsets again.
        self.generation = 0
        # Partitions fenced last at this first offset (see _another_log).
        self._fenced_at: dict[tuple[str, int], int] = {}
        self._stop = asyncio.Event()

    def retrying(self, what: str, retryable: Callable[[BaseException], bool] = is_retryable,
                 ) -> AsyncIterator[AttemptManager]:
        """Attempts at ``what``, retried with backoff until they succeed or the loop stops
        (:func:`hub.ingest.retrying.retrying`)."""
        return retrying(what, retryable, stop=self._stop, metrics=self.metrics,
                        max_wait=self.settings.retry_max_wait)

    async def seek_to_store(self, assigned: set[TopicPartition]) -> None:
        """Position each assigned partition at the store's next offset (of this broker's log:
        :mod:`hub.ingest.brokerlog`)."""
        group = self.settings.group
        cluster = await cluster_id(self.settings.bootstrap)

        def offsets() -> tuple[str | None, dict[tuple[str, int], int]]:
            with self.store.unit_of_work() as uow:
                if cluster is None:
                    return None, uow.ledger.offsets(group)
                replaced = uow.ledger.adopt_log(group, cluster)
                found = uow.ledger.offsets(group)
                uow.commit()
                return replaced, found

        async for attempt in self.retrying("read offsets"):
            with attempt:
                replaced, stored = await asyncio.to_thread(offsets)
        if replaced is not None:
            self._fenced_at.clear()   # the offsets they were fenced by are gone
            log.warning("ingest.log_replaced", group=group, was=replaced, now=cluster,
                        hint="the broker's log is not the one the store's offsets were read "
                             "from (the embedded broker restarted, or another cluster): every "
                             "partition is read again from its beginning; events already "
                             "applied count as duplicates")
        assert self.consumer is not None
        for tp in assigned:
            if (tp.topic, tp.partition) in stored:
                self.consumer.seek(tp, stored[(tp.topic, tp.partition)])
            else:
                await self.consumer.seek_to_beginning(tp)
        self.metrics.partitions.set(len(self.consumer.assignment()))
        log.info("ingest.positioned", partitions=len(assigned),
                 assigned=len(self.consumer.assignment()))

    async def _start(self) -> None:
        s = self.settings
        attempts = 0
        while not self._stop.is_set():
            attempts += 1
            self.consumer = AIOKafkaConsumer(
                bootstrap_servers=s.bootstrap, group_id=s.group, enable_auto_commit=False,
                auto_offset_reset="earliest", metadata_max_age_ms=s.metadata_max_age_ms,
                session_timeout_ms=s.session_timeout_ms,
                heartbeat_interval_ms=s.heartbeat_interval_ms, max_poll_records=s.max_batch,
                fetch_max_bytes=16 * 1024 * 1024,
                # A province's own producer may write in transactions: what it aborted
                # was never published, and is never applied.
                isolation_level="read_committed")
            self.producer = AIOKafkaProducer(bootstrap_servers=s.bootstrap, acks="all",
                                             max_request_size=MAX_PRODUCED)
            try:
                await self.consumer.start()
                await self.producer.start()
            except KafkaError as exc:
                if attempts % UNREACHABLE_LOG_EVERY == 1:  # the first, then about every 30 s
                    log.warning("ingest.broker_unreachable", bootstrap=s.bootstrap,
                                attempts=attempts, error=repr(exc))
                await self._close()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), 1.0)
                continue
            self.consumer.subscribe(pattern=EVENT_TOPIC_PATTERN, listener=_Rebalance(self))
            return

    async def _close(self) -> None:
        for client in (self.consumer, self.producer):
            if client is not None:
                await stop_quietly(client)

    def stop(self) -> None:
        """Ask the loop to finish its batch, commit and return."""
        self._stop.set()

    def stopping(self) -> bool:
        """Whether :meth:`stop` was asked (read from the apply's thread too)."""
        return self._stop.is_set()

    async def run(self) -> None:
        """Consume until :meth:`stop`; every batch returned from here is committed."""
        await self._start()
        tune_gc()
        applying: asyncio.Task[bool] | None = None
        try:
            self.ready.set()
            while not self._stop.is_set():
                assert self.consumer is not None
                generation = self.generation
                got = await self.consumer.getmany(timeout_ms=self.settings.poll_timeout_ms,
                                                  max_records=self.settings.max_batch)
                # Read while the previous batch is translated and applied.
                batch = self._assigned_records(got) if got else []
                applied = True
                if applying is not None and (got or applying.done()):
                    task, applying = applying, None
                    applied = await task  # its failure surfaces here, within a poll
                if self._stop.is_set():
                    break  # this batch is not applied: nothing of it is committed
                if not got:
                    continue
                if not applied or generation != self.generation:
                    # Polled across a rebalance, or before the seek of a dropped batch:
                    # read it again from the store's offsets before polling on.
                    async with self.in_flight:
                        await self.seek_to_store(set(got) & self.consumer.assignment())
                    continue
                if batch:
                    applying = asyncio.create_task(self._apply(batch, generation))
            if applying is not None:  # stopping: the batch in flight finishes and commits
                task, applying = applying, None
                await task
        finally:
            if applying is not None:  # failing: let the batch in flight end before closing
                await asyncio.wait({applying})
            await self.statistics.wait()
            await self._close()

    def _assigned_records(self, got: dict[TopicPartition, list]) -> list[list]:  # type: ignore[type-arg]
        """The records of a poll from partitions still assigned, by partition."""
        assert self.consumer is not None
        assigned = self.consumer.assignment()
        return [records for tp, records in got.items() if tp in assigned]

    async def _apply(self, records: list[list], generation: int) -> bool:  # type: ignore[type-arg]
        """Translate, apply and commit ``records``; False when a rebalance since their poll,
        or another consumer's commit past them (:class:`Fenced`), dropped them."""
        async with self.in_flight:
            assert self.consumer is not None
            polled = {TopicPartition(r.topic, r.partition) for part in records for r in part}
            if generation != self.generation:
                await self.seek_to_store(polled & self.consumer.assignment())
                return False
            try:
                await handle_batch(self, records)
            except Fenced as fenced:
                log.warning("ingest.fenced", detail=str(fenced))
                await self._another_log(fenced)
                await self.seek_to_store(polled & self.consumer.assignment())
                return False
            except StopAsked as stopped:   # what was committed stands; the loop ends
                log.info("ingest.batch_left", detail=str(stopped))
                return False
            for tp in polled:
                self._fenced_at.pop((tp.topic, tp.partition), None)
            return True

    async def _another_log(self, fenced: Fenced) -> None:
        """Set back to 0 the stored offsets of partitions fenced twice at the same first
        offset: the seek to the store's offset did not hold, so it is past the end of the
        partition's log, another log's (the topic deleted and made again on the same
        cluster). A replica behind another is fenced once: it then reads on from the
        store's offset. (The broker's end offsets cannot tell: the embedded one answers
        short of the end.) Before, a made-again topic was fenced for ever (a reviewer)."""
        firsts = fenced.firsts
        again = [key for key in fenced.behind if key in firsts
                 and self._fenced_at.get(key) == firsts[key]]
        for key in fenced.behind:
            if key in firsts:
                self._fenced_at[key] = firsts[key]
        if not again:
            return
        log.warning("ingest.log_shorter", group=self.settings.group,
                    partitions=[f"{t}[{p}]" for t, p in again],
                    hint="the store's offsets are past the end of these partitions (the topic "
                         "was made again): they are read again from their beginning; events "
                         "already applied count as duplicates")

        def reset() -> None:
            with self.store.unit_of_work() as uow:
                for topic, partition in again:
                    uow.ledger.save_offset(self.settings.group, topic, partition, 0)
                uow.commit()

        async for attempt in self.retrying("reset offsets"):
            with attempt:
                await asyncio.to_thread(reset)
        for key in again:
            self._fenced_at.pop(key, None)
