"""Snapshot diffing: only changes are published, removals at the last version."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.base import snapshot
from adapters.base.publisher import BrokerUnreachable
from adapters.base.reading import chunks
from adapters.base.records import ExportUnreadable, Rejection
from adapters.base.report import summary_json
from adapters.base.runner import NothingReadable, RunSummary, run_adapter
from adapters.base.statedb import StateMismatch
from adapters.bc.reader import BcReader
from adapters.ontario.reader import OntarioReader
from tests.unit.adapter_fakes import (
    FakePublisher,
    FakeReader,
    changed,
    counter_clock,
    course,
    institution,
    rule,
)
from transferhub.events.v1 import events_pb2 as pb


def run(items, state: Path, province: str = "BC") -> tuple[RunSummary, list[pb.EventEnvelope]]:
    publisher = FakePublisher()
    summary = run_adapter(FakeReader(list(items), province), Path("export"), kafka=publisher,
                          state_dir=state)
    return summary, [pb.EventEnvelope.FromString(m.value) for m in publisher.sent]


def kinds(envs: list[pb.EventEnvelope]) -> list[tuple[str, str, int]]:
    return [(e.WhichOneof("payload"), e.entity_key, e.version) for e in envs]


BASE = [institution(), institution("CAPU", "Capilano"), course(), rule("1"), rule("2")]



@pytest.fixture(autouse=True)
def _counter_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Versions of institutions and credentials as a counter (the clock's part:
    test_snapshot.TestVersionsOfUnversionedRecords)."""
    counter_clock(monkeypatch)

class TestFirstAndRepeatedRuns:
    """A first run publishes everything; the same export again publishes nothing."""

    def test_first_run_publishes_every_record_with_adapter_versions(self, tmp_path) -> None:
        summary, envs = run(BASE, tmp_path)
        assert kinds(envs) == [
            ("institution_upserted", "BC:UBCV", 1), ("institution_upserted", "BC:CAPU", 1),
            ("credential_upserted", "BC:CAPU:ENGL 100", 1),
            ("rule_upserted", "BC:1", 1), ("rule_upserted", "BC:2", 1)]
        assert (summary.published, summary.retired, summary.unchanged) == (5, 0, 0)

    def test_same_export_again_publishes_nothing(self, tmp_path) -> None:
        run(BASE, tmp_path)
        summary, envs = run(BASE, tmp_path)
        assert envs == []
        assert (summary.published, summary.unchanged, summary.rejected) == (0, 5, [])


