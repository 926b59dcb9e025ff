"""Errors of the store layer.

    StoreError                  base
    ├── StoreUnavailable        retryable: the database cannot be reached, the
    │                           connection was lost, or it is busy (locked)
    ├── StoreCorrupt            poison: the file is not a database, or its schema
    │                           is at a revision this code does not know
    ├── StoreUrlInvalid         poison: the store URL names no store this hub can open
    └── StoreRefused            poison: the database refuses what the hub needs (its
                                role may not create its tables, it is read-only)

Each error says whether retrying can help (``retryable``). SQLAlchemy and
driver errors are translated once, at the store's boundary
(:func:`hub.store.sql.errors.translated`), never inside domain code.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of the store's errors."""

    retryable = False


class StoreUnavailable(StoreError):
    """The database cannot be reached or is busy; retrying later may succeed."""

    retryable = True


class StoreCorrupt(StoreError):
    """The database is not one this hub can use (damaged, or from a newer version)."""


class StoreUrlInvalid(StoreError):
    """The store URL is malformed or names an unsupported database."""


class StoreRefused(StoreError):
    """The database refuses the hub what it needs: its role may not create or change the
    hub's tables where they go, or the database is read-only. An operator has to grant it."""


REFUSED_SQLSTATES = frozenset({"42501", "25006"})
"""PostgreSQL's insufficient_privilege and read_only_sql_transaction: the database refuses the
hub's role, whatever the data (no CREATE on the schema, no TEMP on the database, a read-only
database). Only an operator's grant helps; no event is to blame for them."""


def refused_by_database(error: BaseException) -> bool:
    """True when ``error`` (a driver error, or SQLAlchemy's wrapping one) is a refusal of the
    role by the database (:data:`REFUSED_SQLSTATES`), not of the data it was given."""
    for candidate in (error, getattr(error, "orig", None), error.__cause__):
        if getattr(candidate, "sqlstate", None) in REFUSED_SQLSTATES:
            return True
    return False
