"""Adapters against the real embedded broker: exactly the changes, nothing lost, CLI contract."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.base.publisher import BrokerUnreachable, KafkaEventPublisher
from adapters.base.runner import RunSummary, run_adapter
from adapters.base.statedb import STATE_FILE
from tests.unit.adapter_fakes import (
    FakePublisher,
    FakeReader,
    changed,
    counter_clock,
    course,
    institution,
    rule,
)
from transferhub.broker import free_port
from transferhub.events.v1 import events_pb2 as pb

pytestmark = pytest.mark.broker
TOPIC_BC, TOPIC_ON = "transferhub.events.bc", "transferhub.events.on"
BASE = [institution(), institution("CAPU", "Capilano"), course(), course("BC:CAPU:CSCI 110"),
        *(rule(str(n)) for n in range(20))]


async def _consume(address: str, topic: str,
                   expect: int) -> list[tuple[int, pb.EventEnvelope, bytes]]:
    """Every message in ``topic``, (partition, envelope, key) in partition order.

    Reads until ``expect`` messages arrived, then a quiet second more to catch extras
    (end offsets are not message counts on every Kafka-compatible broker).
    """
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=address, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()  # the topic may be new to this client
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        out: list[tuple[int, pb.EventEnvelope, bytes]] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=1000 if len(out) >= expect else 300)
            if not batches and len(out) >= expect:
                break
            for tp, msgs in batches.items():
                out += [(tp.partition, pb.EventEnvelope.FromString(m.value), m.key) for m in msgs]
        return sorted(out, key=lambda item: item[0])  # stable: keeps offset order per partition
    finally:
        await consumer.stop()


def consume(address: str, topic: str = TOPIC_BC,
            expect: int = 0) -> list[tuple[int, pb.EventEnvelope, bytes]]:
    return asyncio.run(_consume(address, topic, expect))


def run(items, address: str, state: Path, **kw) -> RunSummary:
    publisher = KafkaEventPublisher(address, retry_seconds=kw.pop("retry_seconds", 5.0))
    return run_adapter(FakeReader(list(items)), Path("export"), kafka=publisher, state_dir=state,
                       **kw)


def expected(items, state: Path) -> list[pb.EventEnvelope]:
    """What the same runs send to an in-memory publisher (occurred_at aside)."""
    publisher = FakePublisher()
    run_adapter(FakeReader(list(items)), Path("export"), kafka=publisher, state_dir=state)
    return [pb.EventEnvelope.FromString(m.value) for m in publisher.sent]


def comparable(envs) -> set[bytes]:
    out = set()
    for env in envs:
        copy = pb.EventEnvelope()
        copy.CopyFrom(env)
        copy.occurred_at = ""
        out.add(copy.SerializeToString(deterministic=True))
    return out


@pytest.fixture(autouse=True)
def _counter_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs give institutions and credentials counter versions (1, 2, …), so a
    run compares with a reference run of its own (the clock's part is unit-tested)."""
    counter_clock(monkeypatch)


class TestPublishing:
    """A run publishes exactly its changes, keyed by entity, and nothing on a repeat."""

    def test_first_repeat_and_changed_runs(self, broker, tmp_path) -> None:
        summary = run(BASE, broker.address, tmp_path / "s")
        first = consume(broker.address, expect=24)
        want = expected(BASE, tmp_path / "ref")
        assert summary.published == len(want) == len(first) == 24
        assert comparable(e for _, e, _ in first) == comparable(want)
        assert all(key == env.entity_key.encode() for _, env, key in first)
        from aiokafka.partitioner import murmur2  # Kafka's default partitioner: key → partition

        assert all(part == (murmur2(key) & 0x7FFFFFFF) % 3 for part, _, key in first)
        assert all(env.occurred_at.endswith("Z") for _, env, _ in first)

        again = run(BASE, broker.address, tmp_path / "s")
        assert (again.published, again.retired, again.unchanged) == (0, 0, 24)
        assert len(consume(broker.address, expect=24)) == 24

        # ENGL 100 and rule 5 change, rule "new" appears, CSCI 110 and rules 18, 19 vanish.
        newer = [*BASE[:2], changed(BASE[2], title="Writing II"),
                 *(r for r in BASE[4:22] if r.id != "BC:5"),
                 rule("5", version=2, credits=6.0), rule("new")]
        summary = run(newer, broker.address, tmp_path / "s")
        diff = consume(broker.address, expect=30)
        fresh = [env for _, env, _ in diff if env.event_id not in {e.event_id for e in want}]
        got = sorted((e.WhichOneof("payload"), e.entity_key, e.version) for e in fresh)
        assert got == sorted([
            ("credential_upserted", "BC:CAPU:ENGL 100", 2), ("rule_upserted", "BC:5", 2),
            ("rule_upserted", "BC:new", 1), ("credential_retired", "BC:CAPU:CSCI 110", 1),
            ("rule_revoked", "BC:18", 1), ("rule_revoked", "BC:19", 1)])
        assert (summary.published, summary.retired) == (3, 3)


