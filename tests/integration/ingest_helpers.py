"""Helpers of the ingest's integration tests: events, producing, running the ingest, digests."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from datetime import date

from aiokafka import AIOKafkaProducer
from sqlalchemy import create_engine, inspect, text

from adapters.base import events as ev
from hub.domain.model import Credential, Grant, GrantKind, Institution, Rule
from hub.ingest.consumer import Ingest, IngestSettings
from hub.store.ports import Store
from transferhub.broker import event_topic
from transferhub.events.v1 import events_pb2 as pb

WHEN = "2026-11-29T18:00:00Z"
Message = tuple[str, bytes | None, bytes]


def message(envelope: pb.EventEnvelope, topic: str | None = None) -> Message:
    """A Kafka message for an envelope: its province's topic, keyed by its entity."""
    return (topic or event_topic(envelope.province), ev.kafka_key(envelope),
            ev.envelope_to_bytes(envelope))


def rule(number: int, version: int = 1, province: str = "BC", credits: float = 3.0) -> Rule:
    """A simple granting rule ``PROV:number`` from a college course to a university."""
    p = province
    return Rule(id=f"{p}:{number}", version=version, sending=(f"{p}:COLL:ENGL {number}",),
                receiving_institution=f"{p}:UNIV", outcome=GrantKind.UNASSIGNED,
                alternatives=((Grant(GrantKind.UNASSIGNED, credits, subject="ENGL", level=1),),),
                effective_start=date(2020, 1, 1))


def upserted(record: Institution | Credential | Rule, version: int, province: str = "BC",
             ) -> Message:
    """The message an adapter publishes for a record at ``version``."""
    return message(ev.upserted(record, version=version, province=province, occurred_at=WHEN,
                               source="test"))


def revoked(rule_id: str, version: int, province: str = "BC") -> Message:
    """The message revoking a rule at ``version``."""
    return message(ev.rule_revoked(rule_id, version=version, province=province,
                                   occurred_at=WHEN, source="test"))


async def produce(bootstrap: str, messages: Iterable[Message],
                  compression: str | None = None) -> int:
    """Publish ``messages`` in order (record batches compressed with ``compression``:
    ``gzip``, ``snappy``, ``lz4``, ``zstd``) and wait for every acknowledgement."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                                max_batch_size=256 * 1024, max_request_size=4 * 1024 * 1024,
                                compression_type=compression)
    await producer.start()
    n = 0
    try:
        futures = []
        for topic, key, value in messages:
            futures.append(await producer.send(topic, value=value, key=key))
            n += 1
            if len(futures) >= 5000:
                await asyncio.gather(*futures)
                futures = []
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return n


def fast_settings(bootstrap: str, **overrides: object) -> IngestSettings:
    """Ingest settings with the short timeouts tests need (a group join is ~half a session)."""
    return IngestSettings.of(bootstrap, session_timeout_ms=6000, heartbeat_interval_ms=1000,
                             metadata_max_age_ms=1000, retry_max_wait=1.0, **overrides)


def handled(store: Store) -> int:
    """Events the store has handled: applied + duplicate + stale + dead-lettered."""
    with store.unit_of_work() as uow:
        stats = uow.ledger.stats()
    return sum(int(row.get(k, 0) or 0) for row in stats.values()  # type: ignore[call-overload]
               for k in ("applied", "duplicate", "stale", "dead_lettered"))


async def ingest_until(store: Store, bootstrap: str, done: Callable[[Store], bool],
                       timeout: float = 60.0, **overrides: object) -> Ingest:
    """Run an ingest over ``store`` until ``done(store)``, then stop it cleanly."""
    ingest = Ingest(store, fast_settings(bootstrap, **overrides))
    task = asyncio.create_task(ingest.run())
    try:
        await until(lambda: done(store), task, timeout,
                    lambda: f"ingest did not finish in {timeout}s (handled {handled(store)})")
    finally:
        ingest.stop()
        await asyncio.wait_for(task, 30)
    return ingest


async def until(done: Callable[[], bool], task: asyncio.Task[None], timeout: float,
                failure: Callable[[], str]) -> None:
    """Wait until ``done()`` (asked in a thread), failing with ``failure()`` after
    ``timeout`` seconds and with the ingest ``task``'s own error if it ends first."""
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(done):
        if task.done():
            task.result()
        if time.monotonic() > deadline:
            raise AssertionError(failure())
        await asyncio.sleep(0.2)


def _effective(row: dict[str, object]) -> tuple[object, ...]:
    """A row as it counts: a revoked rule or retired credential is its id, version and flag.

    (What a removed entity last said is never read, and the store keeps it
    or not depending on how a batch fell.)
    """
    for flag in ("revoked", "retired"):
        if row.get(flag):
            return (row.get("id"), row.get("version"), flag)
    return tuple(_neutral(v) for v in row.values())


def _neutral(value: object) -> object:
    """A value the same on SQLite and PostgreSQL (booleans, dates, JSON text)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in "[{":
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True)
    return value


_VOLATILE = ("applied_at", "recorded_at", "last_event_at", "updated_at", "id")


def digest(url: str, tables: Iterable[str] = ("institution", "credential", "stack_link", "rule",
                                               "rule_sending", "inbox", "province_stats")) -> str:
    """A digest of every row of ``tables`` (timestamps and surrogate ids left out)."""
    engine = create_engine(url)
    sha = hashlib.sha256()
    try:
        names = set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            for table in tables:
                if table not in names:
                    continue
                cols = [c["name"] for c in inspect(engine).get_columns(table)
                        if c["name"] not in _VOLATILE]
                quoted = ", ".join(f'"{c}"' for c in cols)
                rows = sorted(repr(_effective(dict(r._mapping))) for r in conn.execute(
                    text(f'SELECT {quoted} FROM "{table}"')))
                sha.update(f"{table}:{len(rows)}\n".encode())
                for row in rows:
                    sha.update(row.encode())
    finally:
        engine.dispose()
    return sha.hexdigest()
