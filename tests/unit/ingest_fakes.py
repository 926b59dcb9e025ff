"""A consumer and a producer that stand in for aiokafka's in tests of ``handle_batch``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka import TopicPartition


class FakeConsumer:
    """Assigned ``partitions``; keeps the offsets committed to it."""

    def __init__(self, *partitions: TopicPartition) -> None:
        self.partitions = set(partitions)
        self.committed: list[dict[TopicPartition, int]] = []

    def assignment(self) -> set[TopicPartition]:
        return self.partitions

    def pause(self, *_: object) -> None: ...

    def resume(self, *_: object) -> None: ...

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.committed.append(offsets)


class FakeProducer:
    """Keeps the values sent; raises ``failures`` first, one a send."""

    def __init__(self, failures: Iterable[Exception] = ()) -> None:
        self.failures = list(failures)
        self.sent: list[bytes] = []

    async def send(self, topic: str, value: bytes, key: bytes | None,
                   headers: list) -> asyncio.Future:  # type: ignore[type-arg]
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(value)
        done: asyncio.Future = asyncio.get_running_loop().create_future()  # type: ignore[type-arg]
        done.set_result(None)
        return done
