"""``transferhub serve``: the hub in the foreground until SIGTERM or SIGINT.

Everything is built by :func:`hub.bootstrap.start_hub`; this module only reads
the options, waits for a signal and shuts down gracefully (exit 0).

If the ingest stops by itself (an error it does not retry), the hub does not
go on answering from a store nothing updates any more: it says why, shuts
down and exits 1, so that a supervisor (``transferhub up``, Kubernetes)
restarts it. Nothing applied is lost: the store holds the offsets.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from hub.settings import DEFAULT_DB, DEFAULT_GRPC, DEFAULT_KAFKA, DEFAULT_METRICS
from transferhub.cli import addresses
from transferhub.cli.hangup import STOP_SIGNALS, detach_if_hung_up
from transferhub.cli.main import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE

SHUTDOWN_GRACE = 5.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``serve`` to the command tree."""
    parser = subparsers.add_parser(
        "serve", help="run the hub: keep the store, serve gRPC",
        description="Run the hub in the foreground; SIGTERM, Ctrl-C or SIGHUP stops it "
                    "cleanly.")
    parser.add_argument("--kafka", metavar="B",
                        help=f"broker address (TRANSFERHUB_KAFKA; default {DEFAULT_KAFKA})")
    parser.add_argument("--db", metavar="URL", help="store URL, sqlite:///… or postgresql://… "
                        f"(TRANSFERHUB_DB; default {DEFAULT_DB})")
    parser.add_argument("--grpc", metavar="HOST:PORT",
                        help=f"gRPC address (TRANSFERHUB_HUB; default {DEFAULT_GRPC})")
    parser.add_argument("--metrics", metavar="HOST:PORT",
                        help="Prometheus metrics address; empty to disable (TRANSFERHUB_METRICS; "
                             f"default {DEFAULT_METRICS})")
    parser.add_argument("--group", metavar="NAME",
                        help="Kafka consumer group (TRANSFERHUB_GROUP; default transferhub-hub). "
                             "Replicas sharing one store share a group; a hub with its own "
                             "store on the same broker needs its own group")
    parser.set_defaults(func=run)


class IngestStopped(Exception):
    """The ingest ended without being asked to (its error is the cause)."""


async def _serve(settings: object) -> None:
    from hub.bootstrap import start_hub
    from hub.ingest.operator import ingest_factory

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    def stop(signum: int) -> None:
        detach_if_hung_up(signum)
        stopping.set()

    # Before the hub starts: a SIGTERM while it starts (opening the store, binding) is
    # met once it has started, and stops it cleanly (exit 0), not by the default
    # action (exit 143, a black-box tester).
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop, signum)
    hub = await start_hub(settings, ingest=ingest_factory)  # type: ignore[arg-type]
    from hub.store.factory import shown_url
    host = hub.settings.grpc.rpartition(":")[0]
    print(f"transferhub: serving gRPC on {host}:{hub.port} over {shown_url(hub.settings.db_url)}",
          file=sys.stderr, flush=True)
    signalled = asyncio.ensure_future(stopping.wait())
    # A component that can end by itself (the ingest) is watched beside the signals.
    # These watches are never cancelled: cancelling one would cancel the consume loop
    # it awaits, mid-batch; they end when the components stop.
    ending = {asyncio.ensure_future(c.wait()) for c in hub.components if hasattr(c, "wait")}
    crash: BaseException | None = None
    try:
        done, _ = await asyncio.wait({signalled, *ending}, return_when=asyncio.FIRST_COMPLETED)
        for task in done - {signalled}:
            crash = task.exception() or RuntimeError("it returned without being stopped")
    finally:
        signalled.cancel()
        print("transferhub: shutting down", file=sys.stderr, flush=True)
        try:
            await hub.stop(SHUTDOWN_GRACE)
        except Exception:
            if crash is None:
                raise  # the crash, met again while stopping, is reported below
        finally:
            if ending:
                await asyncio.wait(ending, timeout=SHUTDOWN_GRACE)
                for task in ending:  # their outcome is the components' own, already met
                    if task.done() and not task.cancelled():
                        task.exception()
    if crash is not None:
        raise IngestStopped(f"{type(crash).__name__}: {crash}") from crash


def run(args: argparse.Namespace) -> int:
    """Serve until a signal; the exit code per CLI.md."""
    from hub.settings import HubSettings
    from hub.store.errors import StoreError
    from hub.store.factory import shown_url

    settings = HubSettings.load(db_url=args.db, kafka=args.kafka, grpc=args.grpc,
                                metrics=args.metrics, consumer_group=args.group)
    bad = (addresses.problem("--grpc" if args.grpc else "TRANSFERHUB_HUB", settings.grpc)
           or (settings.metrics and addresses.problem(
               "--metrics" if args.metrics else "TRANSFERHUB_METRICS", settings.metrics))
           or addresses.bootstrap_problem("--kafka" if args.kafka else "TRANSFERHUB_KAFKA",
                                          settings.kafka))
    if not bad:
        from hub.ingest.operator import tuning_problem

        bad = tuning_problem()
    if bad:
        print(f"transferhub serve: {bad}", file=sys.stderr)
        return EXIT_USAGE
    try:
        asyncio.run(_serve(settings))
    except IngestStopped as exc:
        print(f"transferhub serve: the ingest stopped ({exc}); the hub stopped with it, so "
              "that it is restarted (what was applied is in the store)", file=sys.stderr)
        return EXIT_FAILED
    except StoreError as exc:
        print(f"transferhub serve: the store at {shown_url(settings.db_url)}: {exc}",
              file=sys.stderr)
        return EXIT_UNREACHABLE if exc.retryable else EXIT_USAGE
    except (OSError, RuntimeError) as exc:  # the gRPC address cannot be bound
        print(f"transferhub serve: cannot serve on {settings.grpc}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
