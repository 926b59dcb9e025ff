"""What operators' commands, ``transferhub monitor`` and ``deadletters``, share.

Both are clients of ``OperatorService`` (CLI.md): ``monitor`` is a live view of
``WatchEvents`` (:mod:`transferhub.cli.monitor`), ``deadletters list`` reads
``ListDeadLetters`` and ``deadletters replay`` asks ``ReplayDeadLetters`` to
re-drive them (:mod:`transferhub.cli.deadletters`). Here: their ``--hub``
option, its address, and what a failed call says and exits with.

Exit codes (CLI.md): 0 success; 1 the hub answered with an error (a hub that
does not consume events cannot stream or replay them), or a replay left some
dead letters failing again; 2 bad usage; 3 the hub cannot be reached. With
``--json`` a failure also prints its error document (:mod:`transferhub.cli.failure`).
"""

from __future__ import annotations

import argparse
from typing import Any

from transferhub.cli import addresses
from transferhub.cli.failure import fail
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
        fail(f"transferhub {args.command}", bad, EXIT_USAGE, as_json=getattr(args, "json", False))
        return None
    return address


def failed(args: argparse.Namespace, exc: Exception) -> int:
    """Say why the hub did not answer; the exit code per CLI.md."""
    prog, as_json = f"transferhub {args.command}", getattr(args, "json", False)
    if isinstance(exc, HubUnreachable):
        return fail(prog, str(exc), EXIT_UNREACHABLE, as_json=as_json)
    assert isinstance(exc, HubRefused)
    return fail(prog, exc.message,
                EXIT_USAGE if exc.code.name == "INVALID_ARGUMENT" else EXIT_FAILED,
                as_json=as_json, code=exc.code.name)
