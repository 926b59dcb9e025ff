"""A PostgreSQL reader behind a lock gives up, as a SQLite reader does after its busy timeout.

A black-box tester held ``LOCK TABLE stack_link IN ACCESS EXCLUSIVE MODE`` (a migration,
an operator's session left open): two Stack queries waited behind it on the hub's two
query threads, and every other query, one that reads no ``stack_link`` too, queued
behind them for as long as the lock was held (a 36 s ``equivalents`` for a 40 s lock;
DEADLINE_EXCEEDED past the CLI's 60 s). A reader now fails retryably after
``READER_LOCK_TIMEOUT_MS`` (UNAVAILABLE: the client retries) and frees its thread.
"""

from __future__ import annotations

import threading

import pytest


@pytest.mark.postgres
def test_a_postgres_reader_behind_a_lock_fails_retryably(pg_url: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    from hub.store.errors import StoreUnavailable
    from hub.store.factory import open_store
    from hub.store.sql import engine as engine_module

    monkeypatch.setattr(engine_module, "READER_LOCK_TIMEOUT_MS", 1000, raising=False)
    store = open_store(pg_url)
    holder = psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://", 1))
    failed: list[BaseException] = []

    def read() -> None:
        try:
            with store.reader() as repo:
                repo.get_institution("BC:UBCV")
        except Exception as exc:
            failed.append(exc)

    try:
        holder.execute("LOCK TABLE institution IN ACCESS EXCLUSIVE MODE")
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(15)
        assert not reader.is_alive()   # gave up while the lock was still held
        assert len(failed) == 1 and isinstance(failed[0], StoreUnavailable)
        assert failed[0].retryable
    finally:
        holder.rollback()
        holder.close()
        store.close()


@pytest.mark.postgres
def test_a_postgres_reader_keeps_the_urls_own_options(pg_url: str) -> None:
    from sqlalchemy import text

    from hub.store.sql.engine import READER_LOCK_TIMEOUT_MS, engines

    writer, reader = engines(pg_url + "?options=-c%20statement_timeout%3D12345")
    try:
        with reader.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "12345ms"
            shown = conn.execute(text("SHOW lock_timeout")).scalar_one()
            assert shown == f"{READER_LOCK_TIMEOUT_MS // 1000}s"
    finally:
        writer.dispose()
        reader.dispose()
