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
