"""Transfer-query latency in process, at two store sizes (issue 2, "Speed").

    python -m bench.query                      # 10,000 and 1,000,000 rules, SQLite
    python -m bench.query --quick              # a smoke run in seconds
    python -m bench.query --db postgresql://postgres@127.0.0.1:5432/test

Stores are generated through the store's own bulk write path
(``apply_rules`` in big batches, see :mod:`bench.workload` for their shape)
and cached under ``bench/out/`` (SQLite) or in databases named
``bench_query_<size>`` (PostgreSQL, created next to the one in ``--db``), so a
re-run only measures. Each query opens a reader (one snapshot) and calls
``answer_transfer`` with a 40-item transcript, as the gRPC servicer does.
Both stores are open at once and measured in turns of :data:`BLOCK` queries
(after each one's warm-up), so a change in the shared machine's load during
the run weighs on both sizes alike instead of on whichever ran second.

Targets at the largest size: p50 < 5 ms, p99 < 20 ms, and p50(largest) /
p50(smallest) <= 2.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from bench import workload
from bench.common import Row, ms, out_dir, percentile, print_table
from hub.domain.transfer import answer_transfer
from hub.runtime import tune_gc
from hub.store.factory import open_store
from hub.store.ports import Store

BATCH = 20_000
RECEIVERS = (0, 1, 2, 3, 4)  # the most popular receivers, queried in turn
BLOCK = 250  # measured queries on one store before the other store's turn


def _write(store: Store, fed: workload.Federation, progress: bool) -> None:
    with store.unit_of_work() as uow:
        uow.equivalencies.apply_institutions(workload.institutions())
        uow.commit()
    batch = []
    written = 0
    started = time.perf_counter()
    for rule in workload.rules(fed):
        batch.append(rule)
        if len(batch) == BATCH:
            with store.unit_of_work() as uow:
                uow.equivalencies.apply_rules(batch)
                uow.commit()
            written += len(batch)
            batch = []
            if progress:
                speed = written / (time.perf_counter() - started)
                print(f"  {written:,} rules written ({speed:,.0f}/s)", flush=True)
    if batch:
        with store.unit_of_work() as uow:
            uow.equivalencies.apply_rules(batch)
            uow.commit()


def _pg_url(base: str, size: int) -> str:
    """A database next to ``base`` for ``size``, created when missing."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"bench_query_{size}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(drivername="postgresql", database=name).render_as_string(hide_password=False)


def _readable(store: Store, fed: workload.Federation) -> bool:
    """True when the cached store's rules still decode (the row codec may have changed)."""
    group = next(iter(fed.clusters_into.values()))[0]
    try:
        with store.reader() as reader:
            return bool(reader.rules_from(group))
    except Exception:  # any decoding failure means: rebuild
        return False


def _drop_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def prepared_store(size: int, db: str | None, cache: Path, progress: bool = False
                   ) -> tuple[Store, workload.Federation, float]:
    """A store of ``size`` rules (cached), its federation shape, and seconds spent building.

    A SQLite store is built under a temporary name and renamed when complete,
    so an interrupted build is never mistaken for a cache; a cached store whose
    rules no longer decode is rebuilt.
    """
    fed = workload.federation(size)
    shape = cache / f"query-{size}.shape.json"
    final = cache / f"query-{size}.sqlite"
    if db:
        url = _pg_url(db, size)
    elif final.exists():
        url = f"sqlite:///{final}"
    else:  # named by pid: two runs sharing bench/out never write into one file
        building = cache / f"query-{size}.building-{os.getpid()}.sqlite"
        _drop_sqlite(building)
        url = f"sqlite:///{building}"
    store = open_store(url)
    with store.reader() as reader:
        have = reader.counts()["rules"]
    if have == size and shape.exists():
        fed.clusters_into = {int(k): [tuple(g) for g in v]
                             for k, v in json.loads(shape.read_text()).items()}
        if _readable(store, fed):
            return store, fed, 0.0
    if have:
        store.close()
        if db:
            raise SystemExit(f"{url} holds {have:,} rules that do not fit this benchmark: "
                             "drop that database and re-run")
        _drop_sqlite(final)
        return prepared_store(size, db, cache, progress)
    started = time.perf_counter()
    _write(store, fed, progress)
    built = time.perf_counter() - started
    shape.write_text(json.dumps(fed.clusters_into))
    if not db:
        store.close()
        building.replace(final)  # atomic; a concurrent run's identical build may be replaced
        store = open_store(f"sqlite:///{final}")
    return store, fed, built


