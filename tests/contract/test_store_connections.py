"""The hub's PostgreSQL connections detect a vanished peer within about a minute.

Without TCP keepalives and a user timeout, a connection whose peer was dropped
silently (a firewall, a load balancer) waits on the system's ~15 minutes, and
two such connections held both query threads (every query timed out).
"""

from __future__ import annotations

import pytest


@pytest.mark.postgres
@pytest.mark.parametrize("side", ["writer", "reader"])
def test_connections_carry_keepalives_and_a_user_timeout(pg_url: str, side: str) -> None:
    from hub.store.factory import open_store
    from hub.store.sql.engine import TCP_SETTINGS

    store = open_store(pg_url)
    try:
        engine = store._writer if side == "writer" else store._reader  # type: ignore[attr-defined]
        with engine.connect() as conn:
            params = conn.connection.dbapi_connection.info.get_parameters()
        for name, value in TCP_SETTINGS.items():
            assert params.get(name) == str(value), (name, params)
    finally:
        store.close()


@pytest.mark.postgres
def test_the_url_still_decides(pg_url: str) -> None:
    from hub.store.factory import open_store

    store = open_store(f"{pg_url}?keepalives_idle=7")
    try:
        with store._reader.connect() as conn:  # type: ignore[attr-defined]
            params = conn.connection.dbapi_connection.info.get_parameters()
        assert params.get("keepalives_idle") == "7"
    finally:
        store.close()
