"""The outbox: events are recorded before sending and cleared only after acknowledgement."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from adapters.base.outbox import Outbox
from adapters.base.publisher import BrokerUnreachable
from adapters.base.runner import run_adapter
from adapters.base.snapshot import message_of
from adapters.base.statedb import STATE_FILE, open_state
from tests.unit.adapter_fakes import (
    FakePublisher,
    FakeReader,
    counter_clock,
    course,
    institution,
    rule,
)
from transferhub.events.v1 import events_pb2 as pb

EXPORT = [institution(), course(), *(rule(str(n)) for n in range(10))]


def pending(state: Path) -> int:
    with sqlite3.connect(state / STATE_FILE) as conn:
        return conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]


def ids(publisher: FakePublisher) -> list[str]:
    return [pb.EventEnvelope.FromString(m.value).event_id for m in publisher.sent]



@pytest.fixture(autouse=True)
def _counter_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Versions of institutions and credentials as a counter (the clock's part:
    test_snapshot.TestVersionsOfUnversionedRecords)."""
    counter_clock(monkeypatch)

class TestOutboxDelivery:
    """What the broker did not acknowledge stays recorded and goes out first next time."""

    def test_acknowledged_events_leave_the_outbox(self, tmp_path) -> None:
        publisher = FakePublisher()
        run_adapter(FakeReader(EXPORT), Path("x"), kafka=publisher, state_dir=tmp_path, chunk=4)
        assert len(publisher.sent) == 12 and pending(tmp_path) == 0

    def test_broker_down_keeps_the_recorded_chunk(self, tmp_path) -> None:
        # A state that remembers a run (a new one reads the topic first, and with the
        # broker down records nothing: test_snapshot.TestAStateWithNoMemory).
        run_adapter(FakeReader(EXPORT[:1]), Path("x"), kafka=FakePublisher(),
                    state_dir=tmp_path)
        with pytest.raises(BrokerUnreachable):
            run_adapter(FakeReader(EXPORT), Path("x"), kafka=FakePublisher(down=True),
                        state_dir=tmp_path, chunk=4)
        # the first chunk (less the record published before), and the second, recorded
        # while the first was on the wire
        assert pending(tmp_path) == 7

    def test_next_run_delivers_pending_first_then_the_rest_without_loss(self, tmp_path) -> None:
        reference = FakePublisher()
        run_adapter(FakeReader(EXPORT), Path("x"), kafka=reference, state_dir=tmp_path / "ref")
        failing = FakePublisher(fail_after=4)
        with pytest.raises(BrokerUnreachable):
            run_adapter(FakeReader(EXPORT), Path("x"), kafka=failing, state_dir=tmp_path, chunk=4)
        assert pending(tmp_path) == 8  # chunk 2 failed to send, chunk 3 was recorded meanwhile
        newer = [*EXPORT, rule("new")]
        recovered = FakePublisher()
        run_adapter(FakeReader(newer), Path("x"), kafka=recovered, state_dir=tmp_path, chunk=4)
        delivered = ids(failing) + ids(recovered)
        expected = ids(reference)
        assert delivered[: len(expected)] == expected  # pending chunk before anything new
        assert len(delivered) == len(expected) + 1 and pending(tmp_path) == 0

    def test_commit_is_atomic_with_the_snapshot(self, tmp_path) -> None:
        conn = open_state(tmp_path, "BC")
        outbox = Outbox(conn)
        with pytest.raises(sqlite3.IntegrityError):
            outbox.commit([], writes=[("BC:1", "rule", 1, b"d", 1, 1),
                                      (None, "rule", 1, b"", 1, 1)])
        assert conn.execute("SELECT COUNT(*) FROM entity").fetchone()[0] == 0
        conn.close()

    def test_pending_batches_come_in_recorded_order(self, tmp_path) -> None:
        from adapters.base import events

        conn = open_state(tmp_path, "BC")
        outbox = Outbox(conn)
        kw = {"province": "BC", "occurred_at": "2026-01-01T00:00:00Z", "source": "t"}
        for n in range(7):
            outbox.commit([message_of(events.rule_revoked(f"BC:{n}", version=1, **kw))])
        keys = [m.key for batch in outbox.pending(size=3) for m in batch.messages]
        assert keys == [f"BC:{n}".encode() for n in range(7)]
        conn.close()
