"""``transferhub deadletters {list,replay}``: events the hub could not apply, listed, re-driven.

``list`` reads ``OperatorService.ListDeadLetters``; ``replay`` asks
``ReplayDeadLetters`` to re-drive them through the hub's ingest. The
``--hub`` option and the exit codes are :mod:`transferhub.cli.operator`'s.
"""

from __future__ import annotations

import argparse
import sys

from transferhub.cli.failure import error_json, print_json
from transferhub.cli.hubclient import HubRefused, HubUnreachable, call
from transferhub.cli.main import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from transferhub.cli.operator import Json, checked_address, failed, hub_option
from transferhub.hub.v1 import operator_service_pb2 as pb
from transferhub.hub.v1.operator_service_pb2_grpc import OperatorServiceStub

LIST_LIMIT_MAX = 1000  # OperatorService's own bound on ListDeadLetters.limit
DEAD_LETTER_ID_MAX = 2**63 - 1  # ReplayDeadLettersRequest.ids are int64: past it is no id
FAILURES_SAID = 5  # failed dead letters named on standard error; --json lists every one


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
    """Add ``deadletters {list,replay}`` to the command tree."""
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
    listing.add_argument("--after", type=_dead_letter_id, default=0, metavar="ID",
                         help="only those after dead letter ID (the next page: the last ID "
                              "listed)")
    listing.add_argument("--json", action="store_true", help="print one JSON document")
    hub_option(listing)
    listing.set_defaults(func=run_list, command="deadletters list")

    replay = actions.add_parser("replay", help="re-drive dead letters through the hub",
                                description="Re-drive dead letters through the hub's ingest: "
                                            "the given ids, or every one not yet replayed.")
    replay.add_argument("ids", nargs="*", type=_dead_letter_id, metavar="ID",
                        help="dead letter ids (default: every one not yet replayed)")
    replay.add_argument("--json", action="store_true", help="print one JSON document")
    hub_option(replay)
    replay.set_defaults(func=run_replay, command="deadletters replay")


def dead_letter(letter: pb.DeadLetter) -> Json:
    """One dead letter as ``deadletters list --json`` prints it; unknown fields are null."""
    return {"id": letter.id, "topic": letter.topic, "partition": letter.partition,
            "offset": letter.offset, "province": letter.province or None,
            "event_id": letter.event_id or None, "reason": letter.reason,
            "recorded_at": letter.recorded_at or None, "replayed": letter.replayed}


def run_list(args: argparse.Namespace) -> int:
    """``transferhub deadletters list``: ``{"dead_letters": [...]}``, oldest first."""
    address = checked_address(args)
    if address is None:
        return EXIT_USAGE
    try:
        response = call(address, OperatorServiceStub, "ListDeadLetters",
                        pb.ListDeadLettersRequest(limit=args.limit,
                                                  include_replayed=args.all,
                                                  after_id=args.after))
    except (HubUnreachable, HubRefused) as exc:
        return failed(args, exc)
    doc = {"dead_letters": [dead_letter(x) for x in response.dead_letters],
           "more": response.more}
    if args.json:
        print_json(doc)
        return EXIT_OK
    from transferhub.cli import tables
    from transferhub.cli.tables import Table

    console = tables.console()
    if not doc["dead_letters"]:
        console.print("no dead letters")
        return EXIT_OK
    table = Table(title="dead letters")
    for column in ("id", "province", "where", "event", "recorded", "replayed", "reason"):
        table.add_column(column, justify="right" if column == "id" else "left")
    for x in tables.shown(doc["dead_letters"]):
        table.add_row(str(x["id"]), x["province"] or "-",
                      f"{x['topic']}[{x['partition']}]@{x['offset']}", x["event_id"] or "-",
                      x["recorded_at"] or "-", "yes" if x["replayed"] else "no", x["reason"])
    console.print(table)
    if doc["more"]:
        again = " --all" if args.all else ""   # the same list, its next page
        console.print(f"more dead letters follow: --after {doc['dead_letters'][-1]['id']}"
                      f"{again} lists the next ones")
    return EXIT_OK


def run_replay(args: argparse.Namespace) -> int:
    """``transferhub deadletters replay``: ``{"applied": n, "failed": m, "failures": [...]}``.

    Exit 1 when some failed again: they stay dead letters, and a script that
    replays after a fix should notice that the fix did not cover them. Standard
    error then says which and why, and ``--json`` adds the failure keys every
    command has (``error``, ``code`` ``FAILED_PRECONDITION``, ``exit_code``),
    ``failures`` listing each id with its reason.
    """
    address = checked_address(args)
    if address is None:
        return EXIT_USAGE
    try:
        response = call(address, OperatorServiceStub, "ReplayDeadLetters",
                        pb.ReplayDeadLettersRequest(ids=args.ids))
    except (HubUnreachable, HubRefused) as exc:
        return failed(args, exc)
    failures = [{"id": f.id, "reason": f.reason} for f in response.failures]
    doc: Json = {"applied": response.applied, "failed": response.failed, "failures": failures,
                 "being_replayed": response.being_replayed}
    if response.failed:
        said = "; ".join(f"{f['id']}: {f['reason']}" for f in failures[:FAILURES_SAID])
        more = len(failures) - FAILURES_SAID
        message = (f"{response.failed} dead letter(s) not re-driven, staying "
                   f"({said}{f'; and {more} more' if more > 0 else ''})")
        print(f"transferhub {args.command}: {message}", file=sys.stderr)
        doc.update(error_json(message, EXIT_FAILED))
    if args.json:
        print_json(doc)
    else:
        elsewhere = (f", {response.being_replayed} held by another replay (running now, or "
                     "stopped less than 15 minutes ago)" if response.being_replayed else "")
        print(f"replayed: {doc['applied']} applied, {doc['failed']} not re-driven{elsewhere}")
    return EXIT_FAILED if response.failed else EXIT_OK
