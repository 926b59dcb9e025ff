"""``grpc.health.v1`` says NOT_SERVING while the hub's store cannot be read.

A black-box tester took the database away: every query answered UNAVAILABLE
while Health said SERVING, so a load balancer or a readiness probe kept sending
the hub traffic it could not answer.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from hub.api.server import QUERY_SERVICE, create_server, stop_server
from hub.store.errors import StoreUnavailable
from hub.store.memory_ledger import InMemoryStore

SERVING, NOT_SERVING = (health_pb2.HealthCheckResponse.SERVING,
                        health_pb2.HealthCheckResponse.NOT_SERVING)


class _Switchable(InMemoryStore):
    """An in-memory store whose reads fail (``down``) or hang (``frozen``) on demand."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.frozen = threading.Event()
        self.thawed = threading.Event()
        self.hanging = 0   # reads that met the frozen store

    @contextmanager
    def reader(self) -> Iterator:  # type: ignore[type-arg, override]
        if self.frozen.is_set():
            self.hanging += 1
            self.thawed.wait(10)
        if self.down:
            raise StoreUnavailable("the database cannot be reached")
        with super().reader() as repo:
            yield repo


async def _statuses(port: int) -> tuple[int, int]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        whole = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2)
        query = await stub.Check(health_pb2.HealthCheckRequest(service=QUERY_SERVICE),
                                 timeout=2)
        return whole.status, query.status


async def _until(port: int, expected: tuple[int, int], seconds: float = 5) -> tuple[int, int]:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        found = await _statuses(port)
        if found == expected or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.05)


class TestHealthFollowsTheStore:
    """Health is SERVING while the store answers, NOT_SERVING while it fails or hangs."""

    def test_a_store_gone_and_back(self) -> None:
        async def scenario() -> None:
            store = _Switchable()
            server, port = await create_server(store, store_probe_seconds=0.1)
            try:
                assert await _statuses(port) == (SERVING, SERVING)
                store.down = True
                assert await _until(port, (NOT_SERVING, NOT_SERVING)) == (NOT_SERVING,
                                                                          NOT_SERVING)
                store.down = False
                assert await _until(port, (SERVING, SERVING)) == (SERVING, SERVING)
            finally:
                await stop_server(server, grace=0)

        asyncio.run(scenario())

    def test_a_store_that_hangs_is_not_serving_and_not_probed_again_meanwhile(self) -> None:
        async def scenario() -> None:
            store = _Switchable()
            server, port = await create_server(store, store_probe_seconds=0.1)
            try:
                store.frozen.set()
                assert await _until(port, (NOT_SERVING, NOT_SERVING)) == (NOT_SERVING,
                                                                          NOT_SERVING)
                await asyncio.sleep(0.5)   # five more probe intervals
                assert store.hanging == 1  # the hung probe is waited for, not piled on
                store.frozen.clear()
                store.thawed.set()
                assert await _until(port, (SERVING, SERVING)) == (SERVING, SERVING)
            finally:
                store.thawed.set()
                await stop_server(server, grace=0)

        asyncio.run(scenario())
