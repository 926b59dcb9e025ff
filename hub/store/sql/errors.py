"""Translation of SQLAlchemy and driver errors into the store's error tree."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc

from hub.store.errors import StoreCorrupt, StoreError, StoreUnavailable

_CORRUPT_HINTS = ("file is not a database", "database disk image is malformed")


def driver_words(error: BaseException) -> str:
    """The driver's first line of ``error``, cut short: what follows is the statement and
    where in it ("LINE 2: FROM credential JOIN …"), which callers (a gRPC client's message)
    need not see; the whole error stays chained for the hub's log."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0][:300] if lines else type(error).__name__


def translate(error: BaseException, where: str) -> StoreError | None:
    """The store error for a database error, or ``None`` when it is not one."""
    if isinstance(error, StoreError):
        return error
    if not isinstance(error, exc.DBAPIError | exc.SQLAlchemyError):
        return None
    text = driver_words(error)
    if any(hint in text for hint in _CORRUPT_HINTS):
        return StoreCorrupt(f"{where}: the database is damaged ({text})")
    lost = isinstance(error, exc.DBAPIError) and error.connection_invalidated
    if lost or isinstance(error, exc.OperationalError | exc.InterfaceError | exc.TimeoutError):
        return StoreUnavailable(f"{where}: the database cannot be reached or is busy ({text})")
    return None


@contextmanager
def translated(where: str) -> Iterator[None]:
    """Raise database errors met inside as the store's own errors."""
    try:
        yield
    except Exception as error:
        mapped = translate(error, where)
        if mapped is None or mapped is error:
            raise
        raise mapped from error
