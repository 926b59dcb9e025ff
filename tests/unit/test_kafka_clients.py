"""Stopping an aiokafka client whatever the broker did (:mod:`transferhub.kafka_clients`)."""

from __future__ import annotations

import asyncio

import pytest

from transferhub.kafka_clients import stop_quietly


class _Connections:
    def __init__(self) -> None:
        self.closed = False

    async def close(self) -> None:
        self.closed = True


class _Client:
    """A stand-in for an aiokafka client whose ``stop`` fails the way aiokafka's does."""

    def __init__(self, stop: str) -> None:
        self.how = stop
        self._client = _Connections()

    async def stop(self) -> None:
        if self.how == "cancelled":  # a fetch it cancelled itself, re-raised
            fetch = asyncio.ensure_future(asyncio.sleep(10))
            fetch.cancel()
            await fetch
        elif self.how == "hangs":  # waits for a coordinator nobody answers for
            await asyncio.Event().wait()
        elif self.how == "raises":
            raise RuntimeError("never started")


class TestStopQuietly:
    """It returns in bounded time and leaves no connection open, but lets Ctrl-C through."""

    @pytest.mark.parametrize("how", ["cancelled", "hangs", "raises"])
    def test_a_failed_stop_closes_the_connections(self, how: str) -> None:
        client = _Client(how)
        asyncio.run(asyncio.wait_for(stop_quietly(client, timeout=0.2), 5))
        assert client._client.closed

    def test_a_stop_that_ends_is_all(self) -> None:
        client = _Client("ends")
        asyncio.run(stop_quietly(client, timeout=0.2))
        assert not client._client.closed

    def test_the_callers_own_cancellation_goes_on_up(self) -> None:
        async def main() -> None:
            task = asyncio.ensure_future(stop_quietly(_Client("hangs"), timeout=30))
            await asyncio.sleep(0.05)
            task.cancel()
            await task

        with pytest.raises(asyncio.CancelledError):
            asyncio.run(main())