class TestAStateWithNoMemory:
    """A state folder with no record of a run, over a topic that holds events, is rebuilt
    from the topic: the diff then runs as though the state had never been lost."""

    def lost(self, items, publisher, state: Path, province: str = "BC"):
        summary = run_adapter(FakeReader(list(items), province), Path("export"),
                              kafka=publisher, state_dir=state)
        return summary, [pb.EventEnvelope.FromString(m.value) for m in publisher.sent]

    def test_the_same_export_publishes_nothing(self, tmp_path) -> None:
        publisher = FakePublisher()
        self.lost(BASE, publisher, tmp_path / "first")
        published = len(publisher.sent)
        summary, _ = self.lost(BASE, publisher, tmp_path / "lost")
        assert (summary.recovered, summary.published, summary.unchanged) == (5, 0, 5)
        assert len(publisher.sent) == published and summary.earlier_runs_unknown is False
        assert summary_json(summary)["recovered"] == 5

    def test_a_record_removed_since_is_revoked_at_its_last_version(self, tmp_path) -> None:
        publisher = FakePublisher()
        self.lost([*BASE[:4], rule("2", version=4)], publisher, tmp_path / "first")
        summary, envs = self.lost(BASE[:4], publisher, tmp_path / "lost")
        assert (summary.published, summary.retired, summary.unchanged) == (0, 1, 4)
        assert kinds(envs)[-1] == ("rule_revoked", "BC:2", 4)

    def test_a_change_is_still_a_change_and_a_revoked_rule_stays_revoked(self, tmp_path
                                                                         ) -> None:
        publisher = FakePublisher()
        self.lost(BASE, publisher, tmp_path / "first")
        self.lost(BASE[:4], publisher, tmp_path / "first")      # rule 2 revoked at 1
        summary, envs = self.lost([*BASE[:3], rule("1", version=2, credits=6.0), rule("2")],
                                  publisher, tmp_path / "lost")
        assert summary.recovered == 5
        assert kinds(envs)[-1] == ("rule_upserted", "BC:1", 2)
        assert summary.published == 1
        assert [r.reason for r in summary.rejected] == [
            "rule BC:2 was revoked at version 1; to publish it again raise its version above 1"]

    def test_only_the_provinces_own_events_are_taken(self, tmp_path) -> None:
        foreign = FakePublisher()
        self.lost([institution("SENE", "Seneca", "ON")], foreign, tmp_path / "on", "ON")
        publisher = FakePublisher(in_topic=[m.value for m in foreign.sent] + [b"\xff\x00junk"])
        summary, _ = self.lost(BASE, publisher, tmp_path / "lost")
        assert (summary.recovered, summary.published) == (0, 5)

    def test_a_reading_cut_short_fails_the_run_and_is_done_again_next_run(self, tmp_path
                                                                           ) -> None:
        """Diffed against part of the history, a changed rule would be recorded at a
        version the hub already holds: the run fails before recording anything."""
        publisher = FakePublisher()
        self.lost(BASE, publisher, tmp_path / "first")
        sent = len(publisher.sent)
        publisher.cut_after = 2
        with pytest.raises(BrokerUnreachable, match="nothing was published"):
            self.lost([*BASE[:4], rule("2", version=1, credits=6.0)], publisher,
                      tmp_path / "lost")
        assert len(publisher.sent) == sent
        publisher.cut_after = None
        again, _ = self.lost([*BASE[:4], rule("2", version=1, credits=6.0)], publisher,
                                tmp_path / "lost")
        assert again.recovered == 5 and again.published == 0
        assert [r.reason for r in again.rejected] == [
            "rule BC:2 changed but its version is still 1; raise the version above 1 to "
            "publish the change"]
        later, _ = self.lost(BASE[:4], publisher, tmp_path / "lost")
        assert (later.recovered, later.retired, later.unchanged) == (0, 1, 4)

    def test_a_first_run_that_could_not_ask_asks_on_the_next(self, tmp_path) -> None:
        """The broker down at the first run: it fails before recording anything, and the
        next run reads the topic."""
        publisher = FakePublisher()
        self.lost(BASE, publisher, tmp_path / "first")
        publisher.down = True
        with pytest.raises(BrokerUnreachable, match="nothing was published"):
            self.lost(BASE[:4], publisher, tmp_path / "lost")
        publisher.down = False
        later, envs = self.lost(BASE[:4], publisher, tmp_path / "lost")
        assert later.recovered == 5 and kinds(envs)[-1] == ("rule_revoked", "BC:2", 1)
        assert later.redelivered == 0  # the failed run recorded nothing to send

    def test_a_first_run_on_an_empty_topic_and_a_remembered_run_recover_nothing(
            self, tmp_path) -> None:
        first, _ = run(BASE, tmp_path)
        again = run_adapter(FakeReader(list(BASE)), Path("export"),
                            kafka=FakePublisher(in_topic=[b"x"] * 5), state_dir=tmp_path)
        assert (first.recovered, again.recovered) == (0, 0)
        assert (first.earlier_runs_unknown, again.earlier_runs_unknown) == (False, False)


