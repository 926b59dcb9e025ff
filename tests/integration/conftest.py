"""Fixtures of the ingest's integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.store.factory import open_store
from hub.store.ports import Store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite or PostgreSQL store (a module may define its own ``store``)."""
    url = (f"sqlite:///{tmp_path / 'hub.db'}" if request.param == "sqlite"
           else request.getfixturevalue("pg_url"))
    opened = open_store(url)
    try:
        yield opened
    finally:
        opened.close()
