"""``transferhub adapter {ontario,bc,saskatchewan} PATH``: publish what changed in an export.

Exit codes (CLI.md): 0 published (even with some records rejected); 2 bad
usage or nothing could be read; 3 the broker cannot be reached (the outbox
keeps every recorded event for the next run); 130 interrupted (Ctrl-C; the
outbox likewise). ``--json`` prints exactly the summary document on standard
output; when the run fails it prints the same shape with ``error`` (the
message, its first line), ``code`` and ``exit_code`` (as every command's
``--json`` failure does: :mod:`transferhub.cli.failure`), and, when nothing in
the export could be read, every rejection. ``--watch DIR`` runs as a service;
with ``--json`` it prints one summary per processed export, one JSON document a
line.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any

from transferhub.cli.failure import print_json

READERS = {
    "ontario": ("adapters.ontario.reader", "OntarioReader"),
    "bc": ("adapters.bc.reader", "BcReader"),
    "saskatchewan": ("adapters.saskatchewan.reader", "SaskatchewanReader"),
}
EXIT_OK, EXIT_USAGE, EXIT_UNREACHABLE = 0, 2, 3
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it


def register(subparsers: Any) -> None:
    """Add the ``adapter`` sub-command."""
    parser = subparsers.add_parser(
        "adapter", help="publish what changed in a province's export",
        description="Read one province export, publish what changed since the last run, "
                    "wait for the broker's acknowledgement, exit.")
    configure(parser, with_province=True)


def configure(parser: argparse.ArgumentParser, *, with_province: bool) -> None:
    """The adapter's arguments (shared by ``python -m adapters.<province>``)."""
    if with_province:
        parser.add_argument("province", choices=sorted(READERS), help="whose export it is")
    parser.add_argument("path", nargs="?", type=Path, metavar="PATH",
                        help="the export: a file (ontario, saskatchewan) or a folder (bc)")
    parser.add_argument("--kafka", default=os.environ.get("TRANSFERHUB_KAFKA", "").strip()
                        or "127.0.0.1:9092",
                        metavar="B", help="broker bootstrap HOST:PORT (env TRANSFERHUB_KAFKA)")
    parser.add_argument("--state", type=Path, metavar="DIR",
                        help="state folder (default ./.transferhub/adapters/<province>/)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--watch", type=Path, metavar="DIR",
                        help="service mode: process each export dropped into DIR")
    parser.set_defaults(func=handle)


def load_reader(province: str) -> Any:
    """The province's reader, imported only when asked for."""
    module, name = READERS[province]
    return getattr(importlib.import_module(module), name)()


PROVINCES = {"ontario": "ON", "bc": "BC", "saskatchewan": "SK"}


def _fail(args: argparse.Namespace, code: int, message: str, rejected: list[Any] | None = None
          ) -> int:
    """Say what went wrong; with ``--json`` also the summary shape with ``error``."""
    from adapters.base.report import failure_json
    from transferhub.cli.failure import CODE_FOR_EXIT

    print(f"transferhub adapter: error: {message}", file=sys.stderr)
    if args.json:
        print_json({**failure_json(PROVINCES[args.province], message.split("\n")[0], rejected),
                    "code": CODE_FOR_EXIT.get(code, "UNKNOWN"), "exit_code": code})
    return code


def watched_line(target: Path, report: dict[str, Any], folder: Path) -> str:
    """What ``--watch`` says of an export it read: its counts, and when removals were
    withheld, why: an export cut short stays in ``folder`` to be read again; one with a
    record whose id did not read was filed (a black-box tester saw it said to be cut
    short and left in place, while it had been moved to ``processed/``)."""
    line = (f"{target}: published {report['published']}, retired {report['retired']}, "
            f"rejected {len(report['rejected'])}")
    if not report.get("removals_withheld"):
        return line
    if target.parent == folder:
        return f"{line}: cut short, left in place to be read again once it changes"
    because = "; ".join(report.get("withheld_because") or ()) or (
        "a rejected record's id does not read, so it may be any record absent from the export")
    return f"{line}: nothing retired or revoked this run ({because})"