class TestChanges:
    """Changed records get new versions; vanished ones are retired or revoked."""

    def test_changed_credential_bumps_the_adapter_counter(self, tmp_path) -> None:
        run(BASE, tmp_path)
        items = [*BASE[:2], changed(course(), title="Writing II"), *BASE[3:]]
        _, envs = run(items, tmp_path)
        assert kinds(envs) == [("credential_upserted", "BC:CAPU:ENGL 100", 2)]

    def test_rule_with_raised_version_is_published_at_that_version(self, tmp_path) -> None:
        run(BASE, tmp_path)
        _, envs = run([*BASE[:4], rule("2", version=4, credits=6.0)], tmp_path)
        assert kinds(envs) == [("rule_upserted", "BC:2", 4)]

    def test_changed_rule_without_new_version_is_rejected_and_kept(self, tmp_path) -> None:
        run(BASE, tmp_path)
        summary, envs = run([*BASE[:4], rule("2", credits=6.0)], tmp_path)
        assert envs == []
        [rejection] = summary.rejected
        assert rejection.where == "rule BC:2"
        assert "raise the version above 1" in rejection.reason
        _, again = run(BASE, tmp_path)  # still the old content: not revoked meanwhile
        assert again == []

    def test_lower_rule_version_is_rejected(self, tmp_path) -> None:
        run([*BASE[:4], rule("2", version=3)], tmp_path)
        summary, envs = run([*BASE[:4], rule("2", version=2, credits=1.0)], tmp_path)
        assert envs == [] and "lower than version 3" in summary.rejected[0].reason

    def test_vanished_records_are_removed_at_their_last_version(self, tmp_path) -> None:
        run(BASE, tmp_path)
        run([*BASE[:2], changed(course(), title="v2"), *BASE[3:]], tmp_path)
        summary, envs = run([BASE[0], rule("1")], tmp_path)
        assert kinds(envs) == [("credential_retired", "BC:CAPU:ENGL 100", 2),
                               ("rule_revoked", "BC:2", 1)]
        assert summary.retired == 2
        assert summary.vanished_institutions == ["BC:CAPU"]
        # --json says so too: no event retires an institution, so this is the only sign.
        assert summary_json(summary)["vanished_institutions"] == ["BC:CAPU"]

    def test_reappearing_rule_needs_a_higher_version(self, tmp_path) -> None:
        run(BASE, tmp_path)
        run(BASE[:4], tmp_path)
        summary, envs = run(BASE, tmp_path)
        assert envs == [] and "revoked at version 1" in summary.rejected[0].reason
        _, envs = run([*BASE[:4], rule("2", version=2)], tmp_path)
        assert kinds(envs) == [("rule_upserted", "BC:2", 2)]

    def test_reappearing_credential_gets_the_next_version(self, tmp_path) -> None:
        run(BASE, tmp_path)
        run([b for b in BASE if b is not BASE[2]], tmp_path)
        _, envs = run(BASE, tmp_path)
        assert kinds(envs) == [("credential_upserted", "BC:CAPU:ENGL 100", 2)]

    def test_reappearing_unchanged_institution_is_not_republished(self, tmp_path) -> None:
        run(BASE, tmp_path)
        run(BASE[1:], tmp_path)
        summary, envs = run(BASE, tmp_path)
        assert envs == [] and summary.vanished_institutions == []


