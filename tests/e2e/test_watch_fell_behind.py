"""Over a real gRPC server: a watcher too slow for the ingest is told what it missed.

The hub never waits for a ``WatchEvents`` client; when one reads more slowly
than events are applied, the events it could not be sent are dropped and the
next ``AppliedEvent`` says how many (``missed``): received + missed = handled.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest

from hub.api.operator import AppliedNotice
from tests.e2e import test_grpc_api as grpc_api
from transferhub.hub.v1 import operator_service_pb2 as op
from transferhub.hub.v1.operator_service_pb2_grpc import OperatorServiceStub

pytestmark = pytest.mark.timeout(120)
TOTAL = 60_000
WHEN = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)


@pytest.fixture
def ingest() -> grpc_api.FeedIngest:
    return grpc_api.FeedIngest()


@pytest.fixture
async def channel(tmp_path: Path, ingest: grpc_api.FeedIngest
                  ) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc_api.serving(f"sqlite:///{tmp_path / 'hub.db'}", ingest) as chan:
        yield chan


def _notices(start: int, n: int) -> list[AppliedNotice]:
    return [AppliedNotice(f"e{i}", "BC" if i % 3 else "ON", f"BC:{i}", 1, "applied", WHEN,
                          "rule_upserted") for i in range(start, start + n)]


async def _flood_unread(ingest: grpc_api.FeedIngest) -> None:
    """Once the stream is open, the ingest applies TOTAL events, a batch at a time, while
    the client reads nothing."""
    for _ in range(200):   # the stream is open once the hub counts the watcher
        if ingest.feed.watchers:
            break
        await asyncio.sleep(0.05)
    for start in range(0, TOTAL, 1000):
        ingest.feed.publish(_notices(start, 1000))
        await asyncio.sleep(0.002)


async def test_received_plus_missed_is_every_event_handled(
        channel: grpc.aio.Channel, ingest: grpc_api.FeedIngest) -> None:
    call = OperatorServiceStub(channel).WatchEvents(op.WatchEventsRequest())
    await _flood_unread(ingest)
    received, missed, last = 0, 0, ""
    while last != f"e{TOTAL - 1}":   # the newest is never the one dropped
        event = await asyncio.wait_for(call.read(), timeout=10)
        received, missed, last = received + 1, missed + event.missed, event.event_id
    call.cancel()
    assert missed > 0, "the client kept up: nothing shows the accounting"
    assert received + missed == TOTAL


async def test_a_province_watcher_misses_only_its_provinces_events(
        channel: grpc.aio.Channel, ingest: grpc_api.FeedIngest) -> None:
    call = OperatorServiceStub(channel).WatchEvents(op.WatchEventsRequest(province="on"))
    await _flood_unread(ingest)
    ontario = sum(1 for i in range(TOTAL) if i % 3 == 0)
    newest = f"e{max(i for i in range(TOTAL) if i % 3 == 0)}"
    received, missed, last = 0, 0, ""
    while last != newest:
        event = await asyncio.wait_for(call.read(), timeout=10)
        assert event.province == "ON"
        received, missed, last = received + 1, missed + event.missed, event.event_id
    call.cancel()
    assert missed > 0
    assert received + missed == ontario
