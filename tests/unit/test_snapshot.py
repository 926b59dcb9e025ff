"""Snapshot diffing: only changes are published, removals at the last version."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.base.records import Rejection
from adapters.base.runner import NothingReadable, RunSummary, run_adapter
from adapters.base.statedb import StateMismatch
from tests.unit.adapter_fakes import FakePublisher, FakeReader, changed, course, institution, rule
from transferhub.events.v1 import events_pb2 as pb


def run(items, state: Path, province: str = "BC") -> tuple[RunSummary, list[pb.EventEnvelope]]:
    publisher = FakePublisher()
    summary = run_adapter(FakeReader(list(items), province), Path("export"), kafka=publisher,
                          state_dir=state)
    return summary, [pb.EventEnvelope.FromString(m.value) for m in publisher.sent]


def kinds(envs: list[pb.EventEnvelope]) -> list[tuple[str, str, int]]:
    return [(e.WhichOneof("payload"), e.entity_key, e.version) for e in envs]


BASE = [institution(), institution("CAPU", "Capilano"), course(), rule("1"), rule("2")]


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

    def test_duplicate_in_one_export_is_rejected(self, tmp_path) -> None:
        summary, envs = run([*BASE, rule("1", version=2)], tmp_path)
        assert len(envs) == 5 and "more than once" in summary.rejected[0].reason

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
