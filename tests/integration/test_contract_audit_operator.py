"""Operators' commands end to end: broker, ``transferhub serve`` and the CLI, all real.

CLI.md: `transferhub monitor` is "a live terminal view of the event streams",
`transferhub deadletters {list,replay}` "inspect and re-drive events the hub
could not apply", and `transferhub status --json` has CLI.md's shape.
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

pytestmark = [pytest.mark.broker, pytest.mark.timeout(180)]
TOPIC = "transferhub.events.bc"
RULES = 5




def _status(hub: str) -> dict:
    result = cli("status", "--json", hub=hub)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


class TestOperatorCommandsOverABroker:
    """Events a province publishes show in ``monitor``, ``status`` and ``deadletters``."""

    def test_monitor_status_and_dead_letters(self, broker: EmbeddedBroker, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TRANSFERHUB_SESSION_TIMEOUT_MS", "6000")
        serve, hub = start_serve(tmp_path / "hub.db", broker.address)
        lines: list[str] = []
        monitor: subprocess.Popen[str] | None = None
        try:
            monitor = subprocess.Popen([*CLI, "monitor", "--province", "bc"],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                       env={**os.environ, "TRANSFERHUB_HUB": hub})
            assert monitor.stderr is not None and monitor.stdout is not None
            assert "watching" in monitor.stderr.readline()
            out = monitor.stdout
            reader = threading.Thread(target=lambda: lines.extend(out), daemon=True)
            reader.start()
            asyncio.run(produce(broker.address, [upserted(rule(n), 1) for n in range(RULES)]
                                + [(TOPIC, b"BC:x", b"\xffjunk")]))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                doc = _status(hub)
                if doc["events_applied"] + doc["dead_lettered"] >= RULES + 1:
                    break
                time.sleep(0.5)
            assert set(doc) >= {"events_applied", "events_duplicate", "dead_lettered", "lag",
                                "by_province", "institutions", "credentials", "rules"}
            assert (doc["events_applied"], doc["dead_lettered"], doc["rules"]) == (RULES, 1, RULES)
            assert all(type(doc[k]) is int for k in ("events_applied", "events_duplicate",
                                                      "dead_lettered", "lag", "rules"))
            bc = doc["by_province"]["BC"]
            assert bc["events_applied"] == RULES
            assert time.strptime(bc["last_event_at"], "%Y-%m-%dT%H:%M:%SZ")

            listed = cli("deadletters", "list", "--json", hub=hub)
            assert listed.returncode == 0, listed.stderr
            (letter,) = json.loads(listed.stdout)["dead_letters"]
            assert (letter["topic"], letter["province"], letter["replayed"]) == (
                TOPIC, "BC", False)
            assert isinstance(letter["id"], int) and letter["reason"]

            replay = cli("deadletters", "replay", str(letter["id"]), "--json", hub=hub)
            assert replay.returncode == 1  # it failed again and stays a dead letter
            # Said as every failed command says it (README), with each id and why.
            assert json.loads(replay.stdout) == {
                "applied": 0, "failed": 1,
                "failures": [{"id": letter["id"], "reason": letter["reason"]}], "being_replayed": 0,
                "error": replay.stderr.split(": ", 1)[1].strip(),
                "code": "FAILED_PRECONDITION", "exit_code": 1}
            assert f"{letter['id']}: {letter['reason']}" in replay.stderr

            deadline = time.monotonic() + 10
            while len(lines) < RULES + 1 and time.monotonic() < deadline:
                time.sleep(0.2)
            monitor.send_signal(signal.SIGINT)
            assert monitor.wait(timeout=15) == 0
        finally:
            if monitor is not None and monitor.poll() is None:
                monitor.kill()
                monitor.wait()
            stop(serve)
        outcomes = sorted(line.split()[-1] for line in lines)
        assert outcomes == ["applied"] * RULES + ["dead_lettered"]
        # Six tab-separated fields: time, province, change, entity, version, outcome.
        fields = [line.rstrip("\n").split("\t") for line in lines]
        assert all(len(f) == 6 and f[1] == "BC" for f in fields)
        assert ["rule upserted", "BC:0", "v1", "applied"] in [f[2:] for f in fields]
        assert any(f[2] == "unreadable" and f[5] == "dead_lettered" for f in fields)
