"""``open_store``: the one way the hub gets a store, from a URL.

    None / settings.DEFAULT_DB  a SQLite file under ./.transferhub/ (folder created)
    sqlite:///path              a SQLite file (relative path) or sqlite:////abs/path
    postgresql://…              PostgreSQL through psycopg 3 (postgres:// too)
    memory://                   the in-memory store (tests, demos), gone on exit

The schema is created or upgraded (Alembic ``upgrade head``) before the store
is returned; a database that cannot be reached raises ``StoreUnavailable``.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hub.settings import DEFAULT_DB
from hub.store.errors import StoreUnavailable, StoreUrlInvalid
from hub.store.ports import Store
from hub.store.sql.engine import engines
from hub.store.sql.errors import translated
from hub.store.sql.migrate import upgrade
from hub.store.sql.unit_of_work import SqlStore

MEMORY_URL = "memory://"
_POSTGRES_PREFIXES = ("postgresql+psycopg://", "postgresql://", "postgres://")


def normalise_url(url: str | None) -> str:
    """The SQLAlchemy URL for a store URL (PostgreSQL mapped to psycopg 3)."""
    url = (url or DEFAULT_DB).strip()
    for prefix in _POSTGRES_PREFIXES:
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    if url.startswith("sqlite:///") and url not in ("sqlite:///", "sqlite:///:memory:"):
        return url
    raise StoreUrlInvalid(
        f"store URL {shown_url(url)!r} is not one of sqlite:///PATH, postgresql://…, memory://")


def shown_url(url: str) -> str:
    """``url`` as it may be shown (logged, printed): its password, if any, masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1]


def open_store(url: str | None = None) -> Store:
    """Open the store at ``url`` (default: the SQLite file of ``hub.settings``), schema ready.

    Raises ``StoreUrlInvalid`` for a URL that names no supported store,
    ``StoreUnavailable`` (retryable) when the database cannot be reached and
    ``StoreCorrupt`` when it is damaged or from a newer version of the hub, and
    ``StoreRefused`` when its role may not create the hub's tables or it is read-only.
    """
    if (url or "").strip() == MEMORY_URL:
        from hub.store.memory_ledger import InMemoryStore

        return InMemoryStore()
    sa_url = normalise_url(url)
    if sa_url.startswith("sqlite:///"):
        path = Path(sa_url.removeprefix("sqlite:///"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreUnavailable(f"cannot create the folder of {path}: {error}") from error
    writer, reader = engines(sa_url)
    try:
        with translated(f"opening the store at {shown_url(sa_url)}"):
            upgrade(writer)
    except BaseException:
        writer.dispose()
        reader.dispose()
        raise
    return SqlStore(writer, reader)