class TestRejections:
    """Bad or foreign records are rejected with a reason; the good ones still go out."""

    def test_reader_rejections_and_foreign_records_are_reported(self, tmp_path) -> None:
        items = [Rejection("line 3", "bad"), institution("SENE", "Seneca", "ON"),
                 rule("9", receiving="ON:YORK"), *BASE]
        summary, envs = run(items, tmp_path)
        assert len(envs) == 5
        assert [r.where for r in summary.rejected] == ["line 3", "institution ON:SENE",
                                                       "rule BC:9"]
        assert "receiving institution ON:YORK, outside BC" in summary.rejected[2].reason

    def test_the_report_lists_rejections_in_the_exports_order(self) -> None:
        """A chunk's read rejections and its diff's arrive apart; the report reads top down."""
        from adapters.base.runner import in_document_order

        came = [Rejection("line 346", "a"), Rejection("line 2", "b"),
                Rejection("rule BC:9", "c"), Rejection("line 10", "d", file="equivalencies.csv"),
                Rejection("line 9", "e", file="equivalencies.csv"),
                Rejection("institution ON:X", "f")]
        assert [r.reason for r in in_document_order(came)] == ["b", "a", "c", "f", "e", "d"]
        feed = [Rejection("/TransferCreditGuide/Equivalency[10]", "g"),
                Rejection("/TransferCreditGuide/Course[3]", "i"),
                Rejection("/TransferCreditGuide/Equivalency[9]", "h")]
        assert [r.reason for r in in_document_order(feed)] == ["i", "h", "g"]

    def test_duplicate_in_one_export_is_rejected(self, tmp_path) -> None:
        summary, envs = run([*BASE, rule("1", version=2)], tmp_path)
        assert len(envs) == 5 and "more than once" in summary.rejected[0].reason
        assert summary.rejected[0].where == "rule BC:1"  # named only once rejected

    def test_duplicate_in_a_later_chunk_is_rejected(self, tmp_path) -> None:
        publisher = FakePublisher()
        summary = run_adapter(FakeReader([*BASE, rule("1", version=2)], "BC"), Path("export"),
                              kafka=publisher, state_dir=tmp_path, chunk=2)
        assert len(publisher.sent) == 5
        assert [(r.where, "more than once" in r.reason) for r in summary.rejected] == [
            ("rule BC:1", True)]

    def test_only_rejections_means_nothing_readable_and_no_removals(self, tmp_path) -> None:
        run(BASE, tmp_path)
        with pytest.raises(NothingReadable):
            run([Rejection("line 1", "bad")], tmp_path)
        _, envs = run(BASE, tmp_path)
        assert envs == []

    def test_state_of_another_province_is_refused(self, tmp_path) -> None:
        run(BASE, tmp_path)
        with pytest.raises(StateMismatch, match="belongs to the BC adapter"):
            run([institution("SENE", "Seneca", "ON")], tmp_path, province="ON")


class TestDamagedRecordsAreKept:
    """A rejected record that names its entity keeps the last good version; gone, it is removed."""

    def test_damaged_rule_is_kept_until_its_line_is_gone(self, tmp_path) -> None:
        run(BASE, tmp_path)
        damaged = Rejection("line 5", "version must be a positive whole number", "BC:2")
        summary, envs = run([*BASE[:4], damaged], tmp_path)
        assert envs == []
        assert (summary.retired, summary.unchanged, summary.kept) == (0, 4, 1)
        assert summary.rejected == [damaged]
        summary, envs = run(BASE[:4], tmp_path)
        assert kinds(envs) == [("rule_revoked", "BC:2", 1)]
        assert (summary.retired, summary.kept) == (1, 0)

    def test_repaired_line_is_diffed_against_the_kept_version(self, tmp_path) -> None:
        run(BASE, tmp_path)
        run([*BASE[:4], Rejection("line 5", "bad", "BC:2")], tmp_path)
        summary, envs = run(BASE, tmp_path)
        assert envs == [] and summary.unchanged == 5
        _, envs = run([*BASE[:4], rule("2", version=2, credits=6.0)], tmp_path)
        assert kinds(envs) == [("rule_upserted", "BC:2", 2)]

    def test_damaged_credential_and_institution_are_kept(self, tmp_path) -> None:
        run(BASE, tmp_path)
        items = [BASE[0], Rejection("line 2", "bad", "BC:CAPU"),
                 Rejection("line 3", "bad", "BC:CAPU:ENGL 100"), *BASE[3:]]
        summary, envs = run(items, tmp_path)
        assert envs == [] and summary.vanished_institutions == []
        assert summary.kept == 2
        _, envs = run([b for b in BASE if b is not BASE[2]], tmp_path)
        assert kinds(envs) == [("credential_retired", "BC:CAPU:ENGL 100", 1)]

    def test_rejection_without_a_key_keeps_nothing(self, tmp_path) -> None:
        run(BASE, tmp_path)
        summary, envs = run([*BASE[:4], Rejection("line 5", "not JSON")], tmp_path)
        assert kinds(envs) == [("rule_revoked", "BC:2", 1)]
        assert summary.kept == 0

    def test_a_key_of_another_province_keeps_nothing(self, tmp_path) -> None:
        run(BASE, tmp_path)
        summary, envs = run([*BASE[:4], Rejection("line 5", "bad", "ON:2")], tmp_path)
        assert kinds(envs) == [("rule_revoked", "BC:2", 1)]
        assert summary.kept == 0

    def test_a_damaged_record_never_published_is_not_counted(self, tmp_path) -> None:
        summary, envs = run([*BASE, Rejection("line 6", "bad", "BC:3")], tmp_path)
        assert len(envs) == 5 and summary.kept == 0

    def test_kept_is_an_added_key_of_the_json_summary(self, tmp_path) -> None:
        run(BASE, tmp_path)
        summary, _ = run([*BASE[:4], Rejection("line 5", "bad", "BC:2")], tmp_path)
        report = summary_json(summary)
        assert report["kept"] == 1
        assert {"province", "published", "retired", "unchanged", "rejected"} <= report.keys()
        assert report["rejected"] == [{"where": "line 5", "reason": "bad"}]


