"""The e2e tests' shared hub: ``transferhub serve`` in a subprocess over the seeded federation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.store.factory import open_store
from tests.e2e.seed import seed
from tests.e2e.test_cli import start_serve, stop


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a running ``transferhub serve`` over the seeded federation (one a module)."""
    db = tmp_path_factory.mktemp("hub") / "hub.db"
    store = open_store(f"sqlite:///{db}")
    seed(store)
    store.close()
    process, address = start_serve(db)
    try:
        yield address
    finally:
        stop(process)