def handle(args: argparse.Namespace) -> int:
    """Run the adapter once, or watch a folder."""
    from adapters.base.statedb import default_state_dir
    from transferhub.cli import addresses

    # aiokafka logs every failed connection attempt; the exit message says it once.
    quiet = logging.getLogger("aiokafka")
    quiet.addHandler(logging.NullHandler())   # not Python's last-resort handler either
    quiet.propagate = False
    if (args.path is None) == (args.watch is None):
        return _fail(args, EXIT_USAGE, "give either PATH or --watch DIR (one of them)")
    bad = addresses.bootstrap_problem("--kafka", args.kafka)
    if bad:
        return _fail(args, EXIT_USAGE, bad)
    try:
        reader = load_reader(args.province)
    except ImportError as exc:
        return _fail(args, EXIT_USAGE, f"the {args.province} reader is not available ({exc})")
    state = args.state or default_state_dir(reader.province)
    if args.watch is not None:
        return _watch(reader, args, state)
    if not args.path.exists():
        return _fail(args, EXIT_USAGE, f"{args.path}: no such file or folder")
    return _run_once(reader, args, state)


def _run_once(reader: Any, args: argparse.Namespace, state: Path) -> int:
    from adapters.base.publisher import BrokerUnreachable
    from adapters.base.records import ExportUnreadable
    from adapters.base.report import summary_json
    from adapters.base.runner import NothingReadable, run_adapter
    from adapters.base.statedb import StateUnusable
    from transferhub.cli import adapter_view

    try:
        with adapter_view.progress(enabled=not args.json,
                                   expected=lambda: adapter_view.expected_records(state)
                                   ) as tick:
            summary = run_adapter(reader, args.path, kafka=args.kafka, state_dir=state,
                                  progress=tick)
    except NothingReadable as exc:
        # With --json, the report a script reads: every rejection, with ``error``.
        more = len(exc.rejected) - 10
        lines = [f"  {r.place}: {r.reason}" for r in exc.rejected[:10]]
        return _fail(args, EXIT_USAGE, "\n".join(
            [str(exc), *lines, *([f"  … and {more} more (--json lists them all)"]
                                 if more > 0 else [])]), exc.rejected)
    except (ExportUnreadable, StateUnusable) as exc:
        return _fail(args, EXIT_USAGE, str(exc))
    except BrokerUnreachable as exc:
        return _fail(args, EXIT_UNREACHABLE, f"{exc}{_kept(state)}")
    except KeyboardInterrupt:
        return _fail(args, EXIT_INTERRUPTED, f"interrupted{_kept(state)}")
    if args.json:
        print_json(summary_json(summary))
    else:
        adapter_view.show_summary(summary)
    return EXIT_OK


def _kept(state: Path) -> str:
    """``; `` and what the outbox keeps for the next run, said for people ("" when empty:
    a run that failed before recording anything has nothing to say about it)."""
    from adapters.base.statedb import pending_events

    kept = pending_events(state)
    if not kept:
        return ""
    return (f"; the outbox in {state} keeps {kept} event{'' if kept == 1 else 's'} "
            "for the next run, which sends them first")


def _watch(reader: Any, args: argparse.Namespace, state: Path) -> int:
    from adapters.base.report import RECOVERED
    from adapters.base.statedb import StateUnusable, open_state
    from adapters.base.watch import watch

    try:  # a state folder that cannot serve is bad usage now, not a failed export later
        open_state(state, reader.province).close()
    except StateUnusable as exc:
        return _fail(args, EXIT_USAGE, str(exc))

    from transferhub.cli.hangup import stop_on_signals

    stop = threading.Event()
    stop_on_signals(stop)

    def notify(target: Path, report: dict[str, Any]) -> None:
        if args.json:
            print_json(report)
        elif report.get("cut_short"):
            print(f"{target}: cut short, left in place to be read again once it changes: "
                  f"{report['error']}", file=sys.stderr, flush=True)
        elif "error" in report:
            print(f"{target}: failed: {report['error']}", file=sys.stderr, flush=True)
        else:
            print(watched_line(target, report, args.watch), file=sys.stderr, flush=True)
            if report.get("recovered"):
                print(f"{target}: note: {RECOVERED.format(n=report['recovered'])}",
                      file=sys.stderr, flush=True)

    def warn(message: str) -> None:
        print(f"transferhub adapter: {message}", file=sys.stderr, flush=True)

    print(f"watching {args.watch} for {reader.province} exports (Ctrl-C stops)",
          file=sys.stderr, flush=True)
    watch(reader, args.watch, kafka=args.kafka, state_dir=state, stop=stop,
          notify=notify, on_error=warn)
    return EXIT_OK


def main_for(province: str, argv: list[str] | None = None) -> int:
    """``python -m adapters.<province> PATH …``: the same command for one province."""
    from transferhub.cli.main import _Parser

    parser = _Parser(prog=f"python -m adapters.{province}",
                     description=f"Publish what changed in a {province} export.")
    configure(parser, with_province=False)
    args = parser.parse_args(argv)
    args.province = province
    try:
        return handle(args)
    except KeyboardInterrupt:
        return 130
