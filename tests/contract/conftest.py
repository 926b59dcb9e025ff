"""Fixtures of the store contract: one suite, run against every store.

``store`` is parametrised over the in-memory store, SQLite (a file under
``tmp_path``) and PostgreSQL (a fresh database from ``pg_url``); ``sql_url``
over the two SQL databases only, for what only they have (migrations, indexes).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.store.factory import open_store
from hub.store.ports import Store
from tests.conftest import PG_ADMIN_URL

ALL_STORES = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
SQL_STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _url(kind: str, request: pytest.FixtureRequest) -> str:
    if kind == "memory":
        return "memory://"
    if kind == "sqlite":
        tmp_path = request.getfixturevalue("tmp_path")
        return f"sqlite:///{tmp_path / 'hub.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(params=ALL_STORES)
def store_url(request: pytest.FixtureRequest) -> str:
    """The URL of a fresh, empty store of each kind."""
    return _url(request.param, request)


@pytest.fixture(params=SQL_STORES)
def sql_url(request: pytest.FixtureRequest) -> str:
    """The URL of a fresh, empty SQL database of each kind."""
    return _url(request.param, request)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An opened store of each kind, closed afterwards."""
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def admin() -> Iterator[object]:
    """An autocommit connection to the PostgreSQL server as its administrator."""
    import psycopg

    try:
        conn = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:
        pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is required ({exc.__class__.__name__})",
                    pytrace=False)
    try:
        yield conn
    finally:
        conn.close()