class TestBrokerDown:
    """With the broker down the outbox keeps the events; the next run sends them first."""

    def test_outbox_is_delivered_first_and_nothing_is_lost(self, broker, tmp_path) -> None:
        dead = f"127.0.0.1:{free_port()}"
        run(BASE[:2], broker.address, tmp_path / "s")  # a state that remembers a run
        before = {e.event_id for _, e, _ in consume(broker.address, expect=2)}
        with pytest.raises(BrokerUnreachable):
            run(BASE, dead, tmp_path / "s", chunk=6, retry_seconds=0.5)
        with sqlite3.connect(tmp_path / "s" / STATE_FILE) as conn:
            kept = {pb.EventEnvelope.FromString(v).event_id
                    for (v,) in conn.execute("SELECT value FROM outbox")}
        # Two chunks: one failed on the wire, one recorded meanwhile (the first chunk's
        # two institutions were published by the first run and are unchanged).
        assert len(kept) == 10
        newer = [*BASE, rule("new")]
        run(newer, broker.address, tmp_path / "s", chunk=6)
        got = consume(broker.address, expect=25)
        assert comparable(e for _, e, _ in got) == comparable(expected(newer, tmp_path / "ref"))
        for partition in {p for p, _, _ in got}:
            order = [e.event_id in kept for p, e, _ in got
                     if p == partition and e.event_id not in before]
            assert order == sorted(order, reverse=True)  # every kept event before any new one


def cli(*args: str, **kw) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRANSFERHUB_KAFKA": kw.pop("kafka", "127.0.0.1:1")}
    return subprocess.run([sys.executable, "-m", "transferhub.cli.main", "adapter", *args],
                          capture_output=True, text=True, env=env, timeout=120, **kw)


