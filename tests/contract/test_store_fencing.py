"""Store contract: a batch another consumer of the group has applied past is fenced (every store).

Two hub replicas share one store; a replica frozen while its partitions moved to
another must not apply, nor count, the same records again when it wakes.
"""

from __future__ import annotations

import pytest

from hub.ingest.apply import apply_batch
from hub.ingest.deliveries import Delivery, read
from hub.ingest.errors import Fenced
from hub.store.ports import Store
from tests.integration.ingest_helpers import rule, upserted

TOPIC = "transferhub.events.bc"


def batch(offsets: range, partition: int = 0, version: int = 1) -> list:
    return read(Delivery(TOPIC, partition, n, b"k", upserted(rule(n, version), version)[2])
                for n in offsets)


def counted(store: Store) -> tuple[int, int, dict[tuple[str, int], int]]:
    with store.unit_of_work() as uow:
        stats = uow.ledger.stats().get("BC", {})
        return (int(stats.get("applied", 0)), uow.equivalencies.counts()["rules"],
                uow.ledger.offsets("g"))


class TestFencing:
    def test_a_batch_starting_below_the_stored_offset_is_refused_whole(
            self, store: Store) -> None:
        apply_batch(store, "g", batch(range(0, 10)))
        with pytest.raises(Fenced, match=r"transferhub.events.bc\[0\] at 10"):
            apply_batch(store, "g", batch(range(5, 15)))   # 5-9 applied by another
        assert counted(store) == (10, 10, {(TOPIC, 0): 10})   # nothing of it kept

    def test_the_next_batch_and_one_after_a_gap_are_taken(self, store: Store) -> None:
        apply_batch(store, "g", batch(range(0, 10)))
        apply_batch(store, "g", batch(range(10, 12)))
        apply_batch(store, "g", batch(range(20, 22)))   # offsets 12-19 gone (retention)
        assert counted(store) == (14, 14, {(TOPIC, 0): 22})

    def test_only_the_partitions_behind_fence_but_the_batch_is_dropped_whole(
            self, store: Store) -> None:
        apply_batch(store, "g", batch(range(0, 10), partition=1))
        mixed = batch(range(100, 105), partition=0) + batch(range(5, 12), partition=1)
        with pytest.raises(Fenced) as fenced:
            apply_batch(store, "g", mixed)
        assert fenced.value.behind == {(TOPIC, 1): 10}
        assert counted(store) == (10, 10, {(TOPIC, 1): 10})

    def test_another_group_is_not_fenced_by_this_ones_offsets(self, store: Store) -> None:
        apply_batch(store, "g", batch(range(0, 10)))
        apply_batch(store, "other", batch(range(0, 10)))
        with store.unit_of_work() as uow:
            assert uow.ledger.offsets("other") == {(TOPIC, 0): 10}


def test_postgres_ends_a_writer_transaction_left_idle(pg_url: str) -> None:
    """A frozen replica's locks are released by PostgreSQL, not held for as long as it sleeps
    (SQLite's writer holds the database only while its process runs)."""
    from sqlalchemy import text

    from hub.store.sql.engine import WRITER_IDLE_TIMEOUT_S, engines

    # Options the URL gives are kept beside it (connect_args alone would replace them).
    writer, reader = engines(pg_url + ("&" if "?" in pg_url else "?")
                             + "options=-c%20statement_timeout%3D5000")
    try:
        with writer.connect() as conn:
            shown = conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar_one()
            assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "5s"
        with reader.connect() as conn:   # a reader never holds a lock
            assert conn.execute(text("SHOW idle_in_transaction_session_timeout")
                                ).scalar_one() == "0"
    finally:
        writer.dispose()
        reader.dispose()
    assert shown == f"{WRITER_IDLE_TIMEOUT_S // 60}min"


