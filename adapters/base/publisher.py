"""Publishing events: the ``EventPublisher`` port and its aiokafka implementation.

Errors of this layer:

    PublishError            base
    └── BrokerUnreachable   the broker did not answer or acknowledge after retrying
                            for a few seconds; retryable later (exit 3, outbox kept)

The Kafka publisher waits for ``acks="all"`` and sends a whole batch with many
messages in flight (``send()`` for all, then one ``gather``). The idempotent
producer stays off: the embedded broker rejects it, and deterministic event ids
make duplicates harmless anyway.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
)

from transferhub.broker import event_topic
from transferhub.kafka_clients import cancelled_here, stop_quietly


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One Kafka message: topic, key and the serialized envelope."""

    topic: str
    key: bytes
    value: bytes


class PublishError(Exception):
    """Publishing failed."""

    retryable = True


class BrokerUnreachable(PublishError):
    """The broker could not be reached or did not acknowledge, after retrying."""


class EventPublisher(Protocol):
    """Where the adapter's events go."""

    async def start(self) -> None:
        """Connect; raise :class:`BrokerUnreachable` when that is impossible."""

    async def publish(self, messages: Sequence[OutboundMessage]) -> None:
        """Send all ``messages`` in order and return once every one is acknowledged."""

    async def stop(self) -> None:
        """Flush and disconnect."""

    async def read_history(self, province: str,
                           take: Callable[[list[bytes]], None]) -> tuple[int, bool]:
        """Give ``take`` every message value of ``province``'s topic, batch by batch, from
        the beginning to the end it has now; ``(values read, whether to the end)``. ``(0,
        False)`` when the broker does not answer; ``(0, True)`` for an empty topic."""