class TestDamagedLineThroughARealReader:
    """Ontario's reader and the run together: a damaged line revokes nothing, a gone one does."""

    LINES = [
        '{"type":"institution","id":"YORK","name":"York","credit_unit":"credits",'
        '"standard_course":3}',
        '{"type":"equivalency","id":"ONT-1","version":1,"from":["SENE:IPC144"],'
        '"to":{"institution":"YORK","grant":"no_credit"},"effective_start":"2019-09-01"}',
        '{"type":"equivalency","id":"ONT-2","version":1,"from":["SENE:OOP244"],'
        '"to":{"institution":"YORK","grant":"no_credit"},"effective_start":"2019-09-01"}',
    ]

    def run_on(self, tmp_path, lines: list[str]) -> tuple[RunSummary, list[pb.EventEnvelope]]:
        export = tmp_path / "ontario.jsonl"
        export.write_text("\n".join(lines) + "\n", encoding="utf-8")
        publisher = FakePublisher()
        summary = run_adapter(OntarioReader(), export, kafka=publisher,
                              state_dir=tmp_path / "state")
        return summary, [pb.EventEnvelope.FromString(m.value) for m in publisher.sent]

    def test_damaged_then_gone(self, tmp_path) -> None:
        _, envs = self.run_on(tmp_path, self.LINES)
        assert ("rule_upserted", "ON:ONT-2", 1) in kinds(envs)
        damaged = self.LINES[2].replace('"effective_start":"2019-09-01"',
                                        '"effective_start":"soon"')
        summary, envs = self.run_on(tmp_path, [*self.LINES[:2], damaged])
        assert envs == [] and summary.kept == 1
        assert [r.entity_key for r in summary.rejected] == ["ON:ONT-2"]
        summary, envs = self.run_on(tmp_path, self.LINES[:2])
        assert kinds(envs) == [("rule_revoked", "ON:ONT-2", 1)]


