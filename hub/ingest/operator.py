"""The ingest as the hub runs it: a component of ``transferhub serve`` that answers operators.

:class:`HubIngest` is what :func:`hub.bootstrap.start_hub` takes as ``ingest``
(build it with :func:`ingest_factory`): ``start``/``stop`` run the consume
loop as a task; ``lag``, ``watch`` and ``replay`` are the ``IngestControl``
port the OperatorService serves (with ``lag_known``). Lag is the end offsets of every province's
partitions minus the store's next offsets, refreshed every few seconds and for
each status request (the store, not Kafka, says what is applied).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from functools import cache
from typing import TypeVar

import structlog
from aiokafka import TopicPartition
from prometheus_client import REGISTRY

from hub.api.operator import AppliedNotice, Replayed
from hub.ingest.consumer import Ingest, IngestSettings
from hub.ingest.deadletters import replay_dead_letters
from hub.ingest.metrics import IngestMetrics
from hub.ingest.translate import topic_province
from hub.settings import HubSettings
from hub.store.ports import Store, UnitOfWork
from transferhub.broker import EVENT_TOPIC_PATTERN, EVENT_TOPIC_PREFIX

log = structlog.get_logger("hub.ingest")
LAG_REFRESH_SECONDS = 2.0
GROUP_CHECK_SECONDS = 15.0  # how often the group's committed offsets are compared
LAG_KNOWN_SECONDS = 4 * LAG_REFRESH_SECONDS  # a figure older than this is not known
STATUS_LAG_SECONDS = 1.0  # how long a status request waits for the broker's end offsets
STOP_SECONDS = 20.0
"""How long a stop waits for the consume loop to finish its batch and leave. A batch takes
a few seconds; a scale-out tester's hub, its group left stuck by the broker after a
replica was frozen, printed 'shutting down' on SIGTERM and was still running 65 s later."""

T = TypeVar("T")


@cache
def process_metrics() -> IngestMetrics:
    """The ingest's metrics in the process's default registry (what ``--metrics`` serves)."""
    return IngestMetrics(REGISTRY)


class HubIngest:
    """The consume loop plus what operators ask of it."""

    def __init__(self, store: Store, settings: IngestSettings,
                 metrics: IngestMetrics | None = None) -> None:
        self.ingest = Ingest(store, settings, metrics=metrics)
        self.store = store
        self._tasks: list[asyncio.Task[None]] = []
        self._lag: dict[str, int] = {}
        self._ends: dict[TopicPartition, int] = {}  # the end offsets last asked of the broker
        self._lag_at: float | None = None  # monotonic time of the last measurement
        self._behind: set[tuple[str, int]] = set()  # see check_group
        self._odd_topics: set[str] = set()  # see check_topics
        self._since: dict[tuple[str, int], tuple[int, float]] = {}  # see _watch_progress
        self._stuck: set[str] = set()
        self.ingest.metrics.lag_known.set_function(lambda: float(self.lag_known()))

    async def start(self) -> None:
        """Start consuming in the background; the broker may still be unreachable."""
        self._tasks = [asyncio.create_task(self.ingest.run(), name="ingest"),
                       asyncio.create_task(self._refresh_lag(), name="ingest-lag")]
        await asyncio.sleep(0)

    async def stop(self) -> None:
        """Finish the batch in flight, commit it, and stop; past :data:`STOP_SECONDS` the
        consume loop is cancelled (what it committed stands; the rest is read again)."""
        self.ingest.stop()
        run, lag = self._tasks or (None, None)
        if lag is not None:
            lag.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lag
        if run is None:
            return
        done, _ = await asyncio.wait({run}, timeout=STOP_SECONDS)
        if done:
            await run   # its crash, if it crashed, goes on up
            return
        log.warning("ingest.stop_forced", seconds=STOP_SECONDS,
                    hint="the consume loop did not end (a consumer group the broker keeps "
                         "rebalancing, a store that does not answer): cancelled")
        run.cancel()
        await asyncio.wait({run}, timeout=STOP_SECONDS)
        if run.done() and not run.cancelled() and run.exception() is not None:
            log.warning("ingest.stopped_with_error", error=repr(run.exception()))

    async def wait(self) -> None:
        """Until the consume loop ends (it ends only on stop or a crash)."""
        if self._tasks:
            await self._tasks[0]

    def lag(self) -> int:
        """Events published but not yet applied, over all partitions (last refresh)."""
        return sum(self._lag.values())

    def lag_by_province(self) -> dict[str, int]:
        """The same, per province."""
        return dict(self._lag)

    def watch(self, province: str = "") -> AsyncIterator[AppliedNotice]:
        """Every event handled from now on (of ``province`` only, when given)."""
        return self.ingest.feed.watch(province)

    def end_watches(self) -> None:
        """End every watch stream: the hub is shutting down (see ``RunningHub.stop``)."""
        self.ingest.feed.close()

    async def replay(self, ids: Sequence[int]) -> Replayed:
        """Re-drive dead letters to their topics (see :func:`replay_dead_letters`)."""
        if self.ingest.producer is None:
            raise ConnectionError("the ingest is not connected to the broker yet")
        return await replay_dead_letters(self.store, self.ingest.producer, ids)

    async def refresh_lag(self) -> dict[str, int]:
        """Recompute the lag now: end offsets minus the store's next offsets."""
        lag, _ = await self._measure(None)
        return lag

    async def measured(self, read: Callable[[UnitOfWork], T]) -> T:
        """``read`` in the store unit the lag is measured from, the lag refreshed with it.

        So that what ``read`` counts (events applied) and the lag add up: both
        come from one snapshot of the store, against end offsets asked just
        before. With the broker away or slow (no answer within
        :data:`STATUS_LAG_SECONDS`, as under a heavy ingest) the last end offsets
        asked are used against the same snapshot: counts and lag still add up, to
        what was published when those were asked (``lag_known`` says how old they are).
        Before, the last lag figure was kept while the counts moved on: a black-box
        operator saw 20,000 events applied beside a lag of the whole topic.
        """
        try:
            _, value = await asyncio.wait_for(self._measure(read), STATUS_LAG_SECONDS)
            return value  # type: ignore[return-value]
        except Exception as exc:  # the broker away, or the store (then read fails below too)
            log.debug("ingest.lag_unknown", error=repr(exc))
        done, value = await asyncio.to_thread(self._stored, read)
        if self._ends:
            self._set_lag(self._ends, done)
        return value  # type: ignore[return-value]

    def _stored(self, read: Callable[[UnitOfWork], T] | None
                ) -> tuple[dict[tuple[str, int], int], T | None]:
        """The store's next offsets for the group and ``read``, in one unit."""
        with self.store.unit_of_work() as uow:
            return (uow.ledger.offsets(self.ingest.settings.group),
                    read(uow) if read is not None else None)

    async def _measure(self, read: Callable[[UnitOfWork], T] | None
                       ) -> tuple[dict[str, int], T | None]:
        consumer = self.ingest.consumer
        tps = [] if consumer is None else [
            TopicPartition(t, p) for t in consumer.subscription()
            for p in sorted(consumer.partitions_for_topic(t) or ())]
        ends = await consumer.end_offsets(tps) if consumer is not None and tps else {}
        done, value = await asyncio.to_thread(self._stored, read)
        if not ends:
            return self._lag, value
        self._ends = ends
        self._lag_at = time.monotonic()
        self._set_lag(ends, done)
        return self._lag, value

    def _set_lag(self, ends: dict[TopicPartition, int], done: dict[tuple[str, int], int]) -> None:
        lag: dict[str, int] = defaultdict(int)
        for tp, end in ends.items():
            lag[topic_province(tp.topic)] += max(0, end - done.get((tp.topic, tp.partition), 0))
        self._lag = dict(lag)
        self.ingest.metrics.set_lag(self._lag)
        self._watch_progress(ends, done)

    def _watch_progress(self, ends: dict[TopicPartition, int],
                        done: dict[tuple[str, int], int]) -> None:
        """Log ``ingest.stalled`` when partitions with events waiting have not moved in
        the store for ``stall_seconds``, and ``ingest.stall_over`` when none is left.

        The store's offsets are the whole group's progress (replicas share the store),
        so every replica sees the same stall; each partition is watched on its own, so
        one stuck partition is told while the others move. A scale-out tester's group,
        left stuck rebalancing by the embedded broker after replicas were frozen and
        killed, applied nothing for good while every hub logged nothing at all. (A
        store or broker that cannot be reached leaves the lag unmeasured instead:
        ``ingest.retrying`` and ``lag_known`` tell that.)
        """
        now, wait = time.monotonic(), self.ingest.settings.stall_seconds
        still: dict[str, tuple[float, int]] = {}  # partition: (seconds unmoved, lag)
        for tp, end in ends.items():
            key = (tp.topic, tp.partition)
            at = done.get(key, 0)
            seen = self._since.get(key)
            if end <= at or seen is None or seen[0] != at:
                self._since[key] = (at, now)
            else:
                still[f"{tp.topic}[{tp.partition}]"] = (now - seen[1], end - at)
        self.ingest.metrics.stalled.set(max((s for s, _ in still.values()), default=0))
        stuck = {name for name, (seconds, _) in still.items() if seconds >= wait}
        if stuck - self._stuck:
            consumer = self.ingest.consumer
            log.warning("ingest.stalled", group=self.ingest.settings.group,
                        partitions=sorted(stuck), lag=sum(still[n][1] for n in stuck),
                        seconds=round(max(still[n][0] for n in stuck)),
                        partitions_here=len(consumer.assignment()) if consumer else 0,
                        hint="nothing applied from these partitions while events wait: the "
                             "group may be stuck rebalancing (the embedded broker's can be: "
                             "restart the hubs with a new --group, or the broker), or the "
                             "store may be holding the hub's writes")
        elif self._stuck and not stuck:
            log.info("ingest.stall_over", group=self.ingest.settings.group,
                     lag=sum(lag for _, lag in still.values()))
        self._stuck = stuck

    def lag_known(self) -> bool:
        """Whether the lag was measured in the last :data:`LAG_KNOWN_SECONDS`.

        While the broker or the store is unreachable the last figure stays, but
        it is not known to be true: an operator must not read 0 as caught up.
        """
        return self._lag_at is not None and time.monotonic() - self._lag_at <= LAG_KNOWN_SECONDS

    async def check_group(self) -> list[tuple[str, int]]:
        """Partitions whose offset committed in the group is past this store's: another hub
        with *another* store consumes in this group (the two split the partitions, and
        each store misses the other's share), or this store was replaced by an older one.

        Every partition of every province's topic is compared, assigned here or not.
        Kafka's offsets are read first, then the store's: a hub commits its store before
        Kafka, so replicas sharing one store are never behind, however they interleave.
        Logs ``ingest.store_behind_group`` when partitions newly fall behind, and sets
        ``transferhub_ingest_store_behind_group``.
        """
        consumer = self.ingest.consumer
        if consumer is None:
            return []
        tps = [TopicPartition(t, p) for t in sorted(consumer.subscription())
               for p in sorted(consumer.partitions_for_topic(t) or ())]
        committed = [await consumer.committed(tp) for tp in tps]  # one request each

        def stored() -> dict[tuple[str, int], int]:
            with self.store.unit_of_work() as uow:
                return uow.ledger.offsets(self.ingest.settings.group)

        own = await asyncio.to_thread(stored)
        behind = sorted((tp.topic, tp.partition) for tp, offset in zip(tps, committed, strict=True)
                        if offset is not None and offset > own.get((tp.topic, tp.partition), 0))
        self.ingest.metrics.store_behind.set(len(behind))
        if set(behind) - self._behind:
            log.warning("ingest.store_behind_group", group=self.ingest.settings.group,
                        partitions=[f"{t}[{p}]" for t, p in behind],
                        hint="another hub with another store consumes in this consumer group "
                             "(give each store its own --group), or the store was replaced")
        self._behind = set(behind)
        return behind

    async def _refresh_lag(self) -> None:
        checked = time.monotonic()
        while True:
            await asyncio.sleep(LAG_REFRESH_SECONDS)
            try:
                await self.refresh_lag()
            except Exception as exc:  # store or broker down: keep the last figure
                log.debug("ingest.lag_unknown", error=repr(exc))
            if time.monotonic() - checked >= GROUP_CHECK_SECONDS:
                checked = time.monotonic()
                try:
                    await asyncio.wait_for(self.check_group(), GROUP_CHECK_SECONDS)
                except Exception as exc:  # advisory: the positions come from the store
                    log.debug("ingest.group_check_skipped", error=repr(exc))
                try:
                    await asyncio.wait_for(self.check_topics(), GROUP_CHECK_SECONDS)
                except Exception as exc:  # advisory too
                    log.debug("ingest.topic_check_skipped", error=repr(exc))

    async def check_topics(self) -> list[str]:
        """Topics named like a province's event topic that are not one, so never read
        (``transferhub.events.ON``, ``transferhub.events.on.extra``): a provincial
        integrator's producer writing there was heard by nobody, without a word. Each is
        logged once (``ingest.topic_not_read``); answers the ones newly found."""
        consumer = self.ingest.consumer
        if consumer is None:
            return []
        found = sorted(topic for topic in await consumer.topics()
                       if topic.startswith(EVENT_TOPIC_PREFIX) and topic not in self._odd_topics
                       and not re.fullmatch(EVENT_TOPIC_PATTERN, topic))
        for topic in found:
            log.warning("ingest.topic_not_read", topic=topic,
                        hint="a province's events go to transferhub.events.<province> in "
                             "lower case (transferhub.events.on); this topic is not read")
        self._odd_topics.update(found)
        return found


