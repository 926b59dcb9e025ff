"""``transferhub monitor`` and ``transferhub deadletters {list,replay}``: operators' commands.

Both are clients of ``OperatorService`` (CLI.md): ``monitor`` is a live view of
``WatchEvents``, ``deadletters list`` reads ``ListDeadLetters`` and
``deadletters replay`` asks ``ReplayDeadLetters`` to re-drive them.

Exit codes (CLI.md): 0 success; 1 the hub answered with an error (a hub that
does not consume events cannot stream or replay them), or a replay left some
dead letters failing again; 2 bad usage; 3 the hub cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, deque
from typing import Any

from transferhub.cli import addresses
from transferhub.cli.hubclient import HubRefused, HubUnreachable, call, hub_address, stream
from transferhub.cli.main import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE
from transferhub.hub.v1 import operator_service_pb2 as pb
from transferhub.hub.v1.operator_service_pb2_grpc import OperatorServiceStub

Json = dict[str, Any]
RECENT_EVENTS = 15
LIST_LIMIT_MAX = 1000  # OperatorService's own bound on ListDeadLetters.limit
DEAD_LETTER_ID_MAX = 2**63 - 1  # ReplayDeadLettersRequest.ids are int64: past it is no id


def _hub_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hub", metavar="HOST:PORT",
                        help="the hub's gRPC address (TRANSFERHUB_HUB, default 127.0.0.1:50051)")


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= LIST_LIMIT_MAX:
        raise argparse.ArgumentTypeError(f"{value} is not between 1 and {LIST_LIMIT_MAX}")
    return value


def _dead_letter_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a dead letter id (a number "
                                         "from `transferhub deadletters list`)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a dead letter id (ids start at 1)")
    if value > DEAD_LETTER_ID_MAX:
        raise argparse.ArgumentTypeError(f"{value} is not a dead letter id (too large)")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``monitor`` and ``deadletters {list,replay}`` to the command tree."""
    monitor = subparsers.add_parser(
        "monitor", help="a live view of the events the hub applies",
        description="Watch the events the hub applies as they arrive, per province, until "
                    "Ctrl-C. On a terminal a live table; piped, one line per event.")
    monitor.add_argument("--province", metavar="PROV", default="",
                         help="only this province's events (e.g. BC)")
    _hub_option(monitor)
    monitor.set_defaults(func=run_monitor)

    deadletters = subparsers.add_parser(
        "deadletters", help="inspect and re-drive events the hub could not apply",
        description="Inspect and re-drive the events the hub could not apply.")
    actions = deadletters.add_subparsers(dest="action", metavar="ACTION", required=True,
                                         parser_class=type(deadletters))
    listing = actions.add_parser("list", help="the dead letters, oldest first",
                                 description="The events the hub could not apply, oldest "
                                             "first, with why.")
    listing.add_argument("--limit", type=_limit, default=100, metavar="N",
                         help=f"at most N (1-{LIST_LIMIT_MAX}, default 100)")
    listing.add_argument("--all", action="store_true",
                         help="include dead letters already replayed")
    listing.add_argument("--json", action="store_true", help="print one JSON document")
    _hub_option(listing)
    listing.set_defaults(func=run_list, command="deadletters list")

    replay = actions.add_parser("replay", help="re-drive dead letters through the hub",
                                description="Re-drive dead letters through the hub's ingest: "
                                            "the given ids, or every one not yet replayed.")
    replay.add_argument("ids", nargs="*", type=_dead_letter_id, metavar="ID",
                        help="dead letter ids (default: every one not yet replayed)")
    replay.add_argument("--json", action="store_true", help="print one JSON document")
    _hub_option(replay)
    replay.set_defaults(func=run_replay, command="deadletters replay")


def _address(args: argparse.Namespace) -> str | None:
    """The hub's address, or ``None`` after saying why it is not ``HOST:PORT``."""
    address = hub_address(args.hub)
    bad = addresses.problem("--hub" if args.hub else "TRANSFERHUB_HUB", address)
    if bad:
        print(f"transferhub {args.command}: {bad}", file=sys.stderr)
        return None
    return address


def _failed(args: argparse.Namespace, exc: Exception) -> int:
    """Say why the hub did not answer; the exit code per CLI.md."""
    prog = f"transferhub {args.command}"
    if isinstance(exc, HubUnreachable):
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    assert isinstance(exc, HubRefused)
    print(f"{prog}: {exc.message}", file=sys.stderr)
    return EXIT_USAGE if exc.code.name == "INVALID_ARGUMENT" else EXIT_FAILED


def dead_letter(letter: pb.DeadLetter) -> Json:
    """One dead letter as ``deadletters list --json`` prints it; unknown fields are null."""
    return {"id": letter.id, "topic": letter.topic, "partition": letter.partition,
            "offset": letter.offset, "province": letter.province or None,
            "event_id": letter.event_id or None, "reason": letter.reason,
            "recorded_at": letter.recorded_at or None, "replayed": letter.replayed}


