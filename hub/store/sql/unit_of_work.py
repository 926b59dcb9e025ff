"""``SqlUnitOfWork`` and ``SqlStore``: transactions for writers, snapshots for readers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

from hub.store.sql import tables as t
from hub.store.sql.caches import InstitutionCache, RuleCache
from hub.store.sql.errors import translate, translated
from hub.store.sql.ledger import SqlIngestLedger
from hub.store.sql.repository import SqlEquivalencyRepository

ANALYZED = (t.institution, t.credential, t.stack_link, t.rule, t.rule_sending, t.rule_link,
            t.dead_letter)
"""The tables queries read through their indexes (the ledger's small ones aside)."""


class SqlUnitOfWork:
    """One transaction over the repository and the ledger: all of it commits or none.

    The transaction begins with the first statement (SQLite: ``BEGIN
    IMMEDIATE``) and again after each ``commit``; leaving the block rolls back
    whatever was not committed.
    """

    equivalencies: SqlEquivalencyRepository
    ledger: SqlIngestLedger

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None

    def __enter__(self) -> SqlUnitOfWork:
        with translated("opening a unit of work"):
            self._conn = self._engine.connect()
        self.equivalencies = SqlEquivalencyRepository(self._conn)
        self.ledger = SqlIngestLedger(self._conn)
        return self

    def __exit__(self, *exc: object) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            self.ledger.discard()
            conn.rollback()
            conn.close()
        except Exception:  # the connection is already broken: the error below says why
            conn.invalidate()
        error = exc[1]
        if isinstance(error, BaseException):
            mapped = translate(error, "applying a unit of work")
            if mapped is not None and mapped is not error:
                raise mapped from error

    def commit(self) -> None:
        """Make every write of this unit visible at once."""
        assert self._conn is not None, "commit outside the unit of work's block"
        with translated("committing a unit of work"):
            self.ledger.flush()
            self._conn.commit()

    def rollback(self) -> None:
        """Discard every write of this unit."""
        assert self._conn is not None, "rollback outside the unit of work's block"
        self.ledger.discard()
        with translated("rolling back a unit of work"):
            self._conn.rollback()


class SqlStore:
    """The store on SQLite or PostgreSQL (built by :func:`hub.store.factory.open_store`)."""

    def __init__(self, writer: Engine, reader: Engine) -> None:
        self._writer = writer
        self._reader = reader
        self._rules = RuleCache()
        self._institutions = InstitutionCache()

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self._writer.url.render_as_string(hide_password=True)

    def unit_of_work(self) -> SqlUnitOfWork:
        """A new transaction (use as a context manager)."""
        return SqlUnitOfWork(self._writer)

    @contextmanager
    def reader(self) -> Iterator[SqlEquivalencyRepository]:
        """A repository over one read-only snapshot, for one query, from any thread."""
        with translated("reading the store"), self._reader.connect() as conn:
            conn.begin()
            try:
                yield SqlEquivalencyRepository(conn, self._rules, self._institutions)
            finally:
                conn.rollback()

    def refresh_statistics(self) -> None:
        """``ANALYZE`` the hub's tables on PostgreSQL (:mod:`hub.ingest.statistics`).

        SQLite's planner picks the indexes without statistics (its own ``ANALYZE``
        would hold the one writer over a million rows), so nothing is done there.
        """
        if self._writer.dialect.name != "postgresql":
            return
        quote = self._writer.dialect.identifier_preparer.format_table
        names = ", ".join(quote(table) for table in ANALYZED)
        with translated("refreshing the store's statistics"), self._writer.connect() as conn:
            conn.execute(text(f"ANALYZE {names}"))
            conn.commit()

    def close(self) -> None:
        """Release connections."""
        self._writer.dispose()
        self._reader.dispose()
