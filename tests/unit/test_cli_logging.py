"""Library warnings come out on standard error in the hub's own log form, never bare."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from transferhub.cli import main

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = """
import logging, sys
import structlog
from transferhub.cli import main
structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
main._foreign_logs_like_ours()
main._foreign_logs_like_ours()   # twice: still one line a record
logging.getLogger("aiokafka.consumer.group_coordinator").warning(
    "Heartbeat failed for group %s because it is rebalancing", "transferhub-hub")
logging.getLogger("aiokafka").info("chatter below warning")
structlog.get_logger().info("ingest.positioned", partitions=3)
"""


def test_a_library_warning_reads_like_the_hubs_own_lines() -> None:
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 2, lines
    heartbeat, ours = lines
    assert "[warning  ] Heartbeat failed for group transferhub-hub because it is rebalancing" \
        in heartbeat
    assert heartbeat.endswith("[aiokafka.consumer.group_coordinator]")
    assert heartbeat[:20].count(":") == 2 and ours[:20].count(":") == 2   # both timestamped
    assert "[info     ] ingest.positioned" in ours


class TestRepeatsHeldBack:
    """A library message repeated (aiokafka's "Unable connect" many times a second while the
    broker is down) comes out once per window, then with how many were held back."""

    def _records(self, held: object, times: int, msg: str = 'Unable connect to "%s"') -> list:
        out = []
        for _ in range(times):
            record = logging.LogRecord("aiokafka.conn", logging.ERROR, __file__, 1, msg,
                                       ("127.0.0.1:9092",), None)
            if held.filter(record):  # type: ignore[attr-defined]
                out.append(record.getMessage())
        return out

    def test_once_a_window_then_the_count(self) -> None:
        now = [0.0]
        held = main._RepeatsHeldBack(window=10.0, clock=lambda: now[0])
        assert self._records(held, 90) == ['Unable connect to "127.0.0.1:9092"']
        now[0] = 11.0
        assert self._records(held, 5) == [
            'Unable connect to "127.0.0.1:9092" (89 more like it held back in 11 s)']
        assert self._records(held, 1, msg="another %s") == ["another 127.0.0.1:9092"]
