"""The OperatorService servicer over the store's ledger and, when running, the ingest.

``GetStatus`` and ``ListDeadLetters`` read the store; ``WatchEvents`` and
``ReplayDeadLetters`` need the process's ingest (:class:`IngestControl`) and
answer UNIMPLEMENTED when the hub serves queries without consuming events.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple, Protocol, TypeVar

import grpc

from hub.api import requests
from hub.api.errors import Unimplemented, maps_errors, maps_stream_errors
from hub.api.limits import MAX_COMPLETED, check_count
from hub.domain.errors import InvalidQuery
from hub.store.ports import DeadLetter, Store, UnitOfWork
from transferhub.hub.v1 import operator_service_pb2 as pb
from transferhub.hub.v1 import operator_service_pb2_grpc as pb_grpc

T = TypeVar("T")
MAX_DEAD_LETTERS = 1000


@dataclass(frozen=True, slots=True)
class AppliedNotice:
    """One event the ingest has just handled, as WatchEvents streams it."""

    event_id: str
    province: str
    entity_key: str
    version: int
    outcome: str
    applied_at: datetime
    change: str = ""   # institution_upserted, …, rule_revoked; empty for an unreadable event
    missed: int = 0    # events this watch lost just before this one (it fell behind)


class Replayed(NamedTuple):
    """What a replay did: ``applied`` re-driven, ``failures`` each ``(id, reason)`` in id
    order, and ``being_replayed``, the letters left to another replay running now."""

    applied: int
    failures: list[tuple[int, str]]
    being_replayed: int = 0


class IngestControl(Protocol):
    """What the ingest running in the same process offers operators (a port)."""

    def lag(self) -> int:
        """Events published but not yet applied, over all partitions."""

    def lag_by_province(self) -> dict[str, int]:
        """The same, per province (every province whose topic the ingest reads)."""

    async def measured(self, read: Callable[[UnitOfWork], T]) -> T:
        """``read`` in one store unit with the offsets the lag is measured from, the lag
        refreshed with it, so that counts read there and the lag add up."""

    def lag_known(self) -> bool:
        """Whether :meth:`lag` was measured lately (False: the broker or store is away)."""

    def watch(self, province: str = "") -> AsyncIterator[AppliedNotice]:
        """Every event handled from now on (of ``province`` only, when given), until the
        iterator is closed; a watcher that falls behind loses events, counted in the
        next notice's ``missed``."""

    async def replay(self, ids: Sequence[int]) -> Replayed:
        """Re-drive dead letters (all unreplayed when empty)."""


def _rfc3339(value: object) -> str:
    if not isinstance(value, datetime):
        return str(value or "")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dead_letter(letter: DeadLetter) -> pb.DeadLetter:
    return pb.DeadLetter(
        id=letter.id or 0, topic=letter.topic, partition=letter.partition, offset=letter.offset,
        reason=letter.reason, province=letter.province or "", event_id=letter.event_id or "",
        recorded_at=_rfc3339(letter.recorded_at), replayed=letter.replayed,
    )


