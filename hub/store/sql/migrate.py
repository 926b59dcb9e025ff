"""Create or upgrade the schema with Alembic, configured in code (no alembic.ini).

On PostgreSQL the upgrade runs under a transaction-scoped advisory lock, so
hubs starting together upgrade one at a time and the others find it done; on
SQLite the writer's ``BEGIN IMMEDIATE`` does the same.
"""

from __future__ import annotations

from pathlib import Path

import structlog
from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from hub.store.errors import StoreCorrupt, StoreRefused, refused_by_database
from hub.store.sql.errors import driver_words

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Any fixed number works; this one spells "thub" so it is recognisable in pg_locks.
ADVISORY_LOCK_KEY = 0x74687562
log = structlog.get_logger("hub.store")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the hub's migrations, on ``connection`` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest by default), once across processes."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            if conn.execute(text("SHOW transaction_read_only")).scalar() == "on":
                raise StoreRefused("the database is read-only (default_transaction_read_only, "
                                   "or a standby): the hub writes to its store")
        try:
            _log_pending(conn, revision)
            command.upgrade(alembic_config(conn), revision)
        except CommandError as error:
            # e.g. "Can't locate revision": the database was written by a newer hub.
            raise StoreCorrupt(f"cannot bring the schema to {revision}: {error}") from error
        except DBAPIError as error:
            if not refused_by_database(error):
                raise
            raise StoreRefused(
                f"cannot create or upgrade the hub's tables ({driver_words(error)}): "
                "the role needs to own the database or the schema its search_path names "
                "(or have CREATE on it)") from error



def _log_pending(conn: Connection, revision: str) -> None:
    """Say so before changing an existing schema: rebuilding a large table takes a while."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    current = MigrationContext.configure(conn).get_current_revision()
    target = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    if current is not None and target is not None and current != target.revision:
        log.info("store schema upgrade", from_revision=current, to_revision=target.revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` when it has no schema yet."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
