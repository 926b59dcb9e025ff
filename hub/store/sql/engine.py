"""Engines for SQLite and PostgreSQL, tuned for the hub's two kinds of work.

Two engines share a database: one for writers (units of work) and one for
readers (queries). On SQLite the writer begins ``IMMEDIATE`` (the write lock
is taken up front, so two writers queue instead of deadlocking) and the reader
begins a deferred transaction, which in WAL mode is one consistent snapshot.
On PostgreSQL the reader runs ``REPEATABLE READ`` for the same reason.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url

SQLITE_BUSY_TIMEOUT_MS = 10_000
_PRAGMAS = (
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA cache_size=-65536",  # 64 MiB of page cache per connection
    "PRAGMA mmap_size=268435456",  # reads straight from the OS page cache
    "PRAGMA temp_store=MEMORY",
    "PRAGMA wal_autocheckpoint=16384",  # checkpoint every 64 MiB, not every batch
)


def _use_wal(cursor: Any) -> None:
    """``PRAGMA journal_mode=WAL``, once per database file.

    Switching a new file to WAL takes it alone for a moment, and SQLite refuses
    the connections opened beside it at once ("database is locked"), without
    waiting out the busy timeout: hubs or tests opening a new store together
    failed about one time in fifteen. So the mode is read first (a database in
    WAL already needs nothing), and a refused switch is tried again briefly.
    """
    for attempt in range(_WAL_TRIES):
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == _WAL_TRIES - 1:
                raise
            time.sleep(0.01 * (attempt + 1))


_WAL_TRIES = 20  # about two seconds in all


def _sqlite_engine(url: str, begin: str) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        # LIFO: the connection used last is warm (its page cache is valid only until
        # another connection writes), so the ingest's units of work keep reusing one.
        pool_size=8, max_overflow=24, pool_use_lifo=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling never begins a transaction before a
        # SELECT, which would give a reader no snapshot: take control of BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _use_wal(cursor)
        for pragma in _PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


WRITER_IDLE_TIMEOUT_S = 60
"""PostgreSQL ends a writer's transaction left idle this long (``idle_in_transaction_
session_timeout``), releasing its locks. A hub frozen mid-batch (stopped, swapped out, cut
off) otherwise held its partitions' offset rows, and every replica that took them over
waited behind it for as long as it stayed frozen (a scale-out tester: ``kill -STOP``).
A batch's own statements follow each other within seconds."""


WRITER_STATEMENT_TIMEOUT = "statement_timeout=0"
"""The writer's statements run to their end, whatever ``statement_timeout`` the operator
gave the role or the database: a batch of 20,000 events is a few statements of seconds
each, and one cancelled by a shorter default (``SET statement_timeout = '1s'``, common on
managed databases) was retried whole, cancelled again, for ever (a ``statement_timeout``
in the store URL's ``options`` still wins: an explicit choice). A writer that waits is
still bounded: behind a lock, by the holder's own idle timeout (:data:`WRITER_IDLE_TIMEOUT_S`);
on a vanished peer, by :data:`TCP_SETTINGS`. Readers keep the operator's setting."""


READER_LOCK_TIMEOUT_MS = SQLITE_BUSY_TIMEOUT_MS
"""PostgreSQL fails a reader's statement that waited this long for a lock (``lock_timeout``:
StoreUnavailable, UNAVAILABLE to the client, who retries), as SQLite's busy timeout does.
Readers waited behind a table lock (a migration, a session left open) for as long as it
was held, and two of them took both query threads: every other query queued behind them
(a black-box tester: a 36 s ``equivalents`` behind a 40 s lock on ``stack_link``)."""


TCP_SETTINGS = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
                "keepalives_count": 3, "tcp_user_timeout": 30_000}
"""libpq's TCP settings for the hub's connections, where the URL gives none: a connection
whose peer vanished without a word (a firewall or load balancer dropping it, a host gone)
fails within about a minute instead of the system's ~15, so a query thread or the ingest
waiting on it gets its StoreUnavailable and retries on a new one. (A tester froze two
backends, ``kill -STOP``, and two stuck connections held both query threads: every query
timed out. A frozen backend's kernel still answers, so this does not end that case; it
ends the same stall when the peer is gone.) Unix sockets ignore them."""


SESSION_DATESTYLE = "DateStyle=ISO"
"""Every connection reads dates and times in ISO form, whatever the database's or the role's
``DateStyle`` (an operator's ``ALTER DATABASE … SET DateStyle = 'SQL, DMY'``): psycopg parses
a ``timestamptz`` in ISO only, and every read of one (``status``, the dead letters) failed."""


def _postgres_engine(url: str, isolation: str, *, writer: bool = False) -> Engine:
    given_query = make_url(url).query
    connect_args: dict[str, Any] = {"connect_timeout": 5, **{
        name: value for name, value in TCP_SETTINGS.items() if name not in given_query}}
    # beside any options the URL gives (connect_args would replace them)
    given = given_query.get("options", "")
    given = " ".join(given) if isinstance(given, tuple) else given
    setting = (f"idle_in_transaction_session_timeout={WRITER_IDLE_TIMEOUT_S * 1000} "
               f"-c {WRITER_STATEMENT_TIMEOUT}" if writer
               else f"lock_timeout={READER_LOCK_TIMEOUT_MS}")
    # The URL's own options after the hub's defaults (the last ``-c`` of a name wins: an
    # operator's explicit choice stands), then what every read relies on.
    connect_args["options"] = f"-c {setting} {given} -c {SESSION_DATESTYLE}"
    engine = create_engine(
        url,
        isolation_level=isolation,
        pool_size=8, max_overflow=24, pool_pre_ping=True,
        connect_args=connect_args,
    )
    if writer:
        event.listen(engine, "after_cursor_execute", _rearm_idle_timeout)
    return engine


def _rearm_idle_timeout(_conn: Any, cursor: Any, _statement: str, _parameters: Any,
                        _context: Any, executemany: bool) -> None:
    """Follow a many-rows statement with a plain one, on a cursor of its own.

    psycopg runs ``executemany`` in pipeline mode, whose last message leaves the
    backend idle with the idle-in-transaction timer off: a hub frozen right after
    one (the ledger's offsets and counters are written so) held its locks for as
    long as it slept, however short ``WRITER_IDLE_TIMEOUT_S`` (a tester froze a
    replica for 100 s). A simple query arms the timer again (one round trip)."""
    if executemany:
        cursor.connection.execute("SELECT 1")


def engines(url: str) -> tuple[Engine, Engine]:
    """(writer, reader) engines for a ``sqlite:///…`` or ``postgresql+psycopg://…`` URL."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, "BEGIN IMMEDIATE"), _sqlite_engine(url, "BEGIN")
    return (_postgres_engine(url, "READ COMMITTED", writer=True),
            _postgres_engine(url, "REPEATABLE READ"))
