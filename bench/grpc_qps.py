"""Transfer queries per second over gRPC vs the empty-handler baseline (issue 2, "Speed").

    python -m bench.grpc_qps                    # the cached 1,000,000-rule SQLite store
    python -m bench.grpc_qps --quick            # a smoke run in seconds

The hub's real server (``hub.api.server.create_server``) runs in this process
over a store built by :mod:`bench.query` (cached under ``bench/out/``); the
client runs in another process (``python -m bench.grpc_qps --client``) with
``--concurrency`` unary calls in flight, and alternates fixed-duration phases
of ``grpc.health.v1.Health/Check`` and ``QueryService/Transfer`` (H T H T),
so both see the same machine conditions. Target: Transfer QPS >= 0.5 x Health QPS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import workload
from bench.common import Row, out_dir, print_table
from bench.query import RECEIVERS, prepared_store

PHASES = ("health", "transfer", "health", "transfer")


def _requests_file(fed: workload.Federation, count: int, items: int, folder: Path) -> Path:
    per = -(-count // len(RECEIVERS))
    queries = [q for qs in zip(*(workload.transcripts(fed, r, per, items=items,
                                                      unmatched=items // 10, seed=r)
                                 for r in RECEIVERS), strict=True) for q in qs]
    data = [{"receiving_institution": q.receiving_institution,
             "completed": [{"credential": c.credential, "grade": c.grade,
                            "completed_on": c.completed_on.isoformat()} for c in q.completed]}
            for q in queries]
    path = folder / "requests.json"
    path.write_text(json.dumps(data))
    return path


async def _client(port: int, requests: Path, seconds: float, concurrency: int) -> dict:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    from transferhub.hub.v1 import query_service_pb2 as q
    from transferhub.hub.v1 import query_service_pb2_grpc as qg

    messages = [q.TransferRequest(
        receiving_institution=r["receiving_institution"],
        completed=[q.CompletedCredential(**c) for c in r["completed"]])
        for r in json.loads(requests.read_text())]
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        query = qg.QueryServiceStub(channel)
        check = health_pb2.HealthCheckRequest(service="")
        answer = await query.Transfer(messages[0])
        if not answer.awarded:
            raise SystemExit("the first Transfer answered nothing awarded")

        async def phase(kind: str) -> tuple[int, float]:
            done = 0
            deadline = time.perf_counter() + seconds

            async def worker(n: int) -> None:
                nonlocal done
                i = n
                while time.perf_counter() < deadline:
                    if kind == "health":
                        await health.Check(check)
                    else:
                        await query.Transfer(messages[i % len(messages)])
                    i += concurrency
                    done += 1

            start = time.perf_counter()
            await asyncio.gather(*(worker(n) for n in range(concurrency)))
            return done, time.perf_counter() - start

        await phase("health")  # warm-up: connections, caches, the server's thread pool
        await phase("transfer")
        out: dict[str, list[float]] = {"health": [0, 0.0], "transfer": [0, 0.0]}
        for kind in PHASES:
            done, took = await phase(kind)
            out[kind][0] += done
            out[kind][1] += took
        return out


async def _serve(store_size: int, seconds: float, concurrency: int, items: int,
                 cache: Path) -> list[Row]:
    from hub.api.server import create_server, stop_server
    from hub.runtime import tune_gc

    store, fed, _ = prepared_store(store_size, None, cache)
    with tempfile.TemporaryDirectory() as folder:
        requests = _requests_file(fed, 500, items, Path(folder))
        server, port = await create_server(store)
        tune_gc()  # as hub.bootstrap.start_hub does for `transferhub serve`
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.grpc_qps", "--client", str(port),
                "--requests", str(requests), "--seconds", str(seconds),
                "--concurrency", str(concurrency), stdout=subprocess.PIPE)
            out, _ = await proc.communicate()
            if proc.returncode:
                raise SystemExit(f"the client failed with exit code {proc.returncode}")
        finally:
            await stop_server(server)
            store.close()
    result = json.loads(out)
    health = result["health"][0] / result["health"][1]
    transfer = result["transfer"][0] / result["transfer"][1]
    ratio = transfer / health
    return [
        Row("Health/Check QPS (baseline)", f"{health:,.0f}/s"),
        Row(f"Transfer QPS ({items}-item transcript)", f"{transfer:,.0f}/s"),
        Row("Transfer / Health", f"{ratio:.3f}x", ">= 0.5x", ratio >= 0.5),
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with ``--client``, its client) and print its table."""
    parser = argparse.ArgumentParser(prog="python -m bench.grpc_qps", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000, help="rules in the store")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each phase")
    parser.add_argument("--concurrency", type=int, default=16, help="calls in flight")
    parser.add_argument("--items", type=int, default=40, help="completed items per transcript")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 rules, 0.5 s phases")
    parser.add_argument("--cache", type=Path, default=None,
                        help="where SQLite stores are kept (default bench/out/)")
    parser.add_argument("--client", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.client:
        result = asyncio.run(_client(args.client, args.requests, args.seconds, args.concurrency))
        print(json.dumps(result))
        return 0
    size, seconds = (2_000, 0.5) if args.quick else (args.size, args.seconds)
    rows = asyncio.run(_serve(size, seconds, args.concurrency, args.items,
                             args.cache or out_dir()))
    print_table(f"gRPC unary QPS, server over {size:,}-rule SQLite store, client in another "
                f"process, {args.concurrency} in flight, {len(PHASES)} x {seconds:g} s phases",
                rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
