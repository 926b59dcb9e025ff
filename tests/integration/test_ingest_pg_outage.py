"""PostgreSQL stopped for real mid-ingest: the ingest pauses, retries, resumes, loses nothing.

DISRUPTIVE: it stops the machine's PostgreSQL server for a few seconds, which
breaks every other test using it at that moment. It runs in CI (where tests
run one after another) or when ``TRANSFERHUB_DISRUPTIVE=1``; a file lock keeps
two copies from overlapping, and the server is always restarted.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from hub.ingest.consumer import Ingest
from hub.store.factory import open_store
from tests.conftest import IN_CI, PG_ADMIN_URL
from tests.integration.ingest_helpers import (
    digest,
    fast_settings,
    handled,
    ingest_until,
    produce,
    rule,
    upserted,
)
from transferhub.broker import EmbeddedBroker

pytestmark = [
    pytest.mark.broker, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(240),
    pytest.mark.skipif(not IN_CI and os.environ.get("TRANSFERHUB_DISRUPTIVE") != "1",
                       reason="stops the shared PostgreSQL server: CI or TRANSFERHUB_DISRUPTIVE=1"),
]
EVENTS = 12_000
LOCK = Path("/tmp/transferhub-pg-outage.lock")


def _cluster(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
                   check=True, capture_output=True, timeout=60)


def _wait_ready(timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432"],
                          capture_output=True).returncode == 0:
            return
        time.sleep(0.2)
    raise AssertionError("PostgreSQL did not come back")


@pytest.fixture
def alone() -> Iterator[None]:
    """Hold the outage lock for the test's duration."""
    with LOCK.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


@pytest.fixture
def pg_url(alone: None) -> Iterator[str]:
    """A fresh database; unlike the shared fixture, no admin connection is held across
    the outage (the restart would end it)."""
    try:
        _admin("SELECT 1")
    except Exception as exc:  # the server is down
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL is not available here ({exc.__class__.__name__})")
    name = f"th_outage_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}".replace(
            "postgresql://", "postgresql+psycopg://", 1)
    finally:
        _wait_ready()
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def retrying(ingest: Ingest) -> dict[str, float]:
    """``transferhub_ingest_retrying`` by operation."""
    [gauge] = ingest.metrics.retrying.collect()
    return {sample.labels["what"]: sample.value for sample in gauge.samples}


async def test_ingest_survives_postgresql_stopping_mid_ingest(
        broker: EmbeddedBroker, pg_url: str, tmp_path: Path) -> None:
    """The ingest neither crashes nor loses nor repeats an event across the outage."""
    await produce(broker.address, [upserted(rule(n, 1 + n % 3), 1 + n % 3)
                                   for n in range(EVENTS)])
    reference_url = f"sqlite:///{tmp_path / 'reference.db'}"
    reference = open_store(reference_url)
    try:
        await ingest_until(reference, broker.address, lambda s: handled(s) >= EVENTS,
                           group="reference")
    finally:
        reference.close()

    store = open_store(pg_url)
    ingest = Ingest(store, fast_settings(broker.address, max_batch=100))
    task = asyncio.create_task(ingest.run())
    try:
        while await asyncio.to_thread(handled, store) < EVENTS // 10:
            assert not task.done()
            await asyncio.sleep(0.05)
        stopped_at = await asyncio.to_thread(handled, store)
        with capture_logs() as logs:
            try:
                await asyncio.to_thread(_cluster, "stop")
                await asyncio.sleep(4)
                assert not task.done(), "the ingest must wait for the store, not crash"
                assert 1.0 in retrying(ingest).values(), "operators see the ingest retrying"
            finally:
                await asyncio.to_thread(_cluster, "start")
                await asyncio.to_thread(_wait_ready)
            assert stopped_at < EVENTS, "the ingest finished before the outage: make it bigger"
            deadline = time.monotonic() + 90
            while await asyncio.to_thread(handled, store) < EVENTS:
                assert not task.done(), task.exception() if task.done() else ""
                assert time.monotonic() < deadline, "the ingest did not resume"
                await asyncio.sleep(0.2)
        assert set(retrying(ingest).values()) == {0.0}
        assert any(e["event"] == "ingest.resumed" for e in logs), "resuming is logged"
    finally:
        ingest.stop()
        await asyncio.wait_for(task, 60)
        store.close()
    assert digest(pg_url) == digest(reference_url)
