"""What operators' commands, ``transferhub monitor`` and ``deadletters``, share.

Both are clients of ``OperatorService`` (CLI.md): ``monitor`` is a live view of
``WatchEvents`` (:mod:`transferhub.cli.monitor`), ``deadletters list`` reads
``ListDeadLetters`` and ``deadletters replay`` asks ``ReplayDeadLetters`` to
re-drive them (:mod:`transferhub.cli.deadletters`). Here: their ``--hub``
option, its address, and what a failed call says and exits with.

Exit codes (CLI.md): 0 success; 1 the hub answered with an error (a hub that
does not consume events cannot stream or replay them), or a replay left some
dead letters failing again; 2 bad usage; 3 the hub cannot be reached.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from transferhub.cli import addresses
from transferhub.cli.hubclient import HubRefused, HubUnreachable, hub_address
from transferhub.cli.main import EXIT_FAILED, EXIT_UNREACHABLE, EXIT_USAGE

Json = dict[str, Any]


def hub_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--hub HOST:PORT`` to ``parser``."""
    parser.add_argument("--hub", metavar="HOST:PORT",
                        help="the hub's gRPC address (TRANSFERHUB_HUB, default 127.0.0.1:50051)")


def checked_address(args: argparse.Namespace) -> str | None:
    """The hub's address, or ``None`` after saying why it is not ``HOST:PORT``."""
    address = hub_address(args.hub)
    bad = addresses.problem("--hub" if args.hub else "TRANSFERHUB_HUB", address)
    if bad:
        print(f"transferhub {args.command}: {bad}", file=sys.stderr)
        return None
    return address


def failed(args: argparse.Namespace, exc: Exception) -> int:
    """Say why the hub did not answer; the exit code per CLI.md."""
    prog = f"transferhub {args.command}"
    if isinstance(exc, HubUnreachable):
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    assert isinstance(exc, HubRefused)
    print(f"{prog}: {exc.message}", file=sys.stderr)
    return EXIT_USAGE if exc.code.name == "INVALID_ARGUMENT" else EXIT_FAILED
