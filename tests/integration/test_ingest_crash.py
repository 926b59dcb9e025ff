"""The hub (``transferhub serve``) killed with SIGKILL mid-ingest loses and repeats nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hub.store.factory import open_store
from tests.integration.ingest_helpers import (
    digest,
    handled,
    ingest_until,
    produce,
    revoked,
    rule,
    upserted,
)
from transferhub.broker import EmbeddedBroker, free_port

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.timeout(240)]

RULES = 4000


def _events() -> list:
    """Each rule at v1 then v2, every tenth revoked at v3, and a resend of some v1s."""
    msgs = [upserted(rule(n, 1), 1) for n in range(RULES)]
    msgs += [upserted(rule(n, 2, credits=4.0), 2) for n in range(RULES)]
    msgs += [revoked(f"BC:{n}", 3) for n in range(0, RULES, 10)]
    msgs += [upserted(rule(n, 1), 1) for n in range(0, RULES, 7)]
    return msgs


def _serve(url: str, kafka: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TRANSFERHUB_SESSION_TIMEOUT_MS": "6000", "TRANSFERHUB_MAX_BATCH": "250"}
    return subprocess.Popen(
        [sys.executable, "-m", "transferhub.cli.main", "serve", "--db", url, "--kafka", kafka,
         "--grpc", f"127.0.0.1:{free_port()}", "--metrics", ""],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _wait(url: str, at_least: int, timeout: float, proc: subprocess.Popen[bytes]) -> int:
    store = open_store(url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            n = handled(store)
            if n >= at_least:
                return n
            if proc.poll() is not None:
                raise AssertionError(f"serve exited early: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.02)
    finally:
        store.close()
    raise AssertionError(f"serve handled fewer than {at_least} events in {timeout}s")


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql",
                                                             marks=pytest.mark.postgres)])
def test_sigkill_mid_ingest_then_restart_equals_an_uninterrupted_run(
        backend: str, broker: EmbeddedBroker, tmp_path: Path,
        request: pytest.FixtureRequest) -> None:
    """Killed after some batches committed, restarted: same rows, none lost, none twice."""
    events = _events()
    asyncio.run(produce(broker.address, events))
    total = len(events)

    reference_url = f"sqlite:///{tmp_path / 'reference.db'}"
    reference = open_store(reference_url)
    try:
        asyncio.run(ingest_until(reference, broker.address, lambda s: handled(s) >= total,
                                 group="reference"))
    finally:
        reference.close()

    url = (request.getfixturevalue("pg_url") if backend == "postgresql"
           else f"sqlite:///{tmp_path / 'crashed.db'}")
    first = _serve(url, broker.address)
    try:
        seen = _wait(url, total // 5, 90, first)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert seen < total, "the ingest finished before it could be killed: make it bigger"

    second = _serve(url, broker.address)
    try:
        _wait(url, total, 90, second)
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0
    finally:
        if second.poll() is None:
            second.kill()

    assert digest(url) == digest(reference_url)
    store = open_store(url)
    try:
        with store.unit_of_work() as uow:
            stats = uow.ledger.stats()["BC"]
    finally:
        store.close()
    assert stats["applied"] + stats["stale"] + stats["duplicate"] == total