class TestDamagedRowThroughTheBcReader:
    """BC's reader and the run: a damaged row keeps its rule and the courses known only from it."""

    INSTITUTIONS = ("code,name,credit_unit,standard_course,grading\n"
                    "UBCV,UBC,credits,3,\nCAPU,Capilano,credits,3,\n")
    HEADER = ("id,version,sending_institution,sending_courses,sending_title,sending_credits,"
              "receiving_institution,transfer_credit,min_grade,effective_start,effective_end\n")
    KEEP = "1,1,CAPU,ENGL 100,Writing,3,UBCV,UBCV ENGL 1st (3),,Sep 2015,present\n"
    ROW = "2,1,CAPU,CSCI 110,Programming,3,UBCV,UBCV CPSC 1st (3),,Sep 2015,present\n"

    def run_on(self, tmp_path, rows: str) -> tuple[RunSummary, list[pb.EventEnvelope]]:
        folder = tmp_path / "export"
        folder.mkdir(exist_ok=True)
        (folder / "institutions.csv").write_text(self.INSTITUTIONS, encoding="utf-8")
        (folder / "equivalencies.csv").write_text(self.HEADER + rows, encoding="utf-8")
        publisher = FakePublisher()
        summary = run_adapter(BcReader(), folder, kafka=publisher, state_dir=tmp_path / "state")
        return summary, [pb.EventEnvelope.FromString(m.value) for m in publisher.sent]

    def test_damaged_then_gone(self, tmp_path) -> None:
        _, envs = self.run_on(tmp_path, self.KEEP + self.ROW)
        assert ("rule_upserted", "BC:2", 1) in kinds(envs)
        assert ("credential_upserted", "BC:CAPU:CSCI 110", 1) in kinds(envs)
        summary, envs = self.run_on(tmp_path, self.KEEP + self.ROW.replace("1st", "first"))
        assert envs == [] and summary.kept == 2 and summary.retired == 0
        summary, envs = self.run_on(tmp_path, self.KEEP)
        assert sorted(kinds(envs)) == [("credential_retired", "BC:CAPU:CSCI 110", 1),
                                       ("rule_revoked", "BC:2", 1)]


class TestWorkerProcess:
    """A large export is read in a child process; what comes back is the same, chunk for chunk."""

    @staticmethod
    def bc_export(folder: Path) -> Path:
        from tests.unit.test_bc_reader import GOOD, HEADER, export

        bad = "\n".join(["!!,1,CAPU,ENGL 100,W,3,UBCV,UBCV ENGL 1st (3),,Sep 2015,present",
                         "88213,3,CAPU,ENGL 100,W,3,UBCV,UBCV ENGL 1st (3),,Sep 2015,present",
                         "88300,1,CAPU,ENGL 101,W,3,UBCV,UBCV ENGL = = 1st (3),,Sep 2015,",
                         "88301,1,CAPU,ENGL 102,W,3,ON:HUMB,No credit,,Sep 2015,present"])
        return export(folder, HEADER + GOOD + bad + "\n")

    def test_chunks_from_the_worker_equal_those_read_here(self, tmp_path) -> None:
        folder = self.bc_export(tmp_path)
        here = list(chunks(BcReader(), folder, 3, parallel=False))
        there = list(chunks(BcReader(), folder, 3, parallel=True))
        assert there == here
        assert sum(c.count for c in here) == 17  # 4 institutions, 9 rows, 4 courses
        assert [len(c.rejected) for c in here] == [0, 0, 0, 3, 1, 0]  # courses after the rules

    def test_the_readers_error_comes_back_from_the_worker(self, tmp_path) -> None:
        (tmp_path / "institutions.csv").write_text("code,name\n", encoding="utf-8")
        with pytest.raises(ExportUnreadable, match="lacks column"):
            chunks(BcReader(), tmp_path, parallel=True)
        with pytest.raises(ExportUnreadable, match="no such folder"):
            chunks(BcReader(), tmp_path / "missing", parallel=True)

    def test_closing_early_stops_the_worker(self, tmp_path) -> None:
        for take in (0, 1):  # closed before the first chunk is taken, and after
            worker = chunks(BcReader(), self.bc_export(tmp_path), 1, parallel=True)
            if take:
                next(worker)
            worker.close()
            assert worker.process.poll() is not None and not worker.thread.is_alive()
            assert list(worker) == []

    def test_a_run_through_the_worker_publishes_and_rejects_the_same(self, tmp_path,
                                                                     monkeypatch) -> None:
        import adapters.base.reading as reading

        def published(sent: list) -> list[bytes]:
            envelopes = [pb.EventEnvelope.FromString(m.value) for m in sent]
            for envelope in envelopes:
                envelope.occurred_at = ""  # the two runs may straddle a second
            return [e.SerializeToString(deterministic=True) for e in envelopes]

        (tmp_path / "export").mkdir()
        folder = self.bc_export(tmp_path / "export")
        results = []
        for threshold in (reading.PARALLEL_BYTES, 0):  # this export is small: 0 forces the worker
            monkeypatch.setattr(reading, "PARALLEL_BYTES", threshold)
            publisher = FakePublisher()
            summary = run_adapter(BcReader(), folder, kafka=publisher,
                                  state_dir=tmp_path / f"state-{threshold}", chunk=4)
            results.append((summary, published(publisher.sent)))
        assert results[0] == results[1]
        assert results[0][0].published == 13 and len(results[0][0].rejected) == 4

    def test_state_of_another_province_stops_the_worker(self, tmp_path, monkeypatch) -> None:
        import adapters.base.runner as runner

        started = []

        def spy(*args, **kwargs):
            started.append(chunks(*args, **kwargs, parallel=True))
            return started[-1]

        monkeypatch.setattr(runner, "chunks", spy)
        run(BASE, tmp_path / "state", province="BC")
        with pytest.raises(StateMismatch):
            run_adapter(FakeReader(BASE, "ON"), Path("export"), kafka=FakePublisher(),
                        state_dir=tmp_path / "state")
        worker = started[-1]
        assert worker.process.poll() is not None and not worker.thread.is_alive()

    def test_the_child_is_used_for_a_large_export_when_a_core_is_free(self, tmp_path,
                                                                      monkeypatch) -> None:
        import adapters.base.reading as reading

        folder = self.bc_export(tmp_path)
        monkeypatch.setattr(reading.os, "cpu_count", lambda: 2)
        for threshold, load, expected in ((0, 0.3, True), (0, 1.5, False),
                                          (reading.PARALLEL_BYTES, 0.3, False)):
            monkeypatch.setattr(reading, "PARALLEL_BYTES", threshold)
            monkeypatch.setattr(reading.os, "getloadavg", lambda load=load: (load, load, load))
            assert reading.reads_in_child(folder) is expected


