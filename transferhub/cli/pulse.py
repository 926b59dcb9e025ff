"""What an operator watches the streams for, per province: events a second, lag, dead letters.

They come from the hub's status (``GetStatus``), asked every
:data:`STATUS_SECONDS` by a thread of the monitor's own, not from the events
the monitor was sent: the status counts what every hub sharing the store
applied (replicas split the partitions; one hub's stream shows only its share)
and is right even when the monitor fell behind. The rate is the change of the
status's counts over the last :data:`RATE_WINDOW_SECONDS`. A lag the hub could
not measure lately is shown as ``?``, not as 0 (a 0 would read as caught up).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from transferhub.cli.hubclient import HubRefused, HubUnreachable
from transferhub.hub.v1 import operator_service_pb2 as pb

STATUS_SECONDS = 2.0
RATE_WINDOW_SECONDS = 10.0
HANDLED = ("events_applied", "events_duplicate", "events_stale", "dead_lettered")
"""A province status's counts whose sum is the events the hub handled from it."""


class Pulse:
    """Per province: events handled a second, lag and dead letters, from the hub's status.

    ``observe`` takes each ``GetStatus`` answer with the time it was asked; the
    rate is the change in handled events (applied, duplicate, stale, dead
    lettered) between the oldest and the newest answer of the last
    ``window`` seconds, so one slow answer does not make a spike. Until two
    answers are in, there is no rate (``None``). A province whose counts went
    down (another store answered, or a hub restarted on an emptied one) starts
    again from its new counts; one that first appears after an earlier answer
    had handled none before it.
    """

    def __init__(self, province: str = "", window: float = RATE_WINDOW_SECONDS) -> None:
        # The hub refuses a province that is not two ASCII letters, so only those matter.
        self.province = province.upper() if province.isascii() else province
        self.window = window
        self.samples: dict[str, deque[tuple[float, int]]] = {}
        self.latest: pb.Status | None = None
        self.problem = ""
        self._last_at: float | None = None   # when the last answer was asked

    def observe(self, status: pb.Status, at: float) -> None:
        asked_before = self._last_at
        self.latest, self.problem, self._last_at = status, "", at
        for province, counts in status.by_province.items():
            handled = sum(getattr(counts, name) for name in HANDLED)
            samples = self.samples.setdefault(province, deque())
            if not samples and asked_before is not None:
                samples.append((asked_before, 0))   # absent from the status before: none yet
            if samples and handled < samples[-1][1]:
                samples.clear()
            samples.append((at, handled))
            while len(samples) > 2 and at - samples[1][0] >= self.window:
                samples.popleft()

    def failed(self, problem: str) -> None:
        """The last status could not be had: the view says so and keeps the last figures."""
        self.problem = problem

    def rate(self, province: str) -> float | None:
        samples = self.samples.get(province)
        if not samples or len(samples) < 2 or samples[-1][0] <= samples[0][0]:
            return None
        (first_at, first), (last_at, last) = samples[0], samples[-1]
        return (last - first) / (last_at - first_at)

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(province, events/s, lag, dead letters) for every province in the last status
        (only the monitor's ``--province`` when it has one)."""
        if self.latest is None:
            return []
        known = self.latest.lag_known
        rows = []
        for province, counts in sorted(self.latest.by_province.items()):
            if self.province and province != self.province:
                continue
            rate = self.rate(province)
            shown = "-" if rate is None else f"{rate:,.0f}" if rate >= 10 else f"{rate:.1f}"
            rows.append((province, shown,
                         f"{counts.lag:,}" if known else "?", f"{counts.dead_lettered:,}"))
        return rows

    def footnote(self) -> str:
        if self.problem:
            return f"status not refreshed: {self.problem}"
        if self.latest is not None and not self.latest.lag_known:
            return "lag ?: not measured lately (is the broker reachable?)"
        return ""


def poll_status(ask: Callable[[], pb.Status], record: Callable[[pb.Status | str], None],
                stop: threading.Event, every: float = STATUS_SECONDS) -> None:
    """Every ``every`` seconds until ``stop`` is set, ``record`` the hub's status, or why
    it could not be had."""
    while not stop.is_set():
        try:
            status: pb.Status | str = ask()
        except (HubUnreachable, HubRefused) as exc:
            status = str(exc)
        record(status)
        stop.wait(every)
