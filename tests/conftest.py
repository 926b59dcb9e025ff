"""Shared fixtures: real PostgreSQL, the real embedded broker, free ports.

Outside CI a missing PostgreSQL or broker skips the tests that need it, saying
so; in CI (``CI=true``) it fails them loudly.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from transferhub.broker import BrokerUnavailable, EmbeddedBroker

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_URL = os.environ.get("TRANSFERHUB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is required in CI and is not available", pytrace=False)
    pytest.skip(f"{what} is not available here")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # OperationalError and friends: the server is down
        _missing(f"PostgreSQL at {PG_ADMIN_URL} ({exc.__class__.__name__})")
    name = f"th_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


@pytest.fixture
def broker() -> Iterator[EmbeddedBroker]:
    """A real embedded Kafka-compatible broker on a free port, with the topics created."""
    instance = EmbeddedBroker.on_free_port()
    try:
        instance.start()
    except BrokerUnavailable as exc:
        _missing(f"the embedded broker ({exc})")
    try:
        instance.ensure_topics()
        yield instance
    finally:
        instance.stop()
