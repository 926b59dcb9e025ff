"""SQLite connections opened together on a new store all open (the switch to WAL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import text

from hub.store.sql.engine import engines

TRIALS, TOGETHER = 60, 8   # before the fix, about one new store in fifteen refused one


def test_connections_opened_together_on_a_new_file_all_open(tmp_path: Path) -> None:
    refused = []
    for trial in range(TRIALS):
        url = f"sqlite:///{tmp_path / f'store-{trial}.db'}"
        start = threading.Barrier(TOGETHER)

        def connect(_: int, url: str = url, start: threading.Barrier = start) -> str:
            writer, reader = engines(url)
            try:
                start.wait()
                with writer.connect() as conn:
                    return conn.execute(text("PRAGMA journal_mode")).scalar_one()
            except Exception as exc:   # collected, asserted below
                refused.append(repr(exc))
                return ""
            finally:
                writer.dispose()
                reader.dispose()

        with ThreadPoolExecutor(TOGETHER) as pool:
            modes = list(pool.map(connect, range(TOGETHER)))
        assert refused == [], refused[0]
        assert modes == ["wal"] * TOGETHER
