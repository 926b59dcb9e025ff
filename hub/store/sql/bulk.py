"""Many rows in one driver call, without per-row work in SQLAlchemy.

SQLAlchemy's ``executemany`` builds and processes a parameter dictionary per
row, which costs more than SQLite takes to store the row. On SQLite this
module compiles a statement once, converts only the columns whose type needs
it (dates, booleans, timestamps) with the columns' own bind processors, and
hands plain tuples to the driver's ``executemany``. On PostgreSQL
SQLAlchemy's multi-row ``VALUES`` (insertmanyvalues) is already lean, and
``RETURNING`` tells which upserts really changed a row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

from hub.store.sql.reads import chunks

Row = tuple[Any, ...]
Converters = tuple[tuple[int, Callable[[Any], Any]], ...]


@cache
def _compiled(stmt: ClauseElement, columns: tuple[str, ...],
              dialect: Dialect) -> tuple[str, tuple[int, ...] | None, Converters]:
    """The SQL, where each placeholder's value sits in a row, and the converters."""
    compiled = stmt.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    order = None if names == columns else tuple(columns.index(name) for name in names)
    converters = []
    for index, name in enumerate(names):
        processor = compiled.binds[name].type.bind_processor(dialect)
        if processor is not None:
            converters.append((index, processor))
    return str(compiled), order, tuple(converters)


def execute_many(conn: Connection, stmt: ClauseElement, columns: tuple[str, ...],
                 rows: Sequence[Row]) -> None:
    """Run ``stmt`` once per row; each row holds the values of ``columns`` in that order."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        for part in chunks(list(rows), 1000):
            conn.execute(stmt, [dict(zip(columns, row, strict=True)) for row in part])
        return
    sql, order, converters = _compiled(stmt, columns, conn.dialect)
    params: list[Row] = []
    for row in rows:
        values = list(row) if order is None else [row[i] for i in order]
        for index, convert in converters:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        params.append(tuple(values))
    conn.exec_driver_sql(sql, params)


def upsert_many(conn: Connection, stmt: Any, columns: tuple[str, ...],
                rows: Sequence[Row]) -> set[str]:
    """Run a version-guarded upsert per row (``id`` first); the ids of the rows it wrote.

    On SQLite the writer holds the database's write lock from its first
    statement, so the versions read before are still true and every row is
    written; on PostgreSQL ``RETURNING`` says which rows the guard let through.
    """
    if not rows:
        return set()
    if conn.dialect.name == "sqlite":
        execute_many(conn, stmt, columns, rows)
        return {row[0] for row in rows}
    changed: set[str] = set()
    returning = stmt.returning(stmt.table.c.id)
    for part in chunks(list(rows), 1000):
        params = [dict(zip(columns, row, strict=True)) for row in part]
        changed.update(conn.execute(returning, params).scalars())
    return changed
