"""Apply a batch of delivered events in ONE unit of work, with the inbox and the offsets.

Each batch's writes, the ids of the events it applied (the inbox), the dead
letters it set aside, the per-province counters and the next offset of every
partition it read commit together or not at all: the store is the source of
truth for where ingest stands, so a crash anywhere repeats only work that was
never committed. Outcomes, per event: ``applied``; ``duplicate`` (its id is
in the inbox: counted and skipped); ``stale`` (older than what is stored:
counted, ignored, and put in the inbox so a resend is a duplicate);
``dead_lettered``.

Everything here is blocking: the consumer runs it in a worker thread.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from hub.ingest.commands import (
    IncomingEvent,
    RetireCredential,
    RevokeRule,
    UpsertCredential,
    UpsertInstitution,
    UpsertRule,
)
from hub.ingest.errors import PoisonEvent
from hub.ingest.translate import topic_province, translate
from hub.store.ports import (
    DeadLetter,
    EquivalencyRepository,
    InboxKey,
    Removal,
    Store,
    UnitOfWork,
)

APPLIED, DUPLICATE, STALE, DEAD_LETTERED = "applied", "duplicate", "stale", "dead_lettered"
STORE_REJECTED = "store_rejected"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One Kafka record as the hub received it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass(frozen=True, slots=True)
class Handled:
    """A delivery with its translation: an event, or the poison that stops it."""

    delivery: Delivery
    event: IncomingEvent | None = None
    poison: PoisonEvent | None = None

    @property
    def province(self) -> str:
        """The province of the topic it came from (trusted, unlike the envelope's)."""
        return topic_province(self.delivery.topic)

    def dead_letter(self, at: datetime) -> DeadLetter:
        """The dead letter kept for operators."""
        d = self.delivery
        return DeadLetter(
            id=None, topic=d.topic, partition=d.partition, offset=d.offset, key=d.key,
            value=d.value or b"", reason=self.poison.reason if self.poison else "",
            province=self.province, event_id=self.poison.event_id if self.poison else None,
            recorded_at=at,
        )


@dataclass(slots=True)
class BatchReport:
    """What one committed batch did."""

    at: datetime
    outcomes: list[tuple[Handled, str]] = field(default_factory=list)
    next_offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    _counts: dict[str, Counter[str]] | None = None

    def counts(self) -> dict[str, Counter[str]]:
        """Outcome counts per province (computed once: the outcomes do not change)."""
        if self._counts is None:
            tally: Counter[tuple[str, str]] = Counter(
                (topic_province(h.delivery.topic), outcome) for h, outcome in self.outcomes)
            per: dict[str, Counter[str]] = defaultdict(Counter)
            for (province, outcome), n in tally.items():
                per[province][outcome] += n
            self._counts = per
        return self._counts


def read(deliveries: Iterable[Delivery]) -> list[Handled]:
    """Translate every delivery; a poison one is kept with its reason, never dropped."""
    out = []
    append = out.append
    for d in deliveries:
        try:
            append(Handled(d, event=translate(d.topic, d.value)))
        except PoisonEvent as exc:
            append(Handled(d, poison=exc))
    return out


def apply_batch(store: Store, group: str, batch: list[Handled]) -> BatchReport:
    """Apply ``batch`` in one transaction with its inbox entries and next offsets."""
    report = BatchReport(at=datetime.now(UTC))
    for h in batch:
        tp = (h.delivery.topic, h.delivery.partition)
        report.next_offsets[tp] = max(report.next_offsets.get(tp, 0), h.delivery.offset + 1)
    with store.unit_of_work() as uow:
        outcomes = _apply_all(uow, batch, report.at)
        report.outcomes = list(zip(batch, outcomes, strict=True))
        for province, c in report.counts().items():
            uow.ledger.bump_stats(
                province, applied=c[APPLIED], duplicate=c[DUPLICATE], stale=c[STALE],
                dead_lettered=c[DEAD_LETTERED], last_event_at=report.at if c[APPLIED] else None,
            )
        for (topic, partition), next_offset in report.next_offsets.items():
            uow.ledger.save_offset(group, topic, partition, next_offset)
        uow.commit()
    return report


def _apply_all(uow: UnitOfWork, batch: list[Handled], at: datetime) -> list[str]:
    """Each event's outcome, writing through the repository's bulk writes.

    Writes are grouped by kind of entity, each group in arrival order: an
    entity's versions never cross kinds, so this equals one-by-one application.
    """
    ledger = uow.ledger
    keys = [InboxKey(h.event.entity_key, h.event.version, h.event.event_id) if h.event else None
            for h in batch]
    seen = ledger.seen([k for k in keys if k is not None])
    outcomes: list[str] = [""] * len(batch)
    groups: dict[str, list[tuple[int, object]]] = {"institutions": [], "credentials": [],
                                                   "rules": []}
    for i, h in enumerate(batch):
        event, key = h.event, keys[i]
        if event is None:
            ledger.add_dead_letter(h.dead_letter(at))
            outcomes[i] = DEAD_LETTERED
        elif key in seen:
            outcomes[i] = DUPLICATE
        else:
            seen.add(key)  # type: ignore[arg-type]
            command = event.command
            kind, change = _CHANGES[type(command)](command)
            groups[kind].append((i, change))
    repo = uow.equivalencies
    record = ledger.record_applied
    for kind, items in groups.items():
        if not items:
            continue
        flags = _bulk(repo, kind, [change for _, change in items])
        for (i, _), applied in zip(items, flags, strict=True):
            outcome = outcomes[i] = APPLIED if applied else STALE
            ev = batch[i].event
            record(ev.event_id, ev.province, ev.entity_key, ev.version,  # type: ignore[union-attr]
                   outcome, at)
    return outcomes


# What each command writes: (the repository's kind of entity, the change to apply).
_CHANGES: dict[type, Callable[[Any], tuple[str, object]]] = {
    UpsertInstitution: lambda c: ("institutions", c.institution),
    UpsertCredential: lambda c: ("credentials", c.credential),
    RetireCredential: lambda c: ("credentials", Removal(c.credential_id, c.version)),
    UpsertRule: lambda c: ("rules", c.rule),
    RevokeRule: lambda c: ("rules", Removal(c.rule_id, c.version)),
}


def _bulk(repo: EquivalencyRepository, kind: str, changes: list) -> list[bool]:  # type: ignore[type-arg]
    bulk = getattr(repo, f"apply_{kind}", None)
    if bulk is not None:
        return list(bulk(changes))
    # A repository without bulk writes: the same writes one by one.
    single = {"institutions": (repo.upsert_institution, None),
              "credentials": (repo.upsert_credential, repo.retire_credential),
              "rules": (repo.upsert_rule, repo.revoke_rule)}[kind]
    return [single[1](c.id, c.version) if isinstance(c, Removal) else single[0](c)
            for c in changes]


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


def apply_isolating(store: Store, group: str, batch: list[Handled]) -> BatchReport:
    """Apply ``batch``; if the store rejects it, find the events it rejects and dead-letter them.

    A retryable error (store down) propagates: nothing was committed. A
    non-retryable one (the store refused the data) is pinned to the event
    that causes it by halving: each half is applied in its own transaction,
    in order, and a half the store refuses is halved again, down to the event,
    which becomes a dead letter (``store_rejected``). The others still apply
    with their offsets, so the partition goes on; a batch of 20,000 with one
    refused event costs about 30 transactions, not 20,000.
    """
    try:
        return apply_batch(store, group, batch)
    except Exception as exc:
        if is_retryable(exc):
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
                return apply_isolating(store, group, [replace(h, poison=plain)])
            poison = PoisonEvent(STORE_REJECTED, f"{type(exc).__name__}: {exc}"[:500],
                                 event_id=h.event.event_id)
            return apply_isolating(store, group, [replace(h, event=None, poison=poison)])
    middle = len(batch) // 2
    merged = BatchReport(at=datetime.now(UTC))
    for half in (batch[:middle], batch[middle:]):
        one = apply_isolating(store, group, half)
        merged.outcomes.extend(one.outcomes)
        merged.next_offsets.update(one.next_offsets)
    return merged
