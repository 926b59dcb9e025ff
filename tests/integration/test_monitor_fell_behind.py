"""A monitor too slow for the ingest says how many events it did not show: all real.

Broker, ``transferhub serve`` and ``transferhub monitor`` piped to a reader that
reads nothing until the ingest is done: the monitor blocks on its full pipe,
falls behind, and the hub drops what it cannot send (it never waits for a
watcher). Its lines plus its "N events not shown (the monitor fell behind)"
must add up to the events applied (it once showed 38,135 lines for 40,027
events and said nothing).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.e2e.test_cli import CLI, cli, start_serve, stop
from tests.integration.ingest_helpers import produce, rule, upserted
from transferhub.broker import EmbeddedBroker

pytestmark = [pytest.mark.broker, pytest.mark.timeout(240)]
EVENTS = 30_000
NOT_SHOWN = " not shown (the monitor fell behind)"


def _applied(hub: str) -> int:
    result = cli("status", "--json", hub=hub)
    assert result.returncode == 0, result.stderr
    return int(json.loads(result.stdout)["events_applied"])


def test_lines_shown_plus_not_shown_are_the_events_applied(
        broker: EmbeddedBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSFERHUB_SESSION_TIMEOUT_MS", "6000")
    serve, hub = start_serve(tmp_path / "hub.db", broker.address)
    monitor: subprocess.Popen[str] | None = None
    lines: list[str] = []
    try:
        monitor = subprocess.Popen([*CLI, "monitor"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, "TRANSFERHUB_HUB": hub})
        assert monitor.stderr is not None and monitor.stdout is not None
        assert "watching" in monitor.stderr.readline()
        time.sleep(1.0)   # the stream is open before the first event is applied
        asyncio.run(produce(broker.address, [upserted(rule(n), 1) for n in range(EVENTS)]))
        deadline = time.monotonic() + 150
        while _applied(hub) < EVENTS and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _applied(hub) == EVENTS
        # Only now is the monitor's output read: it was blocked on a full pipe meanwhile.
        out = monitor.stdout
        reader = threading.Thread(target=lambda: lines.extend(out), daemon=True)
        reader.start()

        def accounted() -> tuple[int, int]:
            seen = list(lines)
            missed = sum(int(x.split()[0]) for x in seen if x.rstrip("\n").endswith(NOT_SHOWN))
            return len(seen) - sum(1 for x in seen if NOT_SHOWN in x), missed

        deadline = time.monotonic() + 60
        while sum(accounted()) < EVENTS and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)   # nothing more comes
        monitor.send_signal(signal.SIGINT)
        assert monitor.wait(timeout=15) == 0
        reader.join(timeout=5)
    finally:
        if monitor is not None and monitor.poll() is None:
            monitor.kill()
            monitor.wait()
        stop(serve)
    shown, missed = accounted()
    assert missed > 0, f"the monitor kept up ({shown} lines): nothing tests the accounting"
    assert shown + missed == EVENTS, (shown, missed)
    served = (tmp_path / "hub.serve.log").read_text()
    assert "Traceback" not in served and "[error" not in served, served[-3000:]
