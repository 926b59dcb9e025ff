"""Reading rows in one round-trip: id lists in chunks, and SQLite through its driver.

A read by id list goes in slices of at most ``CHUNK`` ids (:func:`chunks`),
each padded to a multiple of 16 (:func:`padded`) so that SQLite keeps its
statements prepared. On SQLite a statement's rows come straight through the
driver (:func:`fetch_rows`, :func:`driver_rows`): SQLAlchemy's per-statement
work cost as much as SQLite's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Connection

# Below every backend's bound-parameter limit (SQLite's is 32766).
CHUNK = 5000
T = TypeVar("T")


def chunks(items: list[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def padded(ids: list[str], step: int = 16) -> list[str]:
    """``ids`` with the last repeated up to a multiple of ``step`` (an ``IN`` list).

    An ``IN`` of n parameters is a different statement for every n, and
    SQLite's driver keeps only the last 128 prepared: lengths in steps of 16
    keep a reader's statements prepared. Repeats change nothing an ``IN`` matches.
    """
    extra = -len(ids) % step
    return ids + [ids[-1]] * extra if ids and extra else ids


def driver_rows(conn: Connection, sql: str, values: list[Any]) -> list[Any]:
    """The rows of ``sql`` (the driver's own SQL and parameters) in ``conn``'s transaction.

    On SQLite, once the transaction has begun, straight through the driver's
    connection: SQLAlchemy's ``exec_driver_sql`` adds about 25 µs a statement
    (events, execution context, result wrapper), ``execute`` of a Core
    statement about 70 µs, as much as SQLite's own lookups for a transcript.
    Rows are then plain tuples, without SQLAlchemy's result types (dates stay
    ISO text: the decoders convert them). A driver error is met again through
    ``exec_driver_sql`` (a failed SELECT changes nothing in SQLite), which
    raises it as SQLAlchemy does, so the store translates it as before.
    Elsewhere, before the transaction begins (SQLAlchemy begins it on its
    first statement), or while statements are logged (``echo``) or listened
    to (``*_cursor_execute`` events), through ``exec_driver_sql``.
    """
    dispatch = conn.dispatch
    if (conn.dialect.paramstyle == "qmark" and conn.in_transaction() and not conn._echo
            and not dispatch.before_cursor_execute and not dispatch.after_cursor_execute):
        try:
            return conn.connection.driver_connection.execute(sql, values).fetchall()
        except conn.dialect.loaded_dbapi.Error:
            pass
    return conn.exec_driver_sql(sql, tuple(values)).all()


_EXPANDING = "ids"  # the one list parameter of the statements (``statements._IDS``)


@cache
def _driver_form(statement: Any, dialect: Any) -> tuple[str, tuple[Any, ...]] | None:
    """(SQL, parameters in order: a name, or ``None`` for the ids) of a Core statement
    on SQLite, or ``None`` elsewhere or when it needs SQLAlchemy's processing.

    The ids' ``IN`` list is left as ``{}`` to fill with one ``?`` per id;
    constant parameters compiled into the statement keep their values.
    """
    if dialect.paramstyle != "qmark":
        return None
    compiled = statement.compile(dialect=dialect)
    token = f"__[POSTCOMPILE_{_EXPANDING}]"
    text = compiled.string
    expanding = {name for name, bind in compiled.binds.items() if bind.expanding}
    if (compiled._bind_processors or expanding - {_EXPANDING}
            or text.count("__[POSTCOMPILE_") != text.count(token) or "{" in text
            or "}" in text):
        return None
    defaults = compiled.construct_params(
        {bind.key: None for bind in compiled.binds.values() if bind.required})
    order = tuple(None if name == _EXPANDING else (name, defaults.get(name))
                  for name in compiled.positiontup or ())
    return text.replace(token, "{}"), order


def fetch_rows(conn: Connection, statement: Any, params: dict[str, Any]) -> list[Any]:
    """The rows of a Core ``statement`` with ``params`` (``ids``: a non-empty list).

    On SQLite through :func:`driver_rows` (rows are tuples, dates ISO text),
    elsewhere through ``execute``.
    """
    form = _driver_form(statement, conn.dialect)
    ids = params.get(_EXPANDING, ())
    if form is None or (_EXPANDING in params and not ids):
        return conn.execute(statement, params).all()
    text, order = form
    values: list[Any] = []
    for item in order:
        if item is None:
            values += ids
        else:
            values.append(params.get(item[0], item[1]))
    return driver_rows(conn, text.format(", ".join(["?"] * len(ids))), values)
