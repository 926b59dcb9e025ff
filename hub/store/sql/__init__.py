"""The store on SQL (SQLite, PostgreSQL) through SQLAlchemy Core and SQLModel tables."""

from hub.store.sql.ledger import SqlIngestLedger
from hub.store.sql.repository import SqlEquivalencyRepository
from hub.store.sql.unit_of_work import SqlStore, SqlUnitOfWork

__all__ = ["SqlEquivalencyRepository", "SqlIngestLedger", "SqlStore", "SqlUnitOfWork"]
