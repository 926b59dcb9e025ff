"""SQLite bulk inserts: one JSON statement per batch, and the per-row fallback."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, Float, Integer, LargeBinary, MetaData, String, Table, create_engine

from hub.store.sql.bulk import insert_rows

META = MetaData()
THING = Table("thing", META, Column("id", String, primary_key=True), Column("n", Integer),
              Column("x", Float), Column("blob", LargeBinary))
COLUMNS = ("id", "n", "x", "blob")


def _rows(tmp_path: Path, rows: list[tuple], conflict: str = "") -> list[tuple]:
    engine = create_engine(f"sqlite:///{tmp_path / 'bulk.db'}")
    META.create_all(engine)
    with engine.begin() as conn:
        insert_rows(conn, THING, COLUMNS, rows, conflict)
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM thing ORDER BY id")]
    engine.dispose()
    return found


def test_a_batch_keeps_types_order_and_upserts(tmp_path: Path) -> None:
    rows = [("a", 1, 3.0, None), ("b", None, 1.5, None), ("a", 2, 0.25, None),
            ("é \"q\"", -7, 1e16, None)]
    found = _rows(tmp_path, rows, 'ON CONFLICT ("id") DO UPDATE SET "n" = excluded."n"')
    assert found == [("a", 2, 3.0, None), ("b", None, 1.5, None), ("é \"q\"", -7, 1e16, None)]
    assert isinstance(found[0][2], float)


def test_values_json_cannot_carry_go_row_by_row(tmp_path: Path) -> None:
    assert _rows(tmp_path, [("a", 1, 1.0, b"\x00\xff"), ("b", 2, 2.0, None)]) == [
        ("a", 1, 1.0, b"\x00\xff"), ("b", 2, 2.0, None)]



def test_dates_and_time_stamps_are_stored_as_the_driver_stores_them(
        tmp_path: Path) -> None:
    from datetime import date, datetime

    from sqlalchemy import Date, DateTime

    meta = MetaData()
    dated = Table("dated", meta, Column("id", String, primary_key=True), Column("day", Date),
                  Column("at", DateTime))
    rows = [("a", date(2021, 9, 1), datetime(2026, 11, 30, 1, 2, 3, 456789)),
            ("b", None, datetime(2026, 11, 30, 1, 2, 3)), ("c", date(1999, 12, 31), None)]
    engine = create_engine(f"sqlite:///{tmp_path / 'dated.db'}")
    meta.create_all(engine)
    with engine.begin() as conn:
        insert_rows(conn, dated, ("id", "day", "at"), rows)
        # What the driver itself stores for the same values, bound row by row:
        conn.exec_driver_sql("CREATE TABLE by_driver (id TEXT, day DATE, at DATETIME)")
        conn.exec_driver_sql("INSERT INTO by_driver VALUES (?, ?, ?)", rows)
    with engine.connect() as conn:
        batch, driver = ([tuple(r) for r in conn.exec_driver_sql(
            f"SELECT id, day, at, typeof(day), typeof(at) FROM {name} ORDER BY id")]
            for name in ("dated", "by_driver"))
    engine.dispose()
    assert batch == driver
    assert batch[0][1:3] == ("2021-09-01", "2026-11-30 01:02:03.456789")
