"""Errors of the ingest layer.

    IngestError                    base
    ├── PoisonEvent                the event itself is wrong: never retryable, dead-lettered
    │   ├── UnreadableEvent        the bytes are not an EventEnvelope, or a field cannot be read
    │   └── ForeignEvent           the event speaks for another province than its topic's
    ├── StoreUnavailable           the database cannot be reached: retryable, nothing committed
    ├── Fenced                     another consumer of the group applied past this batch
    └── StopAsked                  the hub is stopping while a refused batch is taken apart

A poison event carries ``reason``: a short word operators can group by
(``unreadable``, ``province_mismatch``, ``foreign_institution``, …) followed by
a sentence naming the field, as stored with its dead letter.
"""

from __future__ import annotations


class IngestError(Exception):
    """Base of the ingest's errors."""

    retryable = False


class PoisonEvent(IngestError):
    """An event the hub cannot apply however often it tries: it goes to the dead letters."""

    retryable = False

    def __init__(self, code: str, detail: str, *, event_id: str | None = None) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.event_id = event_id

    @property
    def reason(self) -> str:
        """``code: detail``, as stored with the dead letter."""
        return f"{self.code}: {self.detail}"


class UnreadableEvent(PoisonEvent):
    """The bytes do not parse, or a field does not have the form the model needs."""


class ForeignEvent(PoisonEvent):
    """The event claims or writes another province's data than its topic's."""


class StoreUnavailable(IngestError):
    """The store cannot be reached right now; the batch is retried, nothing is committed."""

    retryable = True


class Fenced(IngestError):
    """The store's offsets are past where this batch starts: another consumer of the group
    (a replica the partition moved to while this one was frozen or cut off) applied these
    records already. The batch is dropped uncommitted, never retried, and the partitions
    are read again from the store's offsets."""

    retryable = False

    def __init__(self, behind: dict[tuple[str, int], int],
                 firsts: dict[tuple[str, int], int] | None = None) -> None:
        where = ", ".join(f"{t}[{p}] at {n}" for (t, p), n in sorted(behind.items()))
        super().__init__(f"another consumer applied past this batch: {where}")
        self.behind = behind   # the stored next offset of each partition behind it
        self.firsts = firsts or {}   # the batch's first offset of each partition


class StopAsked(IngestError):
    """The hub was asked to stop while a refused batch was being taken apart in halves: the
    halves committed stand (their offsets with them), the rest is read again at the next
    start. Taking apart a large batch of refused events can take minutes (a transaction
    for each half), during which a stop was not seen (a tester: still writing dead letters
    four minutes after SIGTERM)."""

