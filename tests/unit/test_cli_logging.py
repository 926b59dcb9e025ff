"""Library warnings come out on standard error in the hub's own log form, never bare."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