class OperatorServicer(pb_grpc.OperatorServiceServicer):
    """Serves OperatorService over a store and an optional in-process ingest."""

    def __init__(self, store: Store, executor: Executor,
                 ingest: IngestControl | None = None) -> None:
        self._store = store
        self._executor = executor
        self._ingest = ingest

    async def _in_unit(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run read-only ``work`` in a unit of work on a worker thread (never committed)."""
        def run() -> T:
            with self._store.unit_of_work() as uow:
                return work(uow)
        return await asyncio.get_running_loop().run_in_executor(self._executor, run)

    def _require_ingest(self, what: str) -> IngestControl:
        if self._ingest is None:
            raise Unimplemented(f"{what} needs the hub's event consumption, which this "
                                "process does not run (start it with `transferhub serve`)")
        return self._ingest

    @maps_errors
    async def GetStatus(self, request: pb.GetStatusRequest,
                        context: grpc.aio.ServicerContext) -> pb.Status:
        """Per-province counters, lag, dead letters and store counts."""
        def read(uow: UnitOfWork) -> tuple[dict[str, dict[str, object]], dict[str, int]]:
            return uow.ledger.stats(), uow.equivalencies.counts()

        # With an ingest, read where the lag is measured: applied + lag = published.
        stats, counts = await (self._ingest.measured(read) if self._ingest
                               else self._in_unit(read))
        status = pb.Status(lag=self._ingest.lag() if self._ingest else 0,
                           lag_known=self._ingest.lag_known() if self._ingest else False,
                           institutions=counts.get("institutions", 0),
                           credentials=counts.get("credentials", 0),
                           rules=counts.get("rules", 0))
        lags = self._ingest.lag_by_province() if self._ingest else {}
        # A province is listed once it has events: applied, or waiting (lag) before any is.
        for province in sorted(stats.keys() | {p for p, lag in lags.items() if lag}):
            row = stats.get(province, {})
            entry = pb.ProvinceStatus(
                events_applied=int(row.get("applied", 0) or 0),
                events_duplicate=int(row.get("duplicate", 0) or 0),
                events_stale=int(row.get("stale", 0) or 0),
                dead_lettered=int(row.get("dead_lettered", 0) or 0),
                last_event_at=_rfc3339(row.get("last_event_at")),
                lag=lags.get(province, 0),
            )
            status.by_province[province].CopyFrom(entry)
            status.events_applied += entry.events_applied
            status.events_duplicate += entry.events_duplicate
            status.dead_lettered += entry.dead_lettered
        return status

    @maps_stream_errors
    async def WatchEvents(self, request: pb.WatchEventsRequest,
                          context: grpc.aio.ServicerContext) -> AsyncIterator[pb.AppliedEvent]:
        """Every event the ingest handles from now on, of one province when asked."""
        province = requests.province(request.province)
        ingest = self._require_ingest("WatchEvents")
        async for notice in ingest.watch(province):
            yield pb.AppliedEvent(
                event_id=notice.event_id, province=notice.province,
                entity_key=notice.entity_key, version=notice.version, outcome=notice.outcome,
                applied_at=_rfc3339(notice.applied_at), change=notice.change,
                missed=notice.missed)

    @maps_errors
    async def ListDeadLetters(self, request: pb.ListDeadLettersRequest,
                              context: grpc.aio.ServicerContext) -> pb.ListDeadLettersResponse:
        """Dead letters, oldest first."""
        if not 0 <= request.limit <= MAX_DEAD_LETTERS:
            raise InvalidQuery(f"must be between 0 and {MAX_DEAD_LETTERS}", field="limit")
        if request.after_id < 0:
            raise InvalidQuery("must be 0 or a dead letter id", field="after_id")
        limit = request.limit or 100
        # One more than asked says whether more follow (an operator with 3,010 letters
        # saw the oldest 100 and nothing said there were more).
        letters = await self._in_unit(lambda uow: uow.ledger.dead_letters(
            limit + 1, request.include_replayed, after_id=request.after_id))
        return pb.ListDeadLettersResponse(dead_letters=[_dead_letter(x) for x in letters[:limit]],
                                          more=len(letters) > limit)

    @maps_errors
    async def ReplayDeadLetters(self, request: pb.ReplayDeadLettersRequest,
                                context: grpc.aio.ServicerContext
                                ) -> pb.ReplayDeadLettersResponse:
        """Re-drive dead letters through the in-process ingest."""
        check_count(request.ids, "ids", MAX_COMPLETED)
        for i, letter_id in enumerate(request.ids):
            if letter_id < 1:
                raise InvalidQuery(f"{letter_id} is not a dead letter id (they start at 1)",
                                   field=f"ids[{i}]")
        done = await self._require_ingest("ReplayDeadLetters").replay(list(request.ids))
        return pb.ReplayDeadLettersResponse(
            applied=done.applied, failed=len(done.failures),
            failures=[pb.ReplayFailure(id=ident, reason=why) for ident, why in done.failures],
            being_replayed=done.being_replayed)