class KafkaEventPublisher:
    """An :class:`EventPublisher` on any Kafka-compatible broker, through aiokafka."""

    def __init__(self, bootstrap: str, *, retry_seconds: float = 5.0,
                 linger_ms: int = 10, max_batch_size: int = 256 * 1024) -> None:
        self.bootstrap = bootstrap
        self.retry_seconds = retry_seconds
        self._options = {"linger_ms": linger_ms, "max_batch_size": max_batch_size}
        self._producer = None

    def _retrying(self) -> AsyncRetrying:
        from aiokafka.errors import KafkaError

        return AsyncRetrying(
            stop=stop_after_delay(self.retry_seconds),
            wait=wait_exponential(multiplier=0.1, max=1.0),
            retry=retry_if_exception_type((KafkaError, OSError, asyncio.TimeoutError)),
        )

    async def _new_producer(self) -> Any:
        from aiokafka import AIOKafkaProducer

        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=False,
            request_timeout_ms=max(int(self.retry_seconds * 1000), 1000),
            retry_backoff_ms=100, **self._options,
        )
        try:
            await producer.start()
        except BaseException:
            await producer.stop()
            raise
        return producer

    async def start(self) -> None:
        """Connect to the broker, retrying with backoff for ``retry_seconds``."""
        if self._producer is not None:
            return
        try:
            async for attempt in self._retrying():
                with attempt:
                    self._producer = await self._new_producer()
        except RetryError as exc:
            raise BrokerUnreachable(
                f"the broker at {self.bootstrap} cannot be reached "
                f"(tried for {self.retry_seconds:g}s: {exc.last_attempt.exception()})"
            ) from None

    async def read_history(self, province: str, take: Callable[[list[bytes]], None],
                           timeout: float = 3.0) -> tuple[int, bool]:
        """Read ``province``'s topic from the beginning to its current end (see the
        protocol); gives up when the broker says nothing for ``timeout`` seconds. A
        broker that cannot be reached at all is tried again for ``retry_seconds``, as
        sending is (CLI.md: exit 3 "after retrying for a few seconds")."""
        clock = asyncio.get_running_loop().time
        deadline = clock() + self.retry_seconds
        while True:
            read, whole = await self._read_history_once(province, take, timeout)
            if whole or read or clock() >= deadline:
                return read, whole
            await asyncio.sleep(min(0.5, max(0.0, deadline - clock())))

    async def _read_history_once(self, province: str, take: Callable[[list[bytes]], None],
                                 timeout: float) -> tuple[int, bool]:
        from aiokafka import AIOKafkaConsumer, TopicPartition

        topic = event_topic(province)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                    request_timeout_ms=int(timeout * 1000),
                                    max_partition_fetch_bytes=4 * 1024 * 1024)
        read = 0
        try:
            await asyncio.wait_for(consumer.start(), timeout)
            if topic not in await asyncio.wait_for(consumer.topics(), timeout):
                return 0, True
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            ends = await asyncio.wait_for(consumer.end_offsets(parts), timeout) if parts else {}
            left = {tp: end for tp, end in ends.items() if end > 0}
            if not left:
                return 0, True
            consumer.assign(list(left))
            await consumer.seek_to_beginning(*left)
            clock = asyncio.get_running_loop().time
            quiet_since = clock()
            # The end offsets are a floor, not the end: the embedded broker reports where a
            # partition's last batch begins. So read until a poll finds nothing more with
            # every partition past its floor (nothing else writes the province's topic
            # while its adapter runs).
            past_floor = False
            while True:  # past every floor, a longer poll must find nothing more
                batches = await consumer.getmany(timeout_ms=1000 if past_floor else 300,
                                                 max_records=10_000)
                if any(batches.values()):
                    quiet_since, past_floor = clock(), False
                    for records in batches.values():
                        values = [r.value for r in records if r.value is not None]
                        take(values)
                        read += len(values)
                    continue
                if past_floor:
                    break
                behind = [tp for tp in left if await consumer.position(tp) < left[tp]]
                past_floor = not behind
                if behind and clock() - quiet_since > timeout:
                    return read, False
            return read, True
        except asyncio.CancelledError:
            # aiokafka cancels its own requests when the broker stops answering; only a
            # cancellation of this task (Ctrl-C) goes on up.
            if cancelled_here():
                raise
            return read, False
        except Exception:  # unreachable or slow: the caller says so and fails the run
            return read, False
        finally:
            await stop_quietly(consumer)

    async def publish(self, messages: Sequence[OutboundMessage]) -> None:
        """Send every message with many in flight; resend the batch on failure."""
        await self.start()
        try:
            async for attempt in self._retrying():
                with attempt:
                    await self._send_all(messages)
        except RetryError as exc:
            raise BrokerUnreachable(
                f"the broker at {self.bootstrap} did not acknowledge {len(messages)} events "
                f"(tried for {self.retry_seconds:g}s: {exc.last_attempt.exception()})"
            ) from None

    async def _send_all(self, messages: Sequence[OutboundMessage]) -> None:
        """Build record batches per partition ourselves and send them all in flight.

        Partitions come from Kafka's default partitioner (murmur2 of the key, as
        aiokafka's own ``send`` does), so an entity's events always share one
        partition; building batches directly skips a future per message.
        """
        from aiokafka.partitioner import murmur2

        producer = self._producer
        assert producer is not None
        groups: dict[tuple[str, int], list[OutboundMessage]] = {}
        counts: dict[str, int] = {}
        for message in messages:
            if message.topic not in counts:
                counts[message.topic] = len(await producer.partitions_for(message.topic))
            partition = (murmur2(message.key) & 0x7FFFFFFF) % counts[message.topic]
            groups.setdefault((message.topic, partition), []).append(message)
        futures = []
        for (topic, partition), group in groups.items():
            batch = producer.create_batch()
            for message in group:
                if batch.append(key=message.key, value=message.value, timestamp=None) is None:
                    futures.append(await producer.send_batch(batch, topic, partition=partition))
                    batch = producer.create_batch()
                    batch.append(key=message.key, value=message.value, timestamp=None)
            futures.append(await producer.send_batch(batch, topic, partition=partition))
        # Wait for all acks even if one fails, so nothing is left pending on retry.
        results = await asyncio.gather(*futures, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def stop(self) -> None:
        """Disconnect, waiting at most ``retry_seconds`` for unsent messages."""
        producer, self._producer = self._producer, None
        if producer is not None:
            # A failed stop must not hide the error that ended the run.
            await stop_quietly(producer, self.retry_seconds)
