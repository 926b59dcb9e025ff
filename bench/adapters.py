"""Province adapters: BC parse+diff rate, end-to-end publish vs a bare producer, SK memory.

    python -m bench.adapters                   # 1,000,000 BC rules, a 200 MB SK feed
    python -m bench.adapters --quick           # a smoke run in seconds

Exports come from ``adapters.generate`` (seeded) and are cached under
``bench/out/``. Three measures (issue 3, "Speed"):

1. **parse + diff**: ``BcReader`` rows streamed through the province check and
   the snapshot differ (digests and encoded envelopes) against a fresh state
   file, in the runner's chunks (``reading.chunks``: read in a child process
   when the export is large and a core is free, as a run does; ``--reader``
   forces either); nothing is recorded or sent. Target >= 100,000 rows/s.
2. **end to end**: ``run_adapter_async`` on the same export, fresh state, to
   the embedded broker (parse, diff, outbox, ``acks=all``), then a bare
   aiokafka producer (``acks=all``, the same linger and batch size) sending
   exactly the messages the run published, in the same run, to the same topic.
   Target: adapter rate >= 1/3 of the bare rate.
3. **Saskatchewan memory**: ``SaskatchewanReader`` reads a ~200 MB feed in a
   subprocess that reports its peak RSS (``VmHWM``); an idle subprocess that only
   imports the reader gives the interpreter's own share. Target < 200 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.common import Row, out_dir, print_table, rate

GENERATE_INSTITUTIONS = 300


def exported(province: str, rules: int, cache: Path) -> Path:
    """A generated export of ``rules`` rules (cached), as the reader takes it."""
    from adapters.generate import generate

    folder = cache / f"{province}-{rules}"
    done = folder / ".complete"
    if not done.exists():
        path = generate(province, folder, rules=rules, institutions=GENERATE_INSTITUTIONS)
        done.write_text(str(path))
    return Path(done.read_text())


def export_rows(export: Path) -> int:
    """Data rows (not headers) of the BC export's two CSV files."""
    import csv

    total = 0
    for name in ("institutions.csv", "equivalencies.csv"):
        with (export / name).open(newline="", encoding="utf-8") as stream:
            total += sum(1 for _ in csv.reader(stream)) - 1
    return total


def parse_and_diff(export: Path, state: Path, parallel: bool | None = None) -> tuple[int, float]:
    """Records read and seconds taken to read and diff the BC export (nothing recorded).

    The run's own path (``reading.chunks``); ``parallel`` None chooses as a run
    does (a child process for a large export when a core is free).
    """
    from adapters.base.reading import CHUNK, chunks
    from adapters.base.snapshot import SnapshotDiffer
    from adapters.base.statedb import next_run, open_state
    from adapters.bc.reader import BcReader

    reader = BcReader()
    conn = open_state(state, reader.province)
    try:
        start = time.perf_counter()
        differ = SnapshotDiffer(conn, province=reader.province, run=next_run(conn),
                                places_file=getattr(reader, "places_file", None),
                                source="bench")
        rows = messages = 0
        for chunk in chunks(reader, export, CHUNK, parallel=parallel):
            rows += chunk.count
            differ.keep(chunk.damaged)
            messages += len(differ.diff_entries(chunk.entries).messages)
        took = time.perf_counter() - start
    finally:
        conn.close()
    if not messages:
        raise SystemExit("the diff produced no event: nothing was measured")
    return rows, took


class _Recording:
    """A publisher that keeps every message it passes on (the bare producer resends them)."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.messages: list = []

    async def start(self) -> None:
        await self.inner.start()

    async def publish(self, messages: Sequence) -> None:
        await self.inner.publish(messages)
        self.messages.extend(messages)

    async def stop(self) -> None:
        await self.inner.stop()

    async def read_history(self, province: str, take) -> tuple[int, bool]:
        return await self.inner.read_history(province, take)


async def _bare(bootstrap: str, messages: list, linger_ms: int, batch_size: int,
                window: int = 5000) -> float:
    """Seconds a bare aiokafka producer takes to send and have acknowledged ``messages``."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=linger_ms,
                                max_batch_size=batch_size)
    await producer.start()
    try:
        start = time.perf_counter()
        for i in range(0, len(messages), window):
            futures = [await producer.send(m.topic, m.value, key=m.key)
                       for m in messages[i:i + window]]
            await asyncio.gather(*futures)
        return time.perf_counter() - start
    finally:
        await producer.stop()


