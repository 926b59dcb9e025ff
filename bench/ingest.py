"""Hub ingest throughput and memory vs a bare aiokafka consumer (issue 4, "Speed").

    python -m bench.ingest                                 # 1,000,000 events, SQLite
    python -m bench.ingest --db postgresql://postgres@127.0.0.1:5432/test
    python -m bench.ingest --quick                         # a smoke run in seconds

Untimed: an embedded broker is started and ``--size`` events (300 institution
upserts, then rule upserts of :mod:`bench.workload`, each on its province's
topic, keyed by entity) are produced into it; the serialized events are
cached under ``bench/out/``.

Timed, in the same run:

1. a bare ``AIOKafkaConsumer`` (partitions assigned by hand) reads every
   topic from the beginning to its end offsets, doing nothing with the records;
2. the hub: ``transferhub serve`` in a subprocess on a fresh store
   (SQLite file in a temporary folder, or a fresh database next to ``--db``);
   the benchmark polls the store's per-province counters until every event
   is applied and committed, reads the subprocess's peak RSS (``VmHWM``) and
   sends SIGTERM.

The hub's rate is taken from its first applied batch to its last (the
consumer group's join, about half the session timeout, is reported apart).
Targets: >= 30,000 events/s, >= 1/10 of the bare consumer, peak RSS < 1 GB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench import workload
from bench.common import Row, out_dir, print_table, rate

_LEN = struct.Struct(">HI")


def _events(size: int) -> Iterator[tuple[str, bytes, bytes]]:
    from adapters.base import events

    at = events.rfc3339()
    for inst in workload.institutions():
        env = events.upserted(inst, version=1, province=inst.province, occurred_at=at,
                              source="bench")
        yield events.topic_for(inst.province), inst.id.encode(), env.SerializeToString()
    for rule in workload.rules(workload.federation(size - workload.INSTITUTIONS)):
        env = events.upserted(rule, version=1, province=rule.province, occurred_at=at,
                              source="bench")
        yield events.topic_for(rule.province), rule.id.encode(), env.SerializeToString()


def cached_events(size: int, cache: Path) -> Path:
    """A file of ``size`` serialized events (topic, key, value), written once."""
    path = cache / f"ingest-{size}.events"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as out:
            for topic, key, value in _events(size):
                head = topic.encode() + b"\0" + key
                out.write(_LEN.pack(len(head), len(value)) + head + value)
        tmp.rename(path)
    return path


def read_events(path: Path) -> Iterator[tuple[str, bytes, bytes]]:
    """The events of a file written by :func:`cached_events`."""
    with path.open("rb") as stream:
        while head := stream.read(_LEN.size):
            hlen, vlen = _LEN.unpack(head)
            topic, _, key = stream.read(hlen).partition(b"\0")
            yield topic.decode(), key, stream.read(vlen)


async def produce(bootstrap: str, path: Path, window: int = 10_000) -> int:
    """Send every event of ``path`` (acks=all); how many."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=10,
                                max_batch_size=256 * 1024)
    await producer.start()
    sent = 0
    try:
        futures = []
        for topic, key, value in read_events(path):
            futures.append(await producer.send(topic, value, key=key))
            if len(futures) == window:
                await asyncio.gather(*futures)
                sent += len(futures)
                futures = []
        await asyncio.gather(*futures)
        sent += len(futures)
    finally:
        await producer.stop()
    return sent


async def bare_consume(bootstrap: str, expected: int) -> float:
    """Seconds a bare consumer takes to read every event topic to its end.

    Polled with the hub's own batch size and fetch limit, so only the hub's work differs.
    """
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from hub.ingest.consumer import IngestSettings
    from transferhub.broker import PROVINCES, event_topic

    most = IngestSettings(bootstrap).max_batch
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                auto_offset_reset="earliest", max_poll_records=most,
                                fetch_max_bytes=16 * 1024 * 1024)
    await consumer.start()
    try:
        parts = [TopicPartition(event_topic(p), n) for p in PROVINCES
                 for n in consumer.partitions_for_topic(event_topic(p)) or ()]
        if not parts:
            await consumer.force_metadata_update()
            parts = [TopicPartition(event_topic(p), n) for p in PROVINCES
                     for n in consumer.partitions_for_topic(event_topic(p)) or ()]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        start = time.perf_counter()
        got = 0
        while got < expected:
            batch = await consumer.getmany(timeout_ms=1000, max_records=most)
            got += sum(len(records) for records in batch.values())
        return time.perf_counter() - start
    finally:
        await consumer.stop()