_TUNING = {"TRANSFERHUB_SESSION_TIMEOUT_MS": int, "TRANSFERHUB_MAX_BATCH": int,
           "TRANSFERHUB_STALL_SECONDS": float}


def _tuned(name: str) -> int | float | None:
    """The positive number an ingest tuning variable sets, or None when unset."""
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    try:
        value = _TUNING[name](text)
    except ValueError:
        value = 0
    if not 0 < value < float("inf"):
        raise ValueError(f"{name}={text!r} is not a positive "
                         f"{'whole number' if _TUNING[name] is int else 'number'}")
    return value


def tuning_problem() -> str | None:
    """What is wrong with the ingest's tuning variables (``serve`` exits 2 on it), or None."""
    for name in _TUNING:
        try:
            _tuned(name)
        except ValueError as exc:
            return str(exc)
    return None


def ingest_factory(store: Store, settings: HubSettings) -> HubIngest:
    """The ingest ``transferhub serve`` runs (``start_hub(..., ingest=ingest_factory)``).

    ``TRANSFERHUB_SESSION_TIMEOUT_MS``, ``TRANSFERHUB_MAX_BATCH`` and
    ``TRANSFERHUB_STALL_SECONDS`` override the settings' consumer session timeout,
    batch size and how long no progress is quiet (tests shorten them).
    """
    session = int(_tuned("TRANSFERHUB_SESSION_TIMEOUT_MS") or settings.session_timeout_ms)
    batch = int(_tuned("TRANSFERHUB_MAX_BATCH") or settings.max_batch)
    return HubIngest(store, IngestSettings.of(
        settings.kafka, group=settings.consumer_group, max_batch=batch,
        session_timeout_ms=session, heartbeat_interval_ms=max(300, session // 6),
        stall_seconds=_tuned("TRANSFERHUB_STALL_SECONDS"),
    ), metrics=process_metrics())
