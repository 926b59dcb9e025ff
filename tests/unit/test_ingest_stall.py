"""``ingest.stalled``: partitions with events waiting that the store has not moved.

The integration test (tests/integration/test_ingest_operator.py) stalls a real hub;
this one drives the watch with chosen offsets and a chosen clock, to pin that one
stuck partition is told while the others move, and that a caught-up one never is.
"""

from __future__ import annotations

import pytest
from aiokafka import TopicPartition
from structlog.testing import capture_logs

from hub.ingest import operator
from hub.ingest.operator import HubIngest
from hub.ingest.settings import IngestSettings
from hub.store.memory_ledger import InMemoryStore

BC0, BC1 = TopicPartition("transferhub.events.bc", 0), TopicPartition("transferhub.events.bc", 1)


def test_one_stuck_partition_is_told_while_another_moves(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    clock = [100.0]
    monkeypatch.setattr(operator.time, "monotonic", lambda: clock[0])
    hub = HubIngest(InMemoryStore(), IngestSettings("127.0.0.1:1", stall_seconds=60))
    with capture_logs() as logs:
        for second in range(0, 130, 10):   # bc[0] moves on every look; bc[1] never
            clock[0] = 100.0 + second
            hub._set_lag({BC0: 10_000, BC1: 50}, {("transferhub.events.bc", 0): second,
                                                  ("transferhub.events.bc", 1): 7})
        stalled = [e for e in logs if e["event"] == "ingest.stalled"]
        assert len(stalled) == 1   # told once, not at every look
        assert stalled[0]["partitions"] == ["transferhub.events.bc[1]"]
        assert stalled[0]["lag"] == 43 and stalled[0]["seconds"] == 60
        assert hub.ingest.metrics.stalled._value.get() == 120
        clock[0] += 10   # bc[1] moves: the stall is over
        hub._set_lag({BC0: 10_000, BC1: 50}, {("transferhub.events.bc", 0): 200,
                                              ("transferhub.events.bc", 1): 8})
        assert [e["event"] for e in logs][-1] == "ingest.stall_over"
        assert hub.ingest.metrics.stalled._value.get() == 0


def test_a_caught_up_partition_is_never_stalled(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    monkeypatch.setattr(operator.time, "monotonic", lambda: clock[0])
    hub = HubIngest(InMemoryStore(), IngestSettings("127.0.0.1:1", stall_seconds=60))
    with capture_logs() as logs:
        for second in range(0, 600, 10):
            clock[0] = float(second)
            hub._set_lag({BC0: 5}, {("transferhub.events.bc", 0): 5})
    assert not [e for e in logs if e["event"] == "ingest.stalled"]
