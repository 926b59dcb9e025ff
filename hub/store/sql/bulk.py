"""Many rows in one driver call, without per-row work in SQLAlchemy.

The ingest writes thousands of rows per transaction into a handful of tables,
so this module speaks to the driver directly, with SQL built once per table
from the SQLAlchemy metadata:

- SQLite: the rows travel as ONE JSON text, inserted by one statement
  (``INSERT … SELECT value ->> 0, … FROM json_each(?)``); lists of keys
  likewise (``IN (SELECT value FROM json_each(?))``), so a look-up of 10,000
  keys is one statement with one parameter and nothing to render. One
  statement is one ``sqlite3_step``: ``executemany`` steps once per row and
  releases and re-takes the GIL around each step, so while another thread
  runs Python (the ingest translating its next batch) every row waited up to
  the interpreter's switch interval for the GIL to come back (measured: an
  apply of 600,000 events went from ~25 s to several minutes beside a busy
  thread). ``executemany`` remains for values JSON cannot carry (dates, time
  stamps, NaN, bytes): since the ingest translates in the apply's own thread
  (nothing else runs Python while it writes), it is no slower: SQLite reads
  bound values faster than it parses JSON (inbox rows, one thread: ~3.6 µs a
  row bound against ~5.5 µs from JSON), and carrying the ingest's dates as
  JSON text measured ~5% slower end to end (two runs each way).
- PostgreSQL: the rows are copied (``COPY``) into a temporary twin of the
  table and inserted from it in one statement; keys travel as one JSON array
  (``= ANY(ARRAY(SELECT jsonb_array_elements_text(…)))``). psycopg's pipelined
  ``executemany`` sent a statement per row, about four per event, and spent
  its time in the protocol.

Column values are converted with the columns' own bind processors (dates,
booleans, time stamps), each distinct value once per call: a batch repeats
the same few dates and one time stamp thousands of times.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Column, Connection, Table

Row = tuple[Any, ...]
# Compact JSON for SQL parameters; NaN and infinities raise (SQLite's JSON cannot read them).
json_text = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


@lru_cache(maxsize=512)
def _converter(column: Column[Any], dialect: Any) -> Callable[[Any], Any] | None:
    return column.type.bind_processor(dialect)  # type: ignore[no-any-return]


def _converted(conn: Connection, table: Table, columns: Sequence[str],
               rows: Sequence[Row]) -> Sequence[Row]:
    """The rows with each value converted for the driver (the same rows when none needs it)."""
    dialect = conn.dialect
    converters = [(index, convert) for index, name in enumerate(columns)
                  if (convert := _converter(table.c[name], dialect)) is not None]
    if not converters:
        return rows
    values = list(zip(*rows, strict=True))
    for index, convert in converters:
        memo: dict[Any, Any] = {None: None}
        column = []
        append = column.append
        for value in values[index]:
            try:
                append(memo[value])
            except KeyError:
                converted = memo[value] = convert(value)
                append(converted)
            except TypeError:  # unhashable: convert it every time
                append(convert(value))
        values[index] = column  # type: ignore[call-overload]
    return list(zip(*values, strict=True))


@cache
def _sqlite_insert_sql(table: Table, columns: tuple[str, ...], conflict: str) -> tuple[str, str]:
    """(batch, row): a whole batch from one JSON array of rows, and one row (the fallback).

    ``WHERE true`` keeps SQLite from reading ``ON CONFLICT`` as a join's ``ON``.
    """
    names = ", ".join(_quoted(name) for name in columns)
    target = _quoted(table.name)
    picks = ", ".join(f"value ->> {index}" for index in range(len(columns)))
    values = ", ".join("?" for _ in columns)
    return (f"INSERT INTO {target} ({names}) SELECT {picks} FROM json_each(?) WHERE true "
            f"{conflict}", f"INSERT INTO {target} ({names}) VALUES ({values}) {conflict}")


@cache
def _pg_insert_sql(table: Table, columns: tuple[str, ...], conflict: str,
                   returning: str | None) -> tuple[str, str, str]:
    """(prepare, copy, insert): the rows are copied into a temporary twin of the table,
    kept for the session and emptied after each use (``ON COMMIT DELETE ROWS`` in case
    a statement between failed), then inserted from it in one statement.
    """
    names = ", ".join(_quoted(name) for name in columns)
    target = _quoted(table.name)
    twin = _quoted(f"_bulk_{table.name}")
    prepare = (f"CREATE TEMPORARY TABLE IF NOT EXISTS {twin} ON COMMIT DELETE ROWS AS "
               f"SELECT {names} FROM {target} WITH NO DATA")
    tail = f" RETURNING {_quoted(returning)}" if returning else ""
    insert = f"INSERT INTO {target} ({names}) SELECT {names} FROM {twin} {conflict}{tail}"
    return prepare, f"COPY {twin} ({names}) FROM STDIN", insert


def _pg_cursor(conn: Connection) -> Any:
    if not conn.in_transaction():
        # Begun through SQLAlchemy, so that its commit and rollback end what we write.
        conn.begin()
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def insert_rows(conn: Connection, table: Table, columns: tuple[str, ...], rows: Sequence[Row],
                conflict: str = "", returning: str | None = None) -> list[Any]:
    """Insert ``rows`` (values of ``columns`` in order) in a few statements, whatever their number.

    ``conflict`` is an ``ON CONFLICT …`` clause (same text on both databases).
    With ``returning`` (PostgreSQL only) the values of that column for the
    rows really written or updated are answered; otherwise ``[]``.
    """
    if not rows:
        return []
    rows = _converted(conn, table, columns, rows)
    if _is_sqlite(conn):
        batch_sql, row_sql = _sqlite_insert_sql(table, columns, conflict)
        try:
            batch = json_text(rows)
        except (TypeError, ValueError):  # dates, bytes, NaN: the driver binds them row by row
            conn.exec_driver_sql(row_sql, rows)
        else:
            conn.exec_driver_sql(batch_sql, (batch,))
        return []
    prepare, copy_sql, insert = _pg_insert_sql(table, columns, conflict, returning)
    cursor = _pg_cursor(conn)
    try:
        cursor.execute(prepare)
        with cursor.copy(copy_sql) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
        cursor.execute(insert)
        found = [row[0] for row in cursor.fetchall()] if returning else []
        cursor.execute(f"TRUNCATE {_quoted('_bulk_' + table.name)}")
        return found
    finally:
        cursor.close()


@cache
def _keyed_sql(dialect: str, head: str, key: str) -> str:
    if dialect == "sqlite":
        return f"{head} WHERE {key} IN (SELECT value FROM json_each(?))"
    # = ANY(ARRAY(…)) is an index scan over the keys; the keys travel as one JSON text,
    # which the driver sends as it is (a list would be quoted element by element).
    return f"{head} WHERE {key} = ANY(ARRAY(SELECT jsonb_array_elements_text(%s::jsonb)))"


def by_keys(conn: Connection, head: str, table: Table, key: str,
            keys: Iterable[str]) -> list[Row]:
    """Run ``head`` (``SELECT …``/``DELETE …`` of ``table``) where ``key`` is one of ``keys``.

    One statement, whatever the number of keys; the rows a ``SELECT`` found.
    """
    keys = list(keys)
    if not keys:
        return []
    sql = _keyed_sql(conn.dialect.name, head, f"{_quoted(table.name)}.{_quoted(key)}")
    if _is_sqlite(conn):
        result = conn.exec_driver_sql(sql, (json_text(keys),))
        return [tuple(row) for row in result] if result.returns_rows else []
    cursor = _pg_cursor(conn)
    try:
        cursor.execute(sql, (json_text(keys),))
        return cursor.fetchall() if cursor.description is not None else []
    finally:
        cursor.close()
