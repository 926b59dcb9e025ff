"""Fakes for the adapter machinery's tests: a reader of in-memory records, a publisher in memory."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from adapters.base.publisher import BrokerUnreachable, OutboundMessage
from adapters.base.records import ExportUnreadable, Record, Rejection
from hub.domain.model import (
    Credential,
    CreditSystem,
    Grant,
    GrantKind,
    Institution,
    Rule,
)


@dataclass
class FakeReader:
    """Yields the records it was given, whatever ``path`` is; unreadable when told so."""

    items: list[Record | Rejection]
    province: str = "BC"
    unreadable: bool = False

    def read(self, path: Path) -> Iterator[Record | Rejection]:
        if self.unreadable:
            raise ExportUnreadable(f"{path}: not an export")
        yield from self.items


@dataclass
class FakePublisher:
    """Keeps published messages; can be told to fail like a broker that is down."""

    sent: list[OutboundMessage] = field(default_factory=list)
    down: bool = False
    fail_after: int | None = None
    in_topic: list[bytes] = field(default_factory=list)  # what the topic held before
    cut_after: int | None = None  # reading the topic stops answering after this many

    async def read_history(self, province: str, take) -> tuple[int, bool]:
        if self.down:
            return 0, False
        values = [*self.in_topic, *(m.value for m in self.sent)]
        if self.cut_after is not None and self.cut_after < len(values):
            take(values[:self.cut_after])
            return self.cut_after, False
        take(values)
        return len(values), True

    async def start(self) -> None:
        if self.down:
            raise BrokerUnreachable("fake broker is down")

    async def publish(self, messages: Sequence[OutboundMessage]) -> None:
        await self.start()
        if self.fail_after is not None and len(self.sent) >= self.fail_after:
            raise BrokerUnreachable("fake broker went down")
        self.sent.extend(messages)

    async def stop(self) -> None:
        pass


def institution(code: str = "UBCV", name: str = "University of British Columbia",
                province: str = "BC") -> Institution:
    return Institution(id=f"{province}:{code}", name=name,
                       credit_system=CreditSystem("credits", 3.0), version=0)


def course(ref: str = "BC:CAPU:ENGL 100", title: str = "University Writing") -> Credential:
    return Credential(id=ref, title=title, value=3.0, subject=ref.split(":")[2].split()[0],
                      level=1, version=0)


def rule(number: str = "88213", version: int = 1, credits: float | None = 3.0,
         receiving: str = "BC:UBCV", sending: str = "BC:CAPU:ENGL 100") -> Rule:
    return Rule(id=f"BC:{number}", version=version, sending=(sending,),
                receiving_institution=receiving, outcome=GrantKind.UNASSIGNED,
                alternatives=((Grant(GrantKind.UNASSIGNED, credits, subject="ENGL", level=1),),),
                effective_start=date(2015, 9, 1), notation=f"UBCV ENGL 1st ({credits})")


def changed(record: Record, **fields: object) -> Record:
    return replace(record, **fields)


def counter_clock(monkeypatch: object) -> None:
    """Runs at the epoch's first millisecond: the versions a run gives institutions and
    credentials then read as a counter (1, then 2 on a change, …)."""
    from adapters.base import snapshot

    monkeypatch.setattr(snapshot, "now_ms", lambda: 1)  # type: ignore[attr-defined]
