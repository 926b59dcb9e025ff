"""``transferhub monitor``: a live view of the events the hub applies (``WatchEvents``).

On a terminal a live table of counts per province and the latest events,
redrawn a few times a second (not once per event: a terminal that cannot keep
up would slow the monitor to a few dozen events a second); piped, one line per
event. Events the hub dropped because the monitor read too slowly (the hub
never waits for it) are counted, never hidden: "N events not shown (the monitor
fell behind)". The ``--hub`` option and the exit codes are
:mod:`transferhub.cli.operator`'s.

On a terminal the view also shows, per province, the events handled a second,
the lag and the dead letters, from the hub's status (:mod:`transferhub.cli.pulse`).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter, deque
from typing import Any

from transferhub.cli.failure import visible
from transferhub.cli.hubclient import HubRefused, HubUnreachable, call, stream
from transferhub.cli.main import EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE
from transferhub.cli.operator import Json, checked_address, failed, hub_option
from transferhub.cli.pulse import STATUS_SECONDS, Pulse, poll_status
from transferhub.hub.v1 import operator_service_pb2 as pb
from transferhub.hub.v1.operator_service_pb2_grpc import OperatorServiceStub

RECENT_EVENTS = 15
REFRESHES_PER_SECOND = 4


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``monitor`` to the command tree."""
    monitor = subparsers.add_parser(
        "monitor", help="a live view of the events the hub applies",
        description="Watch the events the hub applies as they arrive, per province, until "
                    "Ctrl-C. On a terminal a live table; piped, one line per event.")
    monitor.add_argument("--province", metavar="PROV", default="",
                         help="only this province's events (e.g. BC)")
    hub_option(monitor)
    monitor.set_defaults(func=run_monitor)


def applied_event(event: pb.AppliedEvent) -> Json:
    """One event the hub handled."""
    return {"event_id": event.event_id, "province": event.province,
            "entity_key": event.entity_key, "version": event.version,
            "outcome": event.outcome, "applied_at": event.applied_at,
            "change": event.change, "missed": event.missed}


def not_shown(missed: int) -> str:
    """The line that says how many events the hub dropped because the monitor fell behind."""
    return f"{missed} event{'' if missed == 1 else 's'} not shown (the monitor fell behind)"


def _change(event: Json) -> str:
    """``rule revoked``, for people; ``unreadable`` for an event the hub could not read."""
    return event["change"].replace("_", " ") if event["change"] else "unreadable"


class _View:
    """The live view: per-province counts by outcome, the events not shown, the latest events.

    Events are added by the thread reading the stream and the view is drawn by
    the display's refresh thread, hence the lock; a view unchanged since it was
    last drawn is not built again.
    """

    def __init__(self, province: str = "") -> None:
        self.counts: dict[str, Counter[str]] = {}
        self.recent: deque[Json] = deque(maxlen=RECENT_EVENTS)
        self.missed = 0
        self.pulse = Pulse(province)
        self._lock = threading.Lock()
        self._drawn: Any = None

    def record_status(self, status: pb.Status | str) -> None:
        """The hub's latest status (or why it could not be had), for the streams' table."""
        with self._lock:
            if isinstance(status, str):
                self.pulse.failed(status)
            else:
                self.pulse.observe(status, time.monotonic())
            self._drawn = None

    def add(self, event: Json) -> None:
        with self._lock:
            self.counts.setdefault(event["province"], Counter())[event["outcome"]] += 1
            self.recent.append(event)
            self.missed += event["missed"]
            self._drawn = None

    def render(self) -> Any:
        with self._lock:
            if self._drawn is None:
                self._drawn = self._build()
            return self._drawn

    def _build(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        from transferhub.cli.tables import shown

        parts: list[Any] = []
        streams = Table(title=f"the hub's streams (its status, every {STATUS_SECONDS:.0f} s)")
        for column in ("province", "events/s", "lag", "dead letters"):
            streams.add_column(column, justify="left" if column == "province" else "right")
        for province, *figures in self.pulse.rows():
            streams.add_row(shown(province), *figures)
        parts.append(streams)
        if self.pulse.footnote():
            parts.append(Text(shown(self.pulse.footnote()), style="yellow"))
        outcomes = ("applied", "duplicate", "stale", "dead_lettered")
        totals = Table(title="events since the monitor started")
        totals.add_column("province")
        for outcome in outcomes:
            totals.add_column(outcome.replace("_", " "), justify="right")
        for province, counts in sorted(self.counts.items()):
            totals.add_row(shown(province), *(str(counts[o]) for o in outcomes))
        latest = Table(title="latest events")
        for column in ("at", "province", "change", "entity", "version", "outcome"):
            latest.add_column(column, justify="right" if column == "version" else "left")
        for e in map(shown, reversed(self.recent)):   # province text: never markup
            latest.add_row(e["applied_at"], e["province"], _change(e), e["entity_key"],
                           str(e["version"]), e["outcome"])
        parts.append(totals)
        if self.missed:
            parts.append(Text(not_shown(self.missed), style="bold yellow"))
        parts.append(latest)
        return Group(*parts)


def run_monitor(args: argparse.Namespace) -> int:
    """``transferhub monitor``: until Ctrl-C (exit 0) or the hub goes away (exit 3)."""
    address = checked_address(args)
    if address is None:
        return EXIT_USAGE
    from rich.live import Live

    from transferhub.cli import tables

    console = tables.console()
    request = pb.WatchEventsRequest(province=args.province.strip())  # the hub checks it
    view = _View(request.province)
    stopped = threading.Event()
    events = stream(address, OperatorServiceStub, "WatchEvents", request)
    try:
        if console.is_terminal:
            def ask() -> pb.Status:
                return call(address, OperatorServiceStub, "GetStatus", pb.GetStatusRequest())

            threading.Thread(target=poll_status, name="monitor-status", daemon=True,
                             args=(ask, view.record_status, stopped, STATUS_SECONDS)).start()
            # Drawn by Live's own thread a few times a second, whatever the event rate.
            with Live(get_renderable=view.render, console=console,
                      refresh_per_second=REFRESHES_PER_SECOND):
                for event in events:
                    view.add(applied_event(event))
        else:
            print(f"watching the hub at {address}; Ctrl-C stops", file=sys.stderr, flush=True)
            for event in events:
                e = applied_event(event)
                if e["missed"]:
                    print(not_shown(e["missed"]))
                # Tab-separated: an entity id ("BC:CAPU:ENGL 100") and a change ("rule
                # upserted") hold spaces, and a script splits on tabs into six fields.
                print("\t".join(visible(field) for field in (
                    e["applied_at"], e["province"], _change(e), e["entity_key"],
                    f"v{e['version']}", e["outcome"])), flush=True)
    except KeyboardInterrupt:
        return EXIT_OK
    except (HubUnreachable, HubRefused) as exc:
        return failed(args, exc)
    finally:
        stopped.set()
        events.close()
    print(f"transferhub monitor: the hub at {address} ended the stream", file=sys.stderr)
    return EXIT_UNREACHABLE
