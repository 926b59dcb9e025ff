"""Many rows in one driver call, without per-row work in SQLAlchemy.

SQLAlchemy's ``executemany`` builds and processes a parameter dictionary per
row, which costs more than SQLite takes to store the row. On SQLite this
module compiles a statement once, converts only the columns whose type needs
it (dates, booleans, timestamps) with the columns' own bind processors, and
hands plain rows to the driver's ``executemany``: tuples to sqlite3, and on
PostgreSQL dictionaries to psycopg, whose pipelined ``executemany`` parses the
statement once (SQLAlchemy's multi-row ``VALUES`` made psycopg parse a huge
statement per page). There ``RETURNING`` tells which upserts really changed a row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

Row = tuple[Any, ...]
Converters = tuple[tuple[int, Callable[[Any], Any]], ...]


@cache
def _compiled(stmt: ClauseElement, columns: tuple[str, ...],
              dialect: Dialect) -> tuple[str, tuple[int, ...] | None, Converters]:
    """The SQL, where each placeholder's value sits in a row, and the converters.

    Positional (SQLite): placeholders in ``positiontup`` order. Named
    (PostgreSQL): rows stay in ``columns`` order and become dictionaries.
    """
    compiled = stmt.compile(dialect=dialect)
    names = tuple(compiled.positiontup or columns)
    order = None if names == columns else tuple(columns.index(name) for name in names)
    converters = []
    for index, name in enumerate(names):
        processor = compiled.binds[name].type.bind_processor(dialect)
        if processor is not None:
            converters.append((index, processor))
    return str(compiled), order, tuple(converters)


def _params(rows: Sequence[Row], order: tuple[int, ...] | None,
            converters: Converters) -> list[list[Any]]:
    params: list[list[Any]] = []
    for row in rows:
        values = list(row) if order is None else [row[i] for i in order]
        for index, convert in converters:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        params.append(values)
    return params


def _postgres_many(conn: Connection, stmt: ClauseElement, columns: tuple[str, ...],
                   rows: Sequence[Row], returning: bool) -> list[Any]:
    sql, order, converters = _compiled(stmt, columns, conn.dialect)
    names = columns if order is None else tuple(columns[i] for i in order)
    params = [dict(zip(names, values, strict=True))
              for values in _params(rows, order, converters)]
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, params, returning=returning)
        found: list[Any] = []
        while returning:
            found.extend(row[0] for row in cursor.fetchall())
            if not cursor.nextset():
                break
        return found
    finally:
        cursor.close()


def execute_many(conn: Connection, stmt: ClauseElement, columns: tuple[str, ...],
                 rows: Sequence[Row]) -> None:
    """Run ``stmt`` once per row; each row holds the values of ``columns`` in that order."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        _postgres_many(conn, stmt, columns, rows, returning=False)
        return
    sql, order, converters = _compiled(stmt, columns, conn.dialect)
    conn.exec_driver_sql(sql, [tuple(values) for values in _params(rows, order, converters)])


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
    return set(_postgres_many(conn, _returning_id(stmt), columns, rows, returning=True))


@cache
def _returning_id(stmt: Any) -> Any:
    # Cached: the compiled-statement cache above is keyed by the statement object.
    return stmt.returning(stmt.table.c.id)
