"""``transferhub status [--json] [--hub ADDR]``: what the hub has applied, per province.

A client of ``OperatorService.GetStatus``. ``--json`` prints CLI.md's shape
(``events_applied``, ``events_duplicate``, ``dead_lettered``, ``lag``,
``by_province``, ``institutions``, ``credentials``, ``rules``); each province
also carries ``events_duplicate``, ``events_stale``, ``dead_lettered`` and its
``lag`` (issue 4: lag per province), and
``lag_known`` says whether ``lag`` was measured lately (false while the broker
is unreachable, so that a 0 there is not read as caught up).
Exit 3 when the hub cannot be reached (with ``--json``, an error document:
:mod:`transferhub.cli.failure`).
"""

from __future__ import annotations

import argparse
from typing import Any

from transferhub.cli import addresses
from transferhub.cli.failure import fail, print_json
from transferhub.cli.main import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``status`` to the command tree."""
    parser = subparsers.add_parser(
        "status", help="what the hub has applied per province, lag, dead letters, counts",
        description="Ask the hub what it has applied, per province; its lag; dead letters; "
                    "what the store holds.")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--hub", metavar="HOST:PORT",
                        help="hub address (TRANSFERHUB_HUB; default 127.0.0.1:50051)")
    parser.set_defaults(func=run)


def as_json(status: Any) -> dict[str, Any]:
    """CLI.md's ``status --json`` document from an ``operator.v1.Status``."""
    return {
        "events_applied": status.events_applied,
        "events_duplicate": status.events_duplicate,
        "dead_lettered": status.dead_lettered,
        "lag": status.lag,
        "lag_known": status.lag_known,
        "by_province": {
            province: {
                "events_applied": p.events_applied,
                "events_duplicate": p.events_duplicate,
                "events_stale": p.events_stale,
                "dead_lettered": p.dead_lettered,
                "last_event_at": p.last_event_at or None,
                "lag": p.lag,
            }
            for province, p in sorted(status.by_province.items())
        },
        "institutions": status.institutions,
        "credentials": status.credentials,
        "rules": status.rules,
    }


def _print_table(doc: dict[str, Any]) -> None:
    from transferhub.cli import tables
    from transferhub.cli.tables import Table

    console = tables.console()
    table = Table(title="events by province")
    for column in ("province", "applied", "duplicate", "stale", "dead letters", "lag",
                   "last event"):
        table.add_column(column, justify="left" if column in ("province", "last event")
                         else "right")
    for province, p in tables.shown(doc["by_province"]).items():
        # A lag not measured lately is "?", as in the monitor: a 0 would read as caught up.
        lag = str(p["lag"]) if doc["lag_known"] else "?"
        table.add_row(province, str(p["events_applied"]), str(p["events_duplicate"]),
                      str(p["events_stale"]), str(p["dead_lettered"]), lag,
                      p["last_event_at"] or "-")
    console.print(table)
    console.print(f"applied {doc['events_applied']}, duplicates {doc['events_duplicate']}, "
                  f"dead letters {doc['dead_lettered']}, "
                  f"lag {doc['lag'] if doc['lag_known'] else '?'}"
                  + ("" if doc["lag_known"] else
                     " (not measured lately: is the broker reachable?)"))
    console.print(f"store: {doc['institutions']} institutions, {doc['credentials']} "
                  f"credentials, {doc['rules']} rules")


def run(args: argparse.Namespace) -> int:
    """Ask the hub for its status; the exit code per CLI.md."""
    from transferhub.cli.hubclient import HubRefused, HubUnreachable, call, hub_address
    from transferhub.hub.v1 import operator_service_pb2 as pb
    from transferhub.hub.v1 import operator_service_pb2_grpc as pb_grpc

    address = hub_address(args.hub)
    bad = addresses.problem("--hub" if args.hub else "TRANSFERHUB_HUB", address)
    if bad:
        return fail("transferhub status", bad, EXIT_USAGE, as_json=args.json)
    try:
        status = call(address, pb_grpc.OperatorServiceStub, "GetStatus", pb.GetStatusRequest())
    except HubUnreachable as exc:
        return fail("transferhub status", str(exc), EXIT_UNREACHABLE, as_json=args.json)
    except HubRefused as exc:
        return fail("transferhub status", f"the hub answered {exc.code.name}: {exc.message}",
                    EXIT_FAILED, as_json=args.json, code=exc.code.name)
    doc = as_json(status)
    if args.json:
        print_json(doc)
    else:
        _print_table(doc)
    return EXIT_OK