class TestVersionsOfUnversionedRecords:
    """Institutions and credentials get the run's clock as their version (epoch ms), so a
    province whose state folder was lost still publishes above what the hub holds."""

    @pytest.fixture
    def clock(self, monkeypatch: pytest.MonkeyPatch) -> list[int]:
        now = [1_700_000_000_000]
        monkeypatch.setattr(snapshot, "now_ms", lambda: now[0])
        return now

    def test_a_lost_state_still_publishes_above_the_last_versions(
            self, tmp_path: Path, clock: list[int]) -> None:
        run(BASE, tmp_path / "state")
        clock[0] += 60_000
        _, changed_envs = run([*BASE[:2], changed(course(), title="Writing II"), *BASE[3:]],
                              tmp_path / "state")
        [(_, _, before)] = kinds(changed_envs)
        assert before == clock[0]
        clock[0] += 60_000   # the state folder is lost; the province runs again
        _, envs = run([*BASE[:2], changed(course(), title="Writing III"), *BASE[3:]],
                      tmp_path / "new-state")
        versions = {key: version for kind, key, version in kinds(envs) if kind != "rule_upserted"}
        assert versions["BC:CAPU:ENGL 100"] > before   # applied at the hub, not stale
        assert set(versions.values()) == {clock[0]}

    def test_a_clock_set_back_still_raises_the_version(self, tmp_path: Path,
                                                        clock: list[int]) -> None:
        run(BASE, tmp_path)
        first = clock[0]
        clock[0] -= 3_600_000
        _, envs = run([*BASE[:2], changed(course(), title="Writing II"), *BASE[3:]], tmp_path)
        assert kinds(envs) == [("credential_upserted", "BC:CAPU:ENGL 100", first + 1)]

    def test_an_unchanged_record_is_not_published_again_later(self, tmp_path: Path,
                                                              clock: list[int]) -> None:
        run(BASE, tmp_path)
        clock[0] += 86_400_000
        _, envs = run(BASE, tmp_path)
        assert envs == []