def run_list(args: argparse.Namespace) -> int:
    """``transferhub deadletters list``: ``{"dead_letters": [...]}``, oldest first."""
    address = _address(args)
    if address is None:
        return EXIT_USAGE
    try:
        response = call(address, OperatorServiceStub, "ListDeadLetters",
                        pb.ListDeadLettersRequest(limit=args.limit,
                                                  include_replayed=args.all))
    except (HubUnreachable, HubRefused) as exc:
        return _failed(args, exc)
    doc = {"dead_letters": [dead_letter(x) for x in response.dead_letters]}
    if args.json:
        print(json.dumps(doc, ensure_ascii=False))
        return EXIT_OK
    from rich.table import Table

    from transferhub.cli import tables

    console = tables.console()
    if not doc["dead_letters"]:
        console.print("no dead letters")
        return EXIT_OK
    table = Table(title="dead letters")
    for column in ("id", "province", "where", "recorded", "replayed", "reason"):
        table.add_column(column, justify="right" if column == "id" else "left")
    for x in doc["dead_letters"]:
        table.add_row(str(x["id"]), x["province"] or "-",
                      f"{x['topic']}[{x['partition']}]@{x['offset']}", x["recorded_at"] or "-",
                      "yes" if x["replayed"] else "no", x["reason"])
    console.print(table)
    return EXIT_OK


def run_replay(args: argparse.Namespace) -> int:
    """``transferhub deadletters replay``: ``{"applied": n, "failed": m}``.

    Exit 1 when some failed again: they stay dead letters, and a script that
    replays after a fix should notice that the fix did not cover them.
    """
    address = _address(args)
    if address is None:
        return EXIT_USAGE
    try:
        response = call(address, OperatorServiceStub, "ReplayDeadLetters",
                        pb.ReplayDeadLettersRequest(ids=args.ids))
    except (HubUnreachable, HubRefused) as exc:
        return _failed(args, exc)
    doc = {"applied": response.applied, "failed": response.failed}
    if args.json:
        print(json.dumps(doc))
    else:
        print(f"replayed: {doc['applied']} applied, {doc['failed']} failed again")
    return EXIT_FAILED if response.failed else EXIT_OK


def applied_event(event: pb.AppliedEvent) -> Json:
    """One event the hub handled."""
    return {"event_id": event.event_id, "province": event.province,
            "entity_key": event.entity_key, "version": event.version,
            "outcome": event.outcome, "applied_at": event.applied_at,
            "change": event.change}


def _change(event: Json) -> str:
    """``rule revoked``, for people; ``unreadable`` for an event the hub could not read."""
    return event["change"].replace("_", " ") if event["change"] else "unreadable"


class _View:
    """The live view: per-province counts by outcome and the latest events."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {}
        self.recent: deque[Json] = deque(maxlen=RECENT_EVENTS)

    def add(self, event: Json) -> None:
        self.counts.setdefault(event["province"], Counter())[event["outcome"]] += 1
        self.recent.append(event)

    def render(self) -> Any:
        from rich.console import Group
        from rich.table import Table

        outcomes = ("applied", "duplicate", "stale", "dead_lettered")
        totals = Table(title="events since the monitor started")
        totals.add_column("province")
        for outcome in outcomes:
            totals.add_column(outcome.replace("_", " "), justify="right")
        for province, counts in sorted(self.counts.items()):
            totals.add_row(province, *(str(counts[o]) for o in outcomes))
        latest = Table(title="latest events")
        for column in ("at", "province", "change", "entity", "version", "outcome"):
            latest.add_column(column, justify="right" if column == "version" else "left")
        for e in reversed(self.recent):
            latest.add_row(e["applied_at"], e["province"], _change(e), e["entity_key"],
                           str(e["version"]), e["outcome"])
        return Group(totals, latest)


def run_monitor(args: argparse.Namespace) -> int:
    """``transferhub monitor``: until Ctrl-C (exit 0) or the hub goes away (exit 3)."""
    address = _address(args)
    if address is None:
        return EXIT_USAGE
    from rich.live import Live

    from transferhub.cli import tables

    console = tables.console()
    request = pb.WatchEventsRequest(province=args.province.strip().upper())
    view = _View()
    events = stream(address, OperatorServiceStub, "WatchEvents", request)
    try:
        if console.is_terminal:
            with Live(view.render(), console=console, auto_refresh=False) as live:
                for event in events:
                    view.add(applied_event(event))
                    live.update(view.render(), refresh=True)
        else:
            print(f"watching the hub at {address}; Ctrl-C stops", file=sys.stderr, flush=True)
            for event in events:
                e = applied_event(event)
                print(f"{e['applied_at']} {e['province']} {_change(e)} {e['entity_key']} "
                      f"v{e['version']} {e['outcome']}", flush=True)
    except KeyboardInterrupt:
        return EXIT_OK
    except (HubUnreachable, HubRefused) as exc:
        return _failed(args, exc)
    finally:
        events.close()
    print(f"transferhub monitor: the hub at {address} ended the stream", file=sys.stderr)
    return EXIT_UNREACHABLE
