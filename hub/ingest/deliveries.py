"""What the hub received from Kafka, and its translation: an event, or the poison that stops it.

Everything here is blocking: the consumer runs it in a worker thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from hub.ingest.commands import IncomingEvent
from hub.ingest.errors import PoisonEvent
from hub.ingest.translate import topic_province, translate
from hub.store.ports import DeadLetter


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
