"""Operators see the ingest through gRPC: status with lag, dead letters, replay, a live feed."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import grpc
import pytest
from structlog.testing import capture_logs

from hub.bootstrap import start_hub
from hub.ingest.operator import ingest_factory
from hub.settings import HubSettings
from hub.store.factory import open_store
from tests.integration.ingest_helpers import produce, rule, upserted
from transferhub.broker import EmbeddedBroker
from transferhub.hub.v1 import operator_service_pb2 as pb
from transferhub.hub.v1 import operator_service_pb2_grpc as pb_grpc

pytestmark = [pytest.mark.broker, pytest.mark.timeout(120)]
TOPIC = "transferhub.events.bc"


async def _until(predicate, timeout: float = 40.0) -> None:
    for _ in range(int(timeout / 0.2)):
        if await predicate():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("condition not reached")


async def test_status_dead_letters_replay_and_watch(broker: EmbeddedBroker, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The serve process's ingest answers OperatorService and ``transferhub status``."""
    monkeypatch.setenv("TRANSFERHUB_SESSION_TIMEOUT_MS", "6000")
    settings = HubSettings.load(db_url=f"sqlite:///{tmp_path / 'hub.db'}", kafka=broker.address,
                                grpc="127.0.0.1:0", metrics="")
    hub = await start_hub(settings, ingest=ingest_factory)
    address = f"127.0.0.1:{hub.port}"
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = pb_grpc.OperatorServiceStub(channel)
            watch = stub.WatchEvents(pb.WatchEventsRequest(province="BC"))
            first = asyncio.create_task(watch.read())
            await produce(broker.address, [upserted(rule(n), 1) for n in range(20)]
                          + [(TOPIC, b"BC:x", b"\xffjunk")])

            async def all_handled() -> bool:
                s = await stub.GetStatus(pb.GetStatusRequest())
                return s.events_applied + s.dead_lettered >= 21 and s.lag == 0

            await _until(all_handled)
            notice = await asyncio.wait_for(first, 10)
            assert notice.province == "BC" and notice.outcome in ("applied", "dead_lettered")
            # What the event says happened (the unreadable one says nothing).
            assert (notice.change, notice.outcome) in (("rule_upserted", "applied"),
                                                       ("", "dead_lettered"))
            watch.cancel()

            letters = await stub.ListDeadLetters(pb.ListDeadLettersRequest())
            assert [x.reason.split(":")[0] for x in letters.dead_letters] == ["unreadable"]
            replay = await stub.ReplayDeadLetters(pb.ReplayDeadLettersRequest())
            assert (replay.applied, replay.failed) == (0, 1)  # still unreadable: it stays
            assert [(f.id, f.reason) for f in replay.failures] == [
                (letters.dead_letters[0].id, letters.dead_letters[0].reason)]
            unknown = letters.dead_letters[0].id + 1000
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await stub.ReplayDeadLetters(pb.ReplayDeadLettersRequest(
                    ids=[letters.dead_letters[0].id, unknown]))
            assert caught.value.code() is grpc.StatusCode.NOT_FOUND
            assert str(unknown) in (caught.value.details() or "")

            done = await asyncio.to_thread(
                subprocess.run, [sys.executable, "-m", "transferhub.cli.main", "status",
                                 "--json", "--hub", address], capture_output=True, timeout=60)
            assert done.returncode == 0, done.stderr
            doc = json.loads(done.stdout)
            assert (doc["events_applied"], doc["dead_lettered"], doc["lag"]) == (20, 1, 0)
            assert doc["lag_known"] is True
            assert doc["by_province"]["BC"]["events_applied"] == 20
            assert {p: v["lag"] for p, v in doc["by_province"].items()} == {
                "BC": 0}   # lag per province; ON and SK, with no event at all, are not listed
            assert doc["by_province"]["BC"]["last_event_at"].endswith("Z")
            assert doc["rules"] == 20
            lag = await hub.components[0].refresh_lag()  # type: ignore[attr-defined]
            assert lag == {"BC": 0, "ON": 0, "SK": 0}  # every province's partitions counted
    finally:
        await hub.stop(2)


