"""``transferhub serve`` stops cleanly on SIGTERM while its broker is away.

aiokafka's consumer, stopped while the broker is gone, re-raised the cancellation of
its own fetches (a traceback, exit 1) or waited for a coordinator no broker answers
for (the hub never ended; a second SIGTERM did nothing). See
:mod:`transferhub.kafka_clients`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from transferhub.broker import EmbeddedBroker, free_port

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.timeout(180)]


def _wait_for(log: Path, text: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        assert proc.poll() is None, f"serve exited early: {log.read_text()[-2000:]}"
        time.sleep(0.1)
    raise AssertionError(f"serve never logged {text!r}: {log.read_text()[-2000:]}")


class TestServeWithoutItsBroker:
    """SIGTERM ends the hub with exit 0 and no traceback, however long the broker is gone."""

    @pytest.mark.parametrize("away", [5.0, 20.0])
    def test_sigterm_after_the_broker_went_away(self, tmp_path: Path, away: float) -> None:
        broker = EmbeddedBroker.on_free_port().start()
        broker.ensure_topics()  # partitions assigned, so fetches are in flight when it goes
        log = tmp_path / "serve.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "transferhub.cli.main", "serve",
                 "--db", f"sqlite:///{tmp_path / 'hub.db'}", "--kafka", broker.address,
                 "--grpc", f"127.0.0.1:{free_port()}", "--metrics", ""],
                env=os.environ,
                stdout=subprocess.DEVNULL, stderr=out, start_new_session=True)
        try:
            _wait_for(log, "ingest.positioned", proc, 60)
            broker.stop()
            time.sleep(away)
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(30)
        finally:
            broker.stop()
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        text = log.read_text(errors="replace")
        assert code == 0, text[-3000:]
        assert "Traceback" not in text, text[-3000:]
        assert "shutting down" in text