async def end_to_end(export: Path, state: Path, bootstrap: str) -> tuple[int, float, float]:
    """(events, adapter seconds, bare-producer seconds) for the same events, one after the other."""
    from adapters.base.publisher import KafkaEventPublisher
    from adapters.base.runner import run_adapter_async
    from adapters.bc.reader import BcReader

    kafka = KafkaEventPublisher(bootstrap)
    recording = _Recording(kafka)
    start = time.perf_counter()
    summary = await run_adapter_async(BcReader(), export, publisher=recording, state_dir=state)
    adapter = time.perf_counter() - start
    if summary.published != len(recording.messages):
        raise SystemExit("the run published a different count than it sent")
    options = kafka._options  # the same producer settings, so only the adapter's work differs
    bare = await _bare(bootstrap, recording.messages, options["linger_ms"],
                       options["max_batch_size"])
    return len(recording.messages), adapter, bare


# VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child forked
# from a big parent would report the parent's size.
_SK_PROBE = """
import sys, json
from pathlib import Path
from adapters.saskatchewan.reader import SaskatchewanReader
count = 0
if sys.argv[1] != "-":
    for item in SaskatchewanReader().read(Path(sys.argv[1])):
        count += 1
status = open("/proc/self/status").read().split("VmHWM:")[1]
print(json.dumps({"items": count, "maxrss_kib": int(status.split()[0])}))
"""


def saskatchewan_peak(feed: str) -> tuple[int, float, float]:
    """(items read, seconds, peak RSS MiB) of a subprocess reading ``feed`` (``-``: none)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _SK_PROBE, feed], check=True,
                          capture_output=True, text=True)
    took = time.perf_counter() - start
    result = json.loads(done.stdout)
    return result["items"], took, result["maxrss_kib"] / 1024


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(prog="python -m bench.adapters", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000, help="BC rules")
    parser.add_argument("--sk-rules", type=int, default=650_000,
                        help="Saskatchewan rules (650,000 is about 200 MB)")
    parser.add_argument("--cache", type=Path, default=None, help="default bench/out/")
    parser.add_argument("--parts", default="diff,e2e,sk",
                        help="which measures, comma-separated (diff, e2e, sk)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 5,000 rules")
    parser.add_argument("--reader", choices=("auto", "child", "inline"), default="auto",
                        help="parse + diff: read in a child process (as a run does for a "
                        "large export when a core is free: auto) or in-process")
    args = parser.parse_args(argv)
    size, sk_rules = (5_000, 5_000) if args.quick else (args.size, args.sk_rules)
    cache = args.cache or out_dir()
    cache.mkdir(parents=True, exist_ok=True)

    from transferhub.broker import EmbeddedBroker

    parts = set(args.parts.split(","))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        if parts & {"diff", "e2e"}:
            bc = exported("bc", size, cache)
        if "diff" in parts:
            csv_rows = export_rows(bc)
            from adapters.base.reading import reads_in_child

            child = {"auto": reads_in_child(bc), "child": True, "inline": False}[args.reader]
            read, took = parse_and_diff(bc, Path(tmp) / "diff-state", parallel=child)
            speed = csv_rows / took
            how = "reader in a child process" if child else "one process"
            rows.append(Row(f"BC parse + diff, {csv_rows:,} CSV rows ({read:,} records, "
                            f"{took:.1f} s, {how})", f"{speed:,.0f} rows/s",
                            ">= 100,000 rows/s", speed >= 100_000))
        if "e2e" in parts:
            broker = EmbeddedBroker.on_free_port().start()
            try:
                broker.ensure_topics()
                events, adapter, bare = asyncio.run(
                    end_to_end(bc, Path(tmp) / "run-state", broker.address))
            finally:
                broker.stop()
            ratio = bare / adapter
            rows += [
                Row(f"BC end to end (parse, diff, outbox, ack), {events:,} events",
                    rate(events, adapter) + f" ({adapter:.1f} s)"),
                Row("bare aiokafka producer, same events",
                    rate(events, bare) + f" ({bare:.1f} s)"),
                Row("end to end / bare", f"{ratio:.3f}x", ">= 0.333x", ratio >= 1 / 3),
            ]
    if "sk" in parts:
        sk = exported("sk", sk_rules, cache)
        _, _, idle = saskatchewan_peak("-")
        items, took, peak = saskatchewan_peak(str(sk))
        mib = sk.stat().st_size / 2**20
        rows += [
            Row(f"SK reader peak RSS, {mib:,.0f} MiB feed, {items:,} items ({took:.1f} s)",
                f"{peak:,.0f} MiB", "< 200 MB", peak * 2**20 < 200e6),
            Row("  (interpreter + imports, no feed)", f"{idle:,.0f} MiB"),
        ]
    print_table(f"Province adapters: BC {size:,} rules, SK {sk_rules:,} rules", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
