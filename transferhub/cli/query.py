"""``transferhub transfer``, ``stack`` and ``equivalents``: queries to the hub over gRPC.

Exit codes (CLI.md): 0 answered; 1 the hub refused (an unknown institution or
target); 2 bad usage or input (a malformed ``--completed``, or the hub's
INVALID_ARGUMENT); 3 the hub cannot be reached after retrying a few seconds.
With ``--json`` a failure also prints its error document on standard output
(:mod:`transferhub.cli.failure`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
from rich.console import Console

from hub.api.limits import MAX_COMPLETED
from transferhub.cli import addresses, render, tables
from transferhub.cli.failure import fail, print_json
from transferhub.cli.hubclient import HubRefused, HubUnreachable, call, hub_address
from transferhub.cli.main import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE
from transferhub.cli.transcript import (
    BadTranscript,
    in_cli_terms,
    parse_completed,
    read_transcript,
    source_of,
)
from transferhub.hub.v1 import query_service_pb2 as pb
from transferhub.hub.v1.query_service_pb2_grpc import QueryServiceStub


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--hub", metavar="HOST:PORT",
                        help="the hub's gRPC address (TRANSFERHUB_HUB, default 127.0.0.1:50051)")


def _transcript_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--completed", action="append", default=[], metavar="REF=GRADE@DATE",
                        help="a completed credential, e.g. 'BC:CAPU:ENGL 100=B+@2016-04' "
                             "(repeat for each)")
    parser.add_argument("--transcript", type=Path, action="append", default=[],
                        metavar="FILE",
                        help="a CSV with the header credential,grade,completed "
                             "(- reads it from standard input; repeat for each file)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``transfer``, ``stack`` and ``equivalents`` to the command tree."""
    transfer = subparsers.add_parser("transfer", help="a transfer query",
                                     description="What a receiving institution awards "
                                                 "for a learner's completed credentials.")
    transfer.add_argument("--to", required=True, metavar="INST",
                          help="the receiving institution, e.g. BC:UBCV")
    _transcript_options(transfer)
    _common(transfer)
    transfer.set_defaults(func=run_transfer)

    stack = subparsers.add_parser("stack", help="a stacking query",
                                  description="How far completed credentials go toward a "
                                              "certificate, diploma or degree.")
    stack.add_argument("--toward", required=True, metavar="CRED",
                       help="the target credential, e.g. ON:HUMB:CERT-DA")
    _transcript_options(stack)
    _common(stack)
    stack.set_defaults(func=run_stack)

    equivalents = subparsers.add_parser("equivalents", help="every rule from a credential",
                                        description="Every rule that starts from a "
                                                    "credential, with provenance.")
    equivalents.add_argument("credential", metavar="CRED", help="e.g. 'BC:CAPU:ENGL 100'")
    equivalents.add_argument("--to", metavar="INST_OR_PROV",
                             help="only rules to this institution (BC:UBCV) or province (BC)")
    _common(equivalents)
    equivalents.set_defaults(func=run_equivalents)


def _completed(args: argparse.Namespace, sources: list[str]) -> list[pb.CompletedCredential]:
    """The learner's items, ``--completed`` first; ``sources`` gets where each came from."""
    items = [(source_of(text), parse_completed(text)) for text in args.completed]
    if [str(path) for path in args.transcript].count("-") > 1:
        raise BadTranscript("--transcript -: standard input can be read only once")
    # Several files are one transcript (a learner's record from two institutions),
    # read in the order given.
    for path in args.transcript:
        items.extend(read_transcript(path, max(MAX_COMPLETED - len(items), 0)))
    if not items:
        raise BadTranscript("give at least one --completed REF=GRADE@DATE or a --transcript FILE")
    sources.extend(where for where, _ in items)
    return [item for _, item in items]


def _ask(args: argparse.Namespace, method: str, build: Callable[[list[str]], Any],
         to_json: Callable[[Any], dict[str, Any]],
         to_table: Callable[[Console, dict[str, Any]], None],
         flags: dict[str, str] | None = None) -> int:
    """Build the request, call the hub, print the answer; the exit code per CLI.md.

    ``build`` fills the list it is given with where each completed item came
    from, so that a refusal naming ``completed[i]`` says which line to fix;
    ``flags`` names the option a refused request field came from
    (``receiving_institution: …`` is said ``--to (receiving_institution): …``).
    """
    prog = f"transferhub {args.command}"
    address = hub_address(args.hub)
    bad = addresses.problem("--hub" if args.hub else "TRANSFERHUB_HUB", address)
    if bad:
        return fail(prog, bad, EXIT_USAGE, as_json=args.json)
    sources: list[str] = []
    try:
        request = build(sources)
        response = call(address, QueryServiceStub, method, request)
    except BadTranscript as exc:
        return fail(prog, str(exc), EXIT_USAGE, as_json=args.json)
    except HubUnreachable as exc:
        return fail(prog, str(exc), EXIT_UNREACHABLE, as_json=args.json)
    except HubRefused as exc:
        return fail(prog, _as_typed(in_cli_terms(exc.message, sources), flags or {}),
                    EXIT_USAGE if exc.code is grpc.StatusCode.INVALID_ARGUMENT else EXIT_FAILED,
                    as_json=args.json, code=exc.code.name)
    doc = to_json(response)
    if args.json:
        print_json(doc)
    else:
        to_table(tables.console(), doc)
    return EXIT_OK


def run_transfer(args: argparse.Namespace) -> int:
    """``transferhub transfer``."""
    return _ask(args, "Transfer",
                lambda sources: pb.TransferRequest(receiving_institution=args.to,
                                                   completed=_completed(args, sources)),
                render.transfer, tables.print_transfer,
                {"receiving_institution": "--to"})


def _as_typed(message: str, flags: dict[str, str]) -> str:
    """``field: …`` said as the option the user typed, the field kept for the hub's logs."""
    field, sep, rest = message.partition(": ")
    if not (sep and field in flags):
        return message
    flag = flags[field]
    return f"{flag}: {rest}" if flag.lstrip("-") == field else f"{flag} ({field}): {rest}"


def run_stack(args: argparse.Namespace) -> int:
    """``transferhub stack``."""
    return _ask(args, "Stack",
                lambda sources: pb.StackRequest(target=args.toward,
                                                completed=_completed(args, sources)),
                render.stack, tables.print_stack, {"target": "--toward"})


def run_equivalents(args: argparse.Namespace) -> int:
    """``transferhub equivalents``."""
    return _ask(args, "ListEquivalents",
                lambda _: pb.ListEquivalentsRequest(credential=args.credential, to=args.to or ""),
                lambda response: {**render.equivalents(response),
                                  "to": args.to.strip().upper() if args.to else None},
                tables.print_equivalents, {"credential": "CRED", "to": "--to"})
