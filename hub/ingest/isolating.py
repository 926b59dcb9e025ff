"""A batch the store refuses: a store that is down told from data it refuses, and each
refused event pinned by halving the batch and dead-lettered (``store_rejected``).

Everything here is blocking: the consumer runs it in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from hub.ingest.apply import BatchReport, apply_batch
from hub.ingest.deliveries import Handled
from hub.ingest.errors import Fenced, PoisonEvent, StopAsked
from hub.store.errors import refused_by_database
from hub.store.ports import Store

STORE_REJECTED = "store_rejected"


def is_retryable(exc: BaseException) -> bool:
    """True when ``exc`` says the store (or the network to it) is down, not the data wrong."""
    if getattr(exc, "retryable", False):
        return True
    try:
        from sqlalchemy import exc as sa
    except ImportError:  # pragma: no cover - sqlalchemy is a dependency
        return isinstance(exc, ConnectionError | TimeoutError)
    if isinstance(exc, sa.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, sa.OperationalError | sa.InterfaceError | sa.DisconnectionError
                      | sa.TimeoutError | ConnectionError | TimeoutError)


def _plain(poison: PoisonEvent | None) -> PoisonEvent | None:
    """``poison`` without an event id and with a printable reason; None when it is already."""
    if poison is None or (poison.event_id is None and poison.detail.isprintable()
                          and poison.code.isprintable()):
        return None

    def printable(text: str) -> str:
        return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)

    return PoisonEvent(printable(poison.code), printable(poison.detail))


def unapplied(store: Store, group: str, batch: list[Handled]) -> list[Handled]:
    """The deliveries of ``batch`` at or past the store's next offsets for ``group``.

    For a batch tried again after the store failed: :func:`apply_isolating`
    commits a refused batch's halves one by one, so a failure midway leaves
    some halves committed. Applied again they would change nothing (the
    inbox), but would be counted again, as duplicates, and their dead letters
    stored twice. A batch holds each partition's records in offset order and
    halves keep that order, so what was committed is exactly the records below
    the stored offsets.
    """
    with store.unit_of_work() as uow:
        stored = uow.ledger.offsets(group)
    return [h for h in batch
            if h.delivery.offset >= stored.get((h.delivery.topic, h.delivery.partition), 0)]


def apply_isolating(store: Store, group: str, batch: list[Handled],
                    committed: Callable[[BatchReport], None] | None = None,
                    stopping: Callable[[], bool] | None = None) -> BatchReport:
    """Apply ``batch``; if the store rejects it, find the events it rejects and dead-letter them.

    A retryable error (store down) propagates: nothing was committed, and so does
    a refusal of the hub's role by the database (``refused_by_database``). A
    non-retryable one (the store refused the data) is pinned to the event
    that causes it by halving: each half is applied in its own transaction,
    in order, and a half the store refuses is halved again, down to the event,
    which becomes a dead letter (``store_rejected``). The others still apply
    with their offsets, so the partition goes on; a batch of 20,000 with one
    refused event costs about 30 transactions, not 20,000.

    ``committed`` is told of each transaction's report as it commits: when a
    later half fails (the store gone, or :class:`Fenced`), the halves already
    committed, and the dead letters they stored, are known all the same.
    ``stopping`` is asked before each half: when it answers True, :class:`StopAsked`
    ends the work there (what was committed stands).
    """
    try:
        report = apply_batch(store, group, batch)
    except Exception as exc:
        if is_retryable(exc) or isinstance(exc, Fenced) or refused_by_database(exc):
            # A refusal of the hub's role (no TEMP on the database, no privilege on a
            # table) is no event's fault: halved down, every event of every batch was
            # dead-lettered (a tester: 14,000 of them) while the ingest went on.
            raise
        if len(batch) == 1:
            h = batch[0]
            if h.event is None:
                # The dead letter itself refused: kept once more without what the
                # store may not hold (its event id, a control character in its
                # reason; the original bytes still say everything), else the
                # partition would stop here for good.
                plain = _plain(h.poison)
                if plain is None:
                    raise
                return apply_isolating(store, group, [replace(h, poison=plain)], committed,
                                       stopping)
            poison = PoisonEvent(STORE_REJECTED, f"{type(exc).__name__}: {exc}"[:500],
                                 event_id=h.event.event_id)
            return apply_isolating(store, group, [replace(h, event=None, poison=poison)],
                                   committed, stopping)
    else:
        if committed is not None:
            committed(report)
        return report
    middle = len(batch) // 2
    merged = BatchReport(at=datetime.now(UTC))
    for half in (batch[:middle], batch[middle:]):
        if stopping is not None and stopping():
            raise StopAsked("the hub is stopping: the rest of the batch is read again "
                            "at the next start")
        one = apply_isolating(store, group, half, committed, stopping)
        merged.outcomes.extend(one.outcomes)
        merged.next_offsets.update(one.next_offsets)
    return merged
