"""``transferhub broker [--listen HOST:PORT]``: the embedded Kafka-compatible broker.

It creates the provinces' topics and the dead-letter topic, prints its
address, and runs until Ctrl-C or SIGTERM, when it stops the broker process
(exit 0). For development and tests only: it keeps everything in memory.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading

from transferhub.cli.main import EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``broker`` to the command tree."""
    parser = subparsers.add_parser(
        "broker", help="run the embedded Kafka-compatible broker in the foreground",
        description="Run the embedded Kafka-compatible broker (development and tests only: "
                    "everything is in memory). Ctrl-C or SIGTERM stops it.")
    parser.add_argument("--listen", metavar="HOST:PORT",
                        help="address to listen on (default TRANSFERHUB_KAFKA or 127.0.0.1:9092)")
    parser.set_defaults(func=run)


def _check(address: str) -> str | None:
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        return f"--listen {address!r} is not HOST:PORT (e.g. 127.0.0.1:9092)"
    return None


def run(args: argparse.Namespace) -> int:
    """Run the broker until a signal; the exit code per CLI.md."""
    from aiokafka.errors import KafkaError

    from transferhub.broker import BrokerUnavailable, EmbeddedBroker
    from transferhub.cli.hangup import stop_on_signals

    address = args.listen or os.environ.get("TRANSFERHUB_KAFKA", "").strip() or "127.0.0.1:9092"
    problem = _check(address)
    if problem:
        print(f"transferhub broker: {problem}", file=sys.stderr)
        return EXIT_USAGE
    stopping = threading.Event()
    stop_on_signals(stopping)
    broker = EmbeddedBroker(address)
    try:
        broker.start(quiet=True, ended_with_parent=True)
        broker.ensure_topics()
    except (BrokerUnavailable, OSError, KafkaError) as exc:  # a taken port, a missing binary
        broker.stop()
        print(f"transferhub broker: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    print(f"transferhub broker: listening on {address} (Ctrl-C stops it)", flush=True)
    try:
        while not stopping.wait(0.5):
            if broker.process is not None and broker.process.poll() is not None:
                print(f"transferhub broker: the broker exited with code "
                      f"{broker.process.returncode}", file=sys.stderr)
                return EXIT_UNREACHABLE
    finally:
        broker.stop()
    print("transferhub broker: stopped", flush=True)
    return EXIT_OK