def _progress(url: str) -> int:
    from sqlalchemy import create_engine, func, select

    from hub.store.factory import normalise_url
    from hub.store.sql import tables as t

    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            s = t.province_stats.c
            total = select(func.coalesce(func.sum(s.applied + s.duplicate + s.stale
                                                  + s.dead_lettered), 0))
            return int(conn.execute(total).scalar_one())
    except Exception:  # the schema is not created yet: nothing applied
        return 0
    finally:
        engine.dispose()


def hub_ingest(bootstrap: str, db: str, expected: int, timeout: float
               ) -> tuple[float, float, float]:
    """(seconds from spawn to first progress, seconds from first to last, peak RSS MiB)."""
    peak = float("nan")
    env = {**os.environ, "TRANSFERHUB_METRICS": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "transferhub.cli.main", "serve", "--kafka", bootstrap, "--db", db,
         "--grpc", "127.0.0.1:0", "--metrics", ""],
        env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    spawned = time.perf_counter()
    first = None
    done = 0
    try:
        deadline = spawned + timeout
        while time.perf_counter() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"transferhub serve exited early ({proc.returncode})")
            done = _progress(db)
            now = time.perf_counter()
            if done and first is None:
                first = now
            if done >= expected:
                break
            time.sleep(0.25)
        finished = time.perf_counter()
        peak = _high_water_mib(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    if done < expected or first is None:
        raise SystemExit(f"the hub applied {done:,} of {expected:,} events in {timeout:.0f} s")
    return first - spawned, finished - first, peak


def _high_water_mib(pid: int) -> float:
    """The process's peak RSS (``VmHWM``) in MiB.

    Not ``wait4``'s ``ru_maxrss``: Linux carries that across ``exec``, so a
    child forked from this (larger) process would report this one's size.
    """
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def _pg_fresh(base: str) -> str:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = "bench_ingest"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(drivername="postgresql", database=name).render_as_string(hide_password=False)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000, help="events in the topics")
    parser.add_argument("--db", help="a PostgreSQL URL (default: a fresh SQLite file)")
    parser.add_argument("--cache", type=Path, default=None, help="default bench/out/")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after (s)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 5,000 events")
    args = parser.parse_args(argv)
    size = 5_000 if args.quick else args.size
    cache = args.cache or out_dir()
    cache.mkdir(parents=True, exist_ok=True)
    from transferhub.broker import EmbeddedBroker

    events_file = cached_events(size, cache)
    broker = EmbeddedBroker.on_free_port().start()
    try:
        broker.ensure_topics()
        started = time.perf_counter()
        sent = asyncio.run(produce(broker.address, events_file))
        produced = time.perf_counter() - started
        bare = asyncio.run(bare_consume(broker.address, sent))
        with tempfile.TemporaryDirectory() as tmp:
            db = _pg_fresh(args.db) if args.db else f"sqlite:///{tmp}/hub.sqlite"
            join, took, peak = hub_ingest(broker.address, db, sent, args.timeout)
    finally:
        broker.stop()
    hub_rate, bare_rate = sent / took, sent / bare
    ratio = hub_rate / bare_rate
    backend = "PostgreSQL" if args.db else "SQLite"
    rows = [
        Row("produced into the topics (untimed setup)", rate(sent, produced)),
        Row(f"bare aiokafka consumer, {sent:,} events", rate(sent, bare) + f" ({bare:.1f} s)"),
        Row(f"hub ingest on {backend}, applied and committed",
            rate(sent, took) + f" ({took:.1f} s)", ">= 30,000/s", hub_rate >= 30_000),
        Row("hub / bare consumer", f"{ratio:.3f}x", ">= 0.1x", ratio >= 0.1),
        Row("hub start to first applied batch (group join)", f"{join:.1f} s"),
        Row("hub peak RSS (transferhub serve)", f"{peak:,.0f} MiB", "< 1 GB",
            peak * 2**20 < 1e9),
    ]
    print_table(f"Ingest of {sent:,} events into {backend} (pid {os.getpid()})", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