def watching(inbox: Path, state: Path, kafka: str, *, as_json: bool = True,
             ) -> subprocess.Popen[str]:
    """``python -m adapters.ontario --watch inbox --json`` started (the caller stops it)."""
    inbox.mkdir()
    return subprocess.Popen(
        [sys.executable, "-m", "adapters.ontario", "--watch", str(inbox), "--state", str(state),
         *(["--json"] if as_json else [])], env={**os.environ, "TRANSFERHUB_KAFKA": kafka},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


ONTARIO = "\n".join([
    '{"type":"institution","id":"SENE","name":"Seneca","credit_unit":"hours","standard_course":42}',
    '{"type":"institution","id":"YORK","name":"York","credit_unit":"credit weight",'
    '"standard_course":0.5}',
    '{"type":"credential","kind":"course","institution":"SENE","code":"IPC144","title":"C",'
    '"value":56,"subject":"IPC","level":1}',
    '{"type":"equivalency","id":"ONT-1","version":3,"from":["SENE:IPC144"],"to":{"institution":'
    '"YORK","grant":"course","courses":[{"code":"EECS 1015","value":0.5}]},'
    '"effective_start":"2019-09-01","effective_end":null}',
    '{"type":"nonsense"}',
]) + "\n"


class TestCommandLine:
    """The CLI keeps CLI.md's JSON shape and exit codes."""

    def test_json_summary_matches_cli_md_key_by_key(self, broker, tmp_path) -> None:
        export = tmp_path / "on.jsonl"
        export.write_text(ONTARIO)
        done = cli("ontario", str(export), "--state", str(tmp_path / "s"), "--json",
                   kafka=broker.address)
        assert done.returncode == 0, done.stderr
        doc = json.loads(done.stdout)
        # CLI.md's keys in its order, then the added ones (CLI.md allows more keys)
        assert list(doc) == ["province", "published", "retired", "unchanged", "rejected", "kept",
                             "redelivered", "removals_withheld", "withheld_because",
                             "older_rules", "vanished_institutions", "earlier_runs_unknown",
                             "recovered"]
        assert (doc["province"], doc["published"], doc["retired"], doc["unchanged"],
                doc["kept"], doc["redelivered"], doc["removals_withheld"],
                doc["vanished_institutions"], doc["earlier_runs_unknown"]) == (
                    "ON", 4, 0, 0, 0, 0, False, [], False)
        [rejection] = doc["rejected"]
        assert list(rejection) == ["where", "reason"] and rejection["where"] == "line 5"
        assert len(consume(broker.address, TOPIC_ON, expect=4)) == 4

    def test_damaged_rule_line_is_kept_and_revoked_only_once_gone(self, broker,
                                                                   tmp_path) -> None:
        good = ONTARIO.replace('\n{"type":"nonsense"}', "")
        rule_line = next(line for line in good.splitlines() if '"ONT-1"' in line)
        damaged = good.replace(rule_line, rule_line.replace('"version":3', '"version":0'))
        runs = []
        for text in (good, damaged, good.replace(rule_line + "\n", "")):
            export = tmp_path / "on.jsonl"
            export.write_text(text)
            done = cli("ontario", str(export), "--state", str(tmp_path / "s"), "--json",
                       kafka=broker.address)
            assert done.returncode == 0, done.stderr
            runs.append(json.loads(done.stdout))
        assert [(r["published"], r["retired"], r["kept"]) for r in runs] == [
            (4, 0, 0), (0, 0, 1), (0, 1, 0)]
        events = [env for _, env, _ in consume(broker.address, TOPIC_ON, expect=5)]
        # one entity's events share a partition, so they keep their order
        assert [e.WhichOneof("payload") for e in events if e.entity_key == "ON:ONT-1"] == [
            "rule_upserted", "rule_revoked"]

    def test_a_state_folder_new_beside_a_used_topic_is_rebuilt_from_it(self, broker,
                                                                       tmp_path) -> None:
        """A lost --state: the adapter reads what its topic told the hub, so a record
        removed from the export since is revoked, not left live for good."""
        export = tmp_path / "on.jsonl"
        export.write_text(ONTARIO)
        first = cli("ontario", str(export), "--state", str(tmp_path / "s"), "--json",
                    kafka=broker.address)
        assert json.loads(first.stdout)["recovered"] == 0
        rule_line = next(line for line in ONTARIO.splitlines() if '"ONT-1"' in line)
        export.write_text(ONTARIO.replace(rule_line + "\n", ""))
        lost = json.loads(cli("ontario", str(export), "--state", str(tmp_path / "lost"),
                              "--json", kafka=broker.address).stdout)
        assert (lost["recovered"], lost["published"], lost["retired"], lost["unchanged"],
                lost["earlier_runs_unknown"]) == (4, 0, 1, 3, False)
        events = [env for _, env, _ in consume(broker.address, TOPIC_ON, expect=5)]
        assert [(e.WhichOneof("payload"), e.version) for e in events
                if e.entity_key == "ON:ONT-1"] == [("rule_upserted", 3), ("rule_revoked", 3)]
        shown = cli("ontario", str(export), "--state", str(tmp_path / "lost-too"),
                    kafka=broker.address)
        assert shown.returncode == 0 and "rebuilt from the province's topic" in shown.stdout
        inbox = tmp_path / "inbox"
        service = watching(inbox, tmp_path / "watched", broker.address, as_json=False)
        try:
            (inbox / "on.jsonl").write_text(ONTARIO)
            deadline = time.monotonic() + 60
            while not (inbox / "processed" / "on.jsonl.report.json").exists():
                assert service.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        finally:
            service.send_signal(signal.SIGTERM)
            _, err = service.communicate(timeout=30)
        assert "note: this --state folder had no record of an earlier run" in err

    def test_an_export_named_in_bytes_that_are_not_utf8_is_published(self, broker,
                                                                    tmp_path) -> None:
        """The file system allows any bytes in a name; the run still publishes, and its
        events and --json say the name with backslash escapes, never a traceback."""
        export = tmp_path / os.fsdecode(b"on\xff.jsonl")
        export.write_text(ONTARIO)
        done = cli("ontario", str(export), "--state", str(tmp_path / "s"), "--json",
                   kafka=broker.address)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        assert json.loads(done.stdout)["published"] == 4
        events = [env for _, env, _ in consume(broker.address, TOPIC_ON, expect=4)]
        assert {e.source for e in events} == {"transferhub adapter ON: on\\xff.jsonl"}

    def test_unreachable_broker_exits_3_and_keeps_the_outbox(self, broker, tmp_path) -> None:
        export = tmp_path / "on.jsonl"
        rule_line = next(line for line in ONTARIO.splitlines() if '"ONT-1"' in line)
        export.write_text(ONTARIO.replace(rule_line + "\n", ""))
        first = cli("ontario", str(export), "--state", str(tmp_path / "s"), "--json",
                    kafka=broker.address)
        assert json.loads(first.stdout)["published"] == 3
        export.write_text(ONTARIO)
        down = cli("ontario", str(export), "--state", str(tmp_path / "s"), "--json",
                   kafka=f"127.0.0.1:{free_port()}")
        assert down.returncode == 3
        assert "keeps 1 event" in down.stderr and "Traceback" not in down.stderr
        # --json: one document still, the summary's shape with the error.
        failed = json.loads(down.stdout)
        assert (failed["code"], failed["exit_code"], failed["published"]) == ("UNAVAILABLE", 3, 0)
        assert "keeps 1 event" in failed["error"]
        # One message says it; not one line per failed connection attempt.
        assert "Unable connect" not in down.stderr and len(down.stderr.splitlines()) == 1
        up = cli("ontario", str(export), "--state", str(tmp_path / "s"), "--json",
                 kafka=broker.address)
        assert up.returncode == 0
        assert {k: json.loads(up.stdout)[k] for k in ("published", "unchanged", "redelivered")} == {
            "published": 0, "unchanged": 4, "redelivered": 1}
        assert len(consume(broker.address, TOPIC_ON, expect=4)) == 4

    def test_a_lost_state_with_the_broker_down_still_rejects_a_change_next_time(
            self, broker, tmp_path) -> None:
        """A tester's history: state lost, broker down, then up. The change of a rule
        without a higher version is rejected, as with the state kept, not recorded as
        published at a version the hub already holds (and would ignore)."""
        export = tmp_path / "on.jsonl"
        export.write_text(ONTARIO)
        assert cli("ontario", str(export), "--state", str(tmp_path / "s"), "--json",
                   kafka=broker.address).returncode == 0
        export.write_text(ONTARIO.replace('"value":0.5}', '"value":1.0}'))
        down = cli("ontario", str(export), "--state", str(tmp_path / "lost"), "--json",
                   kafka=f"127.0.0.1:{free_port()}")
        assert down.returncode == 3 and "Traceback" not in down.stderr
        assert "keeps" not in down.stderr  # nothing recorded, nothing to keep
        for _ in range(2):  # and the run after says the same
            up = json.loads(cli("ontario", str(export), "--state", str(tmp_path / "lost"),
                                "--json", kafka=broker.address).stdout)
            assert (up["published"], up["redelivered"]) == (0, 0)
            assert [r["reason"] for r in up["rejected"] if "ONT-1" in r["reason"]] == [
                "rule ON:ONT-1 changed but its version is still 3; raise the version above 3 "
                "to publish the change"]

    def test_a_first_run_with_the_broker_down_records_nothing(self, broker, tmp_path) -> None:
        """A state that remembers no run must read the topic first (what the hub holds):
        with the broker down it cannot, so it exits 3 before recording anything, and the
        next run publishes everything, diffed against the topic."""
        export = tmp_path / "on.jsonl"
        export.write_text(ONTARIO)
        down = cli("ontario", str(export), "--state", str(tmp_path / "s"), "--json",
                   kafka=f"127.0.0.1:{free_port()}")
        assert down.returncode == 3 and "Traceback" not in down.stderr
        assert "nothing was published" in json.loads(down.stdout)["error"]
        up = cli("ontario", str(export), "--state", str(tmp_path / "s"), "--json",
                 kafka=broker.address)
        assert {k: json.loads(up.stdout)[k] for k in ("published", "redelivered")} == {
            "published": 4, "redelivered": 0}
        assert len(consume(broker.address, TOPIC_ON, expect=4)) == 4

    def test_unreadable_export_exits_2_with_a_message(self, tmp_path) -> None:
        missing = cli("ontario", str(tmp_path / "nope.jsonl"), "--state", str(tmp_path / "s"))
        assert missing.returncode == 2 and "nope.jsonl" in missing.stderr
        (tmp_path / "empty.jsonl").write_text("")
        empty = cli("ontario", str(tmp_path / "empty.jsonl"), "--state", str(tmp_path / "s"),
                    "--json")
        assert empty.returncode == 2 and "Traceback" not in empty.stderr
        assert json.loads(empty.stdout)["exit_code"] == 2 and json.loads(empty.stdout)["error"]

    def test_watch_files_good_and_bad_exports_with_reports(self, broker, tmp_path) -> None:
        inbox = tmp_path / "inbox"
        service = watching(inbox, tmp_path / "s", broker.address)
        try:
            (inbox / "good.jsonl").write_text(ONTARIO)
            (inbox / "bad.jsonl").write_bytes(b"\x00\x01\x02 not json")
            (inbox / "rejected.jsonl").write_text('{"type": "bogus"}\nnot json\n')
            processed = inbox / "processed" / "good.jsonl.report.json"
            failed = inbox / "failed" / "bad.jsonl.report.json"
            rejected = inbox / "failed" / "rejected.jsonl.report.json"
            deadline = time.monotonic() + 60
            while not (processed.exists() and failed.exists() and rejected.exists()):
                assert service.poll() is None, service.stderr.read()
                assert time.monotonic() < deadline, "exports were not filed"
                time.sleep(0.2)
        finally:
            service.send_signal(signal.SIGTERM)
            out, err = service.communicate(timeout=30)
        assert service.returncode == 0, err
        assert (inbox / "processed" / "good.jsonl").exists()
        assert (inbox / "failed" / "bad.jsonl").exists()
        assert not (inbox / "good.jsonl").exists() and not (inbox / "bad.jsonl").exists()
        assert json.loads(processed.read_text())["published"] == 4
        assert json.loads(failed.read_text())["error"]
        # Every line rejected: the report names each, as a one-shot run does.
        assert [r["where"] for r in json.loads(rejected.read_text())["rejected"]] == [
            "line 1", "line 2"]
        assert json.loads(out.splitlines()[0])["province"] == "ON"


    def test_watch_leaves_an_export_cut_short_until_it_is_whole(self, broker, tmp_path) -> None:
        """A copy that pauses longer than the settle time looks cut short: its good records
        go out, it stays, and once whole it is read again and filed."""
        inbox = tmp_path / "inbox"
        service = watching(inbox, tmp_path / "s", broker.address)
        export = inbox / "slow.jsonl"
        whole = ONTARIO.replace('\n{"type":"nonsense"}', "") + "\n"
        try:
            export.write_text(whole[:-25])   # inside the last line
            first = json.loads(service.stdout.readline())
            assert first["removals_withheld"] is True and export.exists()
            export.write_text(whole)
            second = json.loads(service.stdout.readline())
            assert second["removals_withheld"] is False and second["rejected"] == []
            deadline = time.monotonic() + 30
            while export.exists():
                assert time.monotonic() < deadline, "the whole export was not filed"
                time.sleep(0.2)
            assert (inbox / "processed" / "slow.jsonl").exists()
        finally:
            service.send_signal(signal.SIGTERM)
            service.communicate(timeout=30)


class TestStateAndInterruption:
    """A state folder that cannot serve is bad usage (exit 2), and Ctrl-C is no traceback."""

    @pytest.mark.parametrize("make", ["a file", "garbage state.db"])
    def test_an_unusable_state_folder_exits_2(self, tmp_path: Path, make: str) -> None:
        export = tmp_path / "on.jsonl"
        export.write_text(ONTARIO)
        state = tmp_path / "state"
        if make == "a file":
            state.write_text("not a folder")
        else:
            state.mkdir()
            (state / STATE_FILE).write_bytes(b"this is not a database " * 100)
        for args in ([str(export)], ["--watch", str(tmp_path / "drop")]):
            done = cli("ontario", *args, "--state", str(state), "--json")
            assert done.returncode == 2, done.stderr
            assert "cannot be used" in done.stderr and "Traceback" not in done.stderr
            assert "cannot be used" in json.loads(done.stdout)["error"]

    def test_watching_with_another_provinces_state_exits_2_at_once(self, tmp_path: Path
                                                                   ) -> None:
        state = tmp_path / "state"
        export = tmp_path / "on.jsonl"
        export.write_text(ONTARIO)
        cli("ontario", str(export), "--state", str(state))   # the broker is away: exit 3
        done = cli("bc", "--watch", str(tmp_path / "drop"), "--state", str(state))
        assert done.returncode == 2 and "belongs to the ON adapter" in done.stderr

    def test_ctrl_c_mid_run_exits_130_and_keeps_the_outbox(self, broker, tmp_path: Path) -> None:
        export = tmp_path / "on"
        subprocess.run([sys.executable, "-m", "adapters.generate", "--province", "on",
                        "--rules", "300000", "--out", str(export)], check=True, timeout=120)
        [path] = [p for p in export.iterdir() if p.is_file()]
        run = subprocess.Popen(
            [sys.executable, "-m", "transferhub.cli.main", "adapter", "ontario", str(path),
             "--state", str(tmp_path / "s"), "--json"],
            env={**os.environ, "TRANSFERHUB_KAFKA": broker.address},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2)   # reading and publishing (the whole run takes ~15 s)
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=60)
        if run.returncode == 0:
            pytest.fail("the run ended before it was interrupted: make the export bigger")
        assert run.returncode == 130, err
        assert "interrupted; the outbox in" in err and "Traceback" not in err
        stopped = json.loads(out)  # --json: the summary's shape with the error
        assert (stopped["code"], stopped["exit_code"]) == ("CANCELLED", 130)
        assert stopped["error"].startswith("interrupted; the outbox in")


class TestThroughput:
    """A run publishes at least a third as fast as a bare aiokafka producer."""

    @pytest.mark.slow
    def test_rate_against_a_bare_producer(self, broker, tmp_path) -> None:
        from aiokafka import AIOKafkaProducer

        count = 30_000
        items = [rule(str(n)) for n in range(count)]
        value = expected(items[:1], tmp_path / "ref")[0].SerializeToString()

        async def bare() -> float:  # end to end too: connect, send all, acks, disconnect
            started = time.perf_counter()
            producer = AIOKafkaProducer(bootstrap_servers=broker.address, acks="all",
                                        linger_ms=10, max_batch_size=256 * 1024)
            await producer.start()
            futures = [await producer.send(TOPIC_ON, value, key=f"BC:{n}".encode())
                       for n in range(count)]
            await asyncio.gather(*futures)
            await producer.stop()
            return count / (time.perf_counter() - started)

        bare_rate = asyncio.run(bare())
        started = time.perf_counter()
        summary = run(items, broker.address, tmp_path / "s")
        rate = count / (time.perf_counter() - started)
        assert summary.published == count
        assert rate >= bare_rate / 3, f"{rate:.0f}/s against a bare producer's {bare_rate:.0f}/s"