async def test_a_watch_stream_does_not_hold_up_shutdown(broker: EmbeddedBroker, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """An operator's monitor is open while the hub stops: it ends at once, not after the
    server's grace period (it used to take the whole 5 s)."""
    monkeypatch.setenv("TRANSFERHUB_SESSION_TIMEOUT_MS", "6000")
    settings = HubSettings.load(db_url=f"sqlite:///{tmp_path / 'hub.db'}", kafka=broker.address,
                                grpc="127.0.0.1:0", metrics="")
    hub = await start_hub(settings, ingest=ingest_factory)
    feed = hub.components[0].ingest.feed  # type: ignore[attr-defined]
    async with grpc.aio.insecure_channel(f"127.0.0.1:{hub.port}") as channel:
        stub = pb_grpc.OperatorServiceStub(channel)
        await produce(broker.address, [upserted(rule(1), 1)])

        async def joined() -> bool:   # a hub still joining its group is slower to stop
            return (await stub.GetStatus(pb.GetStatusRequest())).events_applied == 1

        await _until(joined)
        watch = stub.WatchEvents(pb.WatchEventsRequest())
        await _until(lambda: asyncio.sleep(0, feed.watchers == 1), timeout=10)
        started = asyncio.get_running_loop().time()
        await hub.stop(5.0)
        took = asyncio.get_running_loop().time() - started
        assert await watch.code() is grpc.StatusCode.OK   # the stream ended, not cancelled
    assert took < 3.0, f"shutdown waited {took:.1f} s for the watch stream"


@pytest.mark.parametrize("broker_answers", ["in time", "too late"])
async def test_applied_and_lag_add_up_while_events_are_applied(
        broker: EmbeddedBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        broker_answers: str) -> None:
    """Status reads its counts where the lag is measured: applied + lag never exceeds what
    was published, at any moment of a long ingest (with a lag up to 2 s old it did, by
    thousands). It may fall short here: the embedded broker's end offset of a partition
    is where its last batch begins (measured: 5,003 for 6,000 records), where Kafka's is
    the high watermark. When the broker does not answer a status in time (a heavy
    ingest), the end offsets last asked are set against the same snapshot: before, the
    last lag figure stayed beside live counts (a black-box operator saw 20,000 applied
    beside a lag of the whole topic)."""
    if broker_answers == "too late":
        monkeypatch.setattr("hub.ingest.operator.STATUS_LAG_SECONDS", 0)
    monkeypatch.setenv("TRANSFERHUB_SESSION_TIMEOUT_MS", "6000")
    monkeypatch.setenv("TRANSFERHUB_MAX_BATCH", "200")   # many small batches
    settings = HubSettings.load(db_url=f"sqlite:///{tmp_path / 'hub.db'}", kafka=broker.address,
                                grpc="127.0.0.1:0", metrics="")
    hub = await start_hub(settings, ingest=ingest_factory)
    total = 6000
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{hub.port}") as channel:
            stub = pb_grpc.OperatorServiceStub(channel)
            await produce(broker.address, [upserted(rule(n), 1) for n in range(total)])
            seen = []
            for _ in range(400):
                status = await stub.GetStatus(pb.GetStatusRequest())
                if status.lag_known:
                    seen.append((status.events_applied, status.lag))
                if status.events_applied == total:
                    break
                await asyncio.sleep(0.02)
            assert seen and seen[-1] == (total, 0)
            assert any(0 < applied < total for applied, _ in seen), "no status mid-ingest"
            assert max(applied + lag for applied, lag in seen) <= total, seen
    finally:
        await hub.stop(2)


async def test_topics_named_like_a_provinces_but_not_read_are_told(
        broker: EmbeddedBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A producer writing to ``transferhub.events.ON`` (upper case) was heard by nobody:
    no dead letter, no lag, no word. The hub names such topics, once each."""
    monkeypatch.setenv("TRANSFERHUB_SESSION_TIMEOUT_MS", "6000")
    odd = ["transferhub.events.ON", "transferhub.events.on.extra"]
    await produce(broker.address, [(topic, b"k", b"v") for topic in odd]
                  + [upserted(rule(1), 1)])
    settings = HubSettings.load(db_url=f"sqlite:///{tmp_path / 'hub.db'}", kafka=broker.address,
                                grpc="127.0.0.1:0", metrics="")
    store = open_store(settings.db_url)
    ingest = ingest_factory(store, settings)
    await ingest.start()
    try:
        await _until(lambda: _true(ingest.ingest.consumer is not None
                                   and ingest.ingest.ready.is_set()))
        with capture_logs() as logs:
            assert await ingest.check_topics() == odd
            assert await ingest.check_topics() == []   # told once
        assert [e["topic"] for e in logs if e["event"] == "ingest.topic_not_read"] == odd
    finally:
        await ingest.stop()
        store.close()


async def _true(value: bool) -> bool:
    return value


@asynccontextmanager
async def _operator(db_url: str, broker: EmbeddedBroker
                    ) -> AsyncIterator[pb_grpc.OperatorServiceStub]:
    """A hub serving with its ingest over ``db_url``, and an OperatorService stub to it."""
    settings = HubSettings.load(db_url=db_url, kafka=broker.address, grpc="127.0.0.1:0",
                                metrics="")
    hub = await start_hub(settings, ingest=ingest_factory)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{hub.port}") as channel:
            yield pb_grpc.OperatorServiceStub(channel)
    finally:
        await hub.stop(2)


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_replays_at_once_send_each_dead_letter_once(
        db: str, broker: EmbeddedBroker, tmp_path: Path, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Several ``ReplayDeadLetters`` at once (an operator who ran it twice, two hubs on
    one store) share the letters out: each is produced back and applied once."""
    from datetime import UTC, datetime

    from hub.ingest.deliveries import Delivery, Handled
    from hub.ingest.errors import UnreadableEvent

    monkeypatch.setenv("TRANSFERHUB_SESSION_TIMEOUT_MS", "6000")
    url = (f"sqlite:///{tmp_path / 'hub.db'}" if db == "sqlite"
           else str(request.getfixturevalue("pg_url")))
    letters = 400
    store = open_store(url)
    try:   # letters that read today: refused once by a rule the hub has since changed
        with store.unit_of_work() as uow:
            for n in range(letters):
                _, key, value = upserted(rule(n), 1)
                uow.ledger.add_dead_letter(Handled(
                    Delivery(TOPIC, 0, n, key, value),
                    poison=UnreadableEvent("store_rejected", "then")).dead_letter(
                        datetime.now(UTC)))
            uow.commit()
    finally:
        store.close()
    async with _operator(url, broker) as stub:
        replays = await asyncio.gather(*(
            stub.ReplayDeadLetters(pb.ReplayDeadLettersRequest()) for _ in range(3)))
        assert sum(r.applied for r in replays) == letters
        assert all(r.failed == 0 for r in replays)

        async def all_applied() -> bool:
            s = await stub.GetStatus(pb.GetStatusRequest())
            return s.events_applied >= letters and s.lag == 0

        await _until(all_applied)
        status = await stub.GetStatus(pb.GetStatusRequest())
        assert (status.events_applied, status.events_duplicate) == (letters, 0)
        left = await stub.ListDeadLetters(pb.ListDeadLettersRequest())
        assert list(left.dead_letters) == []


@pytest.mark.postgres
async def test_an_ingest_that_applies_nothing_while_events_wait_says_so(
        broker: EmbeddedBroker, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``ingest.stalled`` once nothing is applied for TRANSFERHUB_STALL_SECONDS while events
    wait, ``ingest.stall_over`` after. Here another session holds the offsets table against
    writes (reads go on, so the lag is measured), as a stuck consumer group would leave
    the store unmoved."""
    import psycopg

    monkeypatch.setenv("TRANSFERHUB_SESSION_TIMEOUT_MS", "6000")
    monkeypatch.setenv("TRANSFERHUB_STALL_SECONDS", "3")
    async with _operator(pg_url, broker) as stub:
        await produce(broker.address, [upserted(rule(n), 1) for n in range(5)])

        async def applied(n: int) -> bool:
            s = await stub.GetStatus(pb.GetStatusRequest())
            return s.events_applied >= n and s.lag == 0

        await _until(lambda: applied(5))
        with capture_logs() as logs:
            holder = psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql"))
            holder.execute("LOCK TABLE consumer_offset IN EXCLUSIVE MODE")
            try:
                await produce(broker.address, [upserted(rule(n), 1) for n in range(5, 10)])

                async def stalled() -> bool:
                    return any(e["event"] == "ingest.stalled" for e in logs)

                await _until(stalled, timeout=40)
            finally:
                holder.rollback()
                holder.close()
            await _until(lambda: applied(10))

            async def over() -> bool:
                return any(e["event"] == "ingest.stall_over" for e in logs)

            await _until(over, timeout=20)
        (warning,) = [e for e in logs if e["event"] == "ingest.stalled"]
        assert warning["log_level"] == "warning" and 0 < warning["lag"] <= 5
        assert warning["seconds"] >= 3 and "stuck rebalancing" in warning["hint"]
        assert warning["partitions"] and all(name.startswith(f"{TOPIC}[")
                                             for name in warning["partitions"])