def _queries(fed: workload.Federation, count: int, unmatched: int) -> list:
    per = -(-count // len(RECEIVERS))
    mixed = [q for qs in zip(*(workload.transcripts(fed, r, per, unmatched=unmatched, seed=r)
                               for r in RECEIVERS), strict=True)
             for q in qs]
    return mixed[:count]


class _Counting:
    """A reader that counts the rules it hands out (untimed diagnostics)."""

    def __init__(self, reader: object) -> None:
        self._reader = reader
        self.rules = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._reader, name)

    def rules_from(self, ids: object, receiving_institution: str | None = None) -> list:
        found = self._reader.rules_from(ids, receiving_institution)  # type: ignore[attr-defined]
        self.rules += len(found)
        return found


def rules_read(store: Store, fed: workload.Federation, unmatched: int, count: int = 50) -> float:
    """Median number of rules a query reads from the store (``rules_from``), untimed."""
    counts = []
    for query in _queries(fed, count, unmatched):
        with store.reader() as reader:
            counting = _Counting(reader)
            answer_transfer(counting, query)  # type: ignore[arg-type]
        counts.append(counting.rules)
    return percentile(counts, 50)


def measure(runs: list[tuple[Store, workload.Federation]], queries: int, warmup: int,
            unmatched: int = 4, block: int = BLOCK) -> list[list[float]]:
    """Seconds per transfer query on each store, ``queries`` each after ``warmup`` unmeasured.

    The stores take turns, ``block`` queries at a time, so that a change in
    the machine's load during the run (it is shared) falls on every size alike
    and their ratio stays comparable. Each store keeps its own caches.
    """
    plans = [_queries(fed, queries + warmup, unmatched) for _, fed in runs]
    samples: list[list[float]] = [[] for _ in runs]
    clock = time.perf_counter
    for (store, _), plan in zip(runs, plans, strict=True):  # warm-ups first, one store at a time
        for n, query in enumerate(plan[:warmup]):
            with store.reader() as reader:
                answer = answer_transfer(reader, query)
            if n == 0 and not answer.awarded:
                raise SystemExit("the workload awards nothing: the benchmark would measure "
                                 "nothing")
    tune_gc()  # as `transferhub serve` does once it is up (hub/runtime.py)
    for first in range(warmup, warmup + queries, block):
        for (store, _), plan, taken in zip(runs, plans, samples, strict=True):
            for query in plan[first:first + block]:
                start = clock()
                with store.reader() as reader:
                    answer_transfer(reader, query)
                taken.append(clock() - start)
    return samples


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(prog="python -m bench.query", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, nargs=2, default=(10_000, 1_000_000),
                        metavar=("SMALL", "LARGE"), help="rules in the two stores")
    parser.add_argument("--queries", type=int, default=3000, help="measured queries per size")
    parser.add_argument("--unmatched", type=int, default=4,
                        help="transcript items with no agreement at the receiver (of 40)")
    parser.add_argument("--db", help="a PostgreSQL URL (default: SQLite files in bench/out/)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="where SQLite stores are kept (default bench/out/)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2,000 / 10,000 rules, 100 queries")
    args = parser.parse_args(argv)
    small, large = args.size
    queries = args.queries
    if args.quick:
        small, large, queries = 2_000, 10_000, 100
    cache = args.cache or out_dir()
    cache.mkdir(parents=True, exist_ok=True)
    rows = []
    stores = []
    try:
        for size in (small, large):
            store, fed, built = prepared_store(size, args.db, cache, progress=not args.quick)
            stores.append((store, fed))
            if built:
                rows.append(Row(f"build {size:,} rules (bulk write path)",
                                f"{built:.1f} s ({size / built:,.0f} rules/s)"))
        results = measure(stores, queries, warmup=max(50, queries // 20),
                          unmatched=args.unmatched)
        read = [rules_read(store, fed, args.unmatched) for store, fed in stores]
    finally:
        for store, _ in stores:
            store.close()
    for size, samples, count in zip((small, large), results, read, strict=True):
        p50, p99 = percentile(samples, 50), percentile(samples, 99)
        last = size == large
        rows.append(Row(f"p50 at {size:,} rules", ms(p50), "< 5 ms" if last else "-",
                        p50 < 0.005 if last else None))
        rows.append(Row(f"p99 at {size:,} rules", ms(p99), "< 20 ms" if last else "-",
                        p99 < 0.020 if last else None))
        rows.append(Row(f"rules read per query at {size:,} (median)", f"{count:,.0f}"))
    ratio = percentile(results[1], 50) / percentile(results[0], 50)
    rows.append(Row(f"p50({large:,}) / p50({small:,})", f"{ratio:.2f}x", "<= 2x", ratio <= 2))
    backend = "PostgreSQL" if args.db else "SQLite"
    print_table(f"Transfer query in process, 40-item transcript ({args.unmatched} with no "
                f"agreement), {backend}, "
                f"{queries} queries per size, sizes in turns of {BLOCK} (pid {os.getpid()})", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
