"""Apply a batch of delivered events in ONE unit of work, with the inbox and the offsets.

Each batch's writes, the ids of the events it applied (the inbox), the dead
letters it set aside, the per-province counters and the next offset of every
partition it read commit together or not at all: the store is the source of
truth for where ingest stands, so a crash anywhere repeats only work that was
never committed. Outcomes, per event: ``applied``; ``duplicate`` (its id is
in the inbox: counted and skipped); ``stale`` (older than what is stored:
counted, ignored, and put in the inbox so a resend is a duplicate);
``dead_lettered``. The deliveries and their translation are in
:mod:`hub.ingest.deliveries`; a batch the store refuses is taken apart by
:mod:`hub.ingest.isolating`.

Everything here is blocking: the consumer runs it in a worker thread.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hub.ingest.commands import (
    RetireCredential,
    RevokeRule,
    UpsertCredential,
    UpsertInstitution,
    UpsertRule,
)
from hub.ingest.deliveries import Handled
from hub.ingest.errors import Fenced
from hub.ingest.translate import topic_province
from hub.store.ports import (
    EquivalencyRepository,
    InboxKey,
    Removal,
    Store,
    UnitOfWork,
)

APPLIED, DUPLICATE, STALE, DEAD_LETTERED = "applied", "duplicate", "stale", "dead_lettered"


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


def apply_batch(store: Store, group: str, batch: list[Handled]) -> BatchReport:
    """Apply ``batch`` in one transaction with its inbox entries and next offsets.

    The transaction first holds the offsets of the batch's partitions
    (``claim_offsets``); where another consumer of the group has committed past
    the batch's first record, :class:`~hub.ingest.errors.Fenced` is raised and
    nothing is applied. So a replica that was frozen or cut off while its
    partitions moved to another cannot apply, or count, the same records again
    (a scale-out tester saw the counters of two replicas exceed what was
    published after one was stopped for 30 s and resumed).
    """
    report = BatchReport(at=datetime.now(UTC))
    firsts: dict[tuple[str, int], int] = {}
    for h in batch:
        tp = (h.delivery.topic, h.delivery.partition)
        report.next_offsets[tp] = max(report.next_offsets.get(tp, 0), h.delivery.offset + 1)
        firsts[tp] = min(firsts.get(tp, h.delivery.offset), h.delivery.offset)
    with store.unit_of_work() as uow:
        behind = uow.ledger.claim_offsets(group, firsts)
        if behind:
            raise Fenced(behind, firsts)   # rolled back: nothing applied or counted
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