@pytest.mark.parametrize("stored_before", [False, True])
def test_two_replicas_one_waits_for_the_other_then_is_fenced(sql_url: str,
                                                             stored_before: bool) -> None:
    """Two hubs on one database reading the same records: the second waits for the first's
    transaction (the offset row locked, or its placeholder for a partition not seen yet),
    then finds the offsets past its batch and applies nothing."""
    import threading

    from hub.store.factory import open_store

    first_store, second_store = open_store(sql_url), open_store(sql_url)
    start = 5 if stored_before else 0
    outcome: dict[str, object] = {}

    def second() -> None:
        try:
            apply_batch(second_store, "g", batch(range(start, start + 5)))
        except Fenced as fenced:
            outcome["fenced"] = fenced.behind
        else:
            outcome["applied"] = True

    try:
        if stored_before:
            apply_batch(first_store, "g", batch(range(0, 5)))
        with first_store.unit_of_work() as uow:
            assert uow.ledger.claim_offsets("g", {(TOPIC, 0): start}) == {}
            other = threading.Thread(target=second)
            other.start()
            other.join(1.5)
            assert other.is_alive() and not outcome   # waiting, not applying beside it
            uow.ledger.save_offset("g", TOPIC, 0, start + 5)
            uow.commit()
        other.join(30)
        assert outcome == {"fenced": {(TOPIC, 0): start + 5}}
    finally:
        first_store.close()
        second_store.close()


def test_a_lock_held_too_long_is_a_retryable_failure(pg_url: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind a frozen replica's lock, a batch fails retryably after CLAIM_LOCK_TIMEOUT_S
    rather than holding its thread (and a stop) until PostgreSQL ends the frozen one."""
    import threading

    from hub.ingest.isolating import is_retryable
    from hub.store.factory import open_store
    from hub.store.sql import ledger

    monkeypatch.setattr(ledger, "CLAIM_LOCK_TIMEOUT_S", 1)
    frozen, waiting = open_store(pg_url), open_store(pg_url)
    failed: list[BaseException] = []

    def second() -> None:
        try:
            apply_batch(waiting, "g", batch(range(0, 5)))
        except Exception as exc:
            failed.append(exc)

    try:
        with frozen.unit_of_work() as uow:
            uow.ledger.claim_offsets("g", {(TOPIC, 0): 0})
            other = threading.Thread(target=second)
            other.start()
            other.join(20)
            assert not other.is_alive()   # gave up while the lock was still held
        assert len(failed) == 1 and is_retryable(failed[0])
    finally:
        frozen.close()
        waiting.close()


def test_postgres_ends_a_writer_transaction_idle_after_a_many_rows_statement(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The idle timeout holds after an executemany too. psycopg runs one in pipeline mode,
    whose last message leaves PostgreSQL's idle timer off: a hub frozen just after one (the
    ledger's offsets or counters) held its locks for as long as it slept (a tester froze one
    for 100 s with the timeout at 60 s)."""
    import time

    from sqlalchemy import text

    from hub.store.sql import engine as engine_module

    monkeypatch.setattr(engine_module, "WRITER_IDLE_TIMEOUT_S", 1)
    writer, reader = engine_module.engines(pg_url)
    try:
        with writer.connect() as conn:
            conn.execute(text("CREATE TEMPORARY TABLE idle_probe (n int)"))
            conn.execute(text("INSERT INTO idle_probe VALUES (:n)"), [{"n": 1}, {"n": 2}])
            time.sleep(2.5)
            with pytest.raises(Exception, match="idle-in-transaction timeout"):
                conn.execute(text("SELECT 1"))
    finally:
        writer.dispose()
        reader.dispose()


def test_counters_are_upserted_in_one_order_whatever_the_batch(sql_url: str) -> None:
    """Replicas upsert the per-province counter rows in the same (province) order, so two
    batches holding some of the same rows cannot deadlock (a tester saw PostgreSQL break
    such deadlocks between replicas every few batches)."""
    from sqlalchemy import event

    from hub.store.factory import open_store

    store = open_store(sql_url)
    seen: list[list[str]] = []

    def capture(_conn, _cursor, statement, parameters, _context, executemany) -> None:  # type: ignore[no-untyped-def]
        if "province_stats" in statement and statement.lstrip().upper().startswith("INSERT"):
            rows = parameters if executemany else [parameters]
            seen.append([row[0] if isinstance(row, (list, tuple)) else row["province"]
                         for row in rows])

    engine = store._writer  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", capture)
    try:
        with store.unit_of_work() as uow:
            for province in ("SK", "BC", "ON"):
                uow.ledger.bump_stats(province, applied=1)
            uow.commit()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
        store.close()
    assert seen == [["BC", "ON", "SK"]]
