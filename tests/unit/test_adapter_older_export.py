"""A Saskatchewan feed generated before the last one published is refused whole (exit 2).

Re-running last week's feed after this week's put back last week's grading scales and
revoked the rules added since (a black-box tester): institutions and courses are
versioned by the run, and what the newer feed added looked vanished.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.base.publisher import BrokerUnreachable
from adapters.base.runner import OlderExport, run_adapter
from adapters.saskatchewan.reader import SaskatchewanReader, generated
from tests.unit.adapter_fakes import FakePublisher

FEED = """<TransferCreditGuide province="SK" generated="{when}">
  <Institution id="USASK" name="University of Saskatchewan" creditUnit="credit units"
               standardCourse="3">
    <Grade letter="A" minPercent="{a}"/><Grade letter="F" minPercent="0"/>
  </Institution>
  <Institution id="SAPO" name="Saskatchewan Polytechnic" creditUnit="credits" standardCourse="3"/>
  <Equivalency id="SKTCG-1" version="1" effectiveFrom="2020-09-01" effectiveTo="">
    <Sending institution="SAPO"><Course code="COSC 100"/></Sending>
    <Receiving institution="USASK" grant="course"><Course code="CMPT 140" credits="3"/></Receiving>
  </Equivalency>
</TransferCreditGuide>
"""


def feed(tmp_path: Path, when: str, a: int = 80) -> Path:
    path = tmp_path / f"sk-{len(list(tmp_path.glob('sk-*')))}.xml"
    path.write_text(FEED.format(when=when, a=a), encoding="utf-8")
    return path


def run(path: Path, state: Path, publisher: FakePublisher) -> int:
    return run_adapter(SaskatchewanReader(), path, kafka=publisher, state_dir=state).published


class TestOlderFeed:
    def test_an_older_feed_is_refused_and_publishes_nothing(self, tmp_path: Path) -> None:
        publisher, state = FakePublisher(), tmp_path / "state"
        assert run(feed(tmp_path, "2026-11-08T06:00:00Z"), state, publisher) > 0
        sent = len(publisher.sent)
        with pytest.raises(OlderExport, match="generated at 2026-11-01T06:00:00"):
            run(feed(tmp_path, "2026-11-01T06:00:00Z", a=90), state, publisher)
        assert len(publisher.sent) == sent

    def test_the_same_time_and_a_later_one_are_read(self, tmp_path: Path) -> None:
        publisher, state = FakePublisher(), tmp_path / "state"
        run(feed(tmp_path, "2026-11-08T06:00:00Z"), state, publisher)
        assert run(feed(tmp_path, "2026-11-08T06:00:00Z"), state, publisher) == 0
        assert run(feed(tmp_path, "2026-11-09T06:00:00+00:00", a=90), state, publisher) == 1
        with pytest.raises(OlderExport):   # the newest is remembered, not the last run's
            run(feed(tmp_path, "2026-11-08T23:00:00Z"), state, publisher)

    def test_a_newer_feed_the_broker_never_took_still_counts(self, tmp_path: Path) -> None:
        # Its records are in the state (and its outbox) from its first chunk on: a reviewer
        # saw last week's feed accepted after this week's run failed with the broker down.
        state = tmp_path / "state"
        run(feed(tmp_path, "2026-11-01T06:00:00Z"), state, FakePublisher())
        with pytest.raises(BrokerUnreachable):
            run(feed(tmp_path, "2026-11-08T06:00:00Z", a=90), state, FakePublisher(down=True))
        with pytest.raises(OlderExport):
            run(feed(tmp_path, "2026-11-02T06:00:00Z"), state, FakePublisher())

    def test_a_feed_from_the_future_is_refused(self, tmp_path: Path) -> None:
        # A typo (2062 for 2026) would otherwise refuse every later feed until then.
        with pytest.raises(OlderExport, match="in the future"):
            run(feed(tmp_path, "2062-11-08T06:00:00Z"), tmp_path / "state", FakePublisher())

    def test_a_feed_without_a_readable_time_is_read_as_before(self, tmp_path: Path) -> None:
        publisher, state = FakePublisher(), tmp_path / "state"
        run(feed(tmp_path, "2026-11-08T06:00:00Z"), state, publisher)
        assert run(feed(tmp_path, "last tuesday", a=90), state, publisher) == 1

    @pytest.mark.parametrize(("when", "expected"), [
        ("2026-11-01T06:00:00Z", "2026-11-01T06:00:00+00:00"),
        ("2026-11-01T06:00:00", "2026-11-01T06:00:00-06:00"),   # no zone: Saskatchewan time
        ("2026-11-01T01:00:00-05:00", "2026-11-01T01:00:00-05:00"),
        ("", None), ("soon", None)])
    def test_generated(self, tmp_path: Path, when: str, expected: str | None) -> None:
        moment = generated(feed(tmp_path, when))
        assert (moment.isoformat() if moment else None) == expected

    def test_a_hostile_head_has_no_time(self, tmp_path: Path) -> None:
        path = tmp_path / "bomb.xml"
        path.write_text('<!DOCTYPE x [<!ENTITY a "b">]><TransferCreditGuide province="SK" '
                        'generated="2026-11-01T06:00:00Z"/>')
        assert generated(path) is None


def test_the_cli_exits_2_naming_both_times(tmp_path: Path) -> None:
    first, second = feed(tmp_path, "2026-11-08T06:00:00Z"), feed(tmp_path, "2026-11-01T06:00:00Z")
    state = tmp_path / "state"
    run(first, state, FakePublisher())   # the state remembers the newer feed
    done = subprocess.run(
        [sys.executable, "-m", "transferhub.cli.main", "adapter", "saskatchewan", str(second),
         "--state", str(state), "--kafka", "127.0.0.1:9", "--json"],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "2026-11-08T06:00:00+00:00" in json.loads(done.stdout)["error"]
    assert "Traceback" not in done.stderr


class TestZonelessTime:
    """A ``generated`` without a zone is Saskatchewan's clock (UTC-6, no daylight saving)."""

    def test_a_zoneless_time_is_read_on_saskatchewan_time(self, tmp_path: Path) -> None:
        when = generated(feed(tmp_path, "2026-11-08T06:00:00"))
        assert when is not None and when.isoformat() == "2026-11-08T06:00:00-06:00"

    def test_a_zoneless_feed_six_hours_before_a_utc_one_is_the_same_moment(
            self, tmp_path: Path) -> None:
        publisher, state = FakePublisher(), tmp_path / "state"
        run(feed(tmp_path, "2026-11-08T12:00:00Z"), state, publisher)
        assert run(feed(tmp_path, "2026-11-08T06:00:00"), state, publisher) == 0   # the same time
        with pytest.raises(OlderExport):   # 05:59 in Regina is 11:59 UTC: older
            run(feed(tmp_path, "2026-11-08T05:59:00", a=90), state, publisher)


class TestStateLost:
    """The feed's time travels on its events: a state rebuilt from the topic still refuses
    an older feed (a black-box tester deleted the state, ran last month's feed after this
    month's, and got last month's grading scale and a retired course back)."""

    def test_an_older_feed_is_refused_after_the_state_is_rebuilt(self, tmp_path: Path) -> None:
        publisher = FakePublisher()   # keeps what was sent: the topic a lost state reads
        run(feed(tmp_path, "2026-11-15T06:00:00Z"), tmp_path / "state", publisher)
        assert {m.value for m in publisher.sent}   # published
        sent = len(publisher.sent)
        with pytest.raises(OlderExport, match="2026-11-15T06:00:00"):
            run(feed(tmp_path, "2026-11-01T06:00:00Z", a=90), tmp_path / "lost", publisher)
        assert len(publisher.sent) == sent

    def test_the_same_feed_after_the_state_is_rebuilt_publishes_nothing(
            self, tmp_path: Path) -> None:
        publisher = FakePublisher()
        run(feed(tmp_path, "2026-11-15T06:00:00Z"), tmp_path / "state", publisher)
        assert run(feed(tmp_path, "2026-11-15T06:00:00Z"), tmp_path / "lost", publisher) == 0
        assert run(feed(tmp_path, "2026-11-16T06:00:00Z", a=90), tmp_path / "lost",
                   publisher) == 1

    def test_every_event_of_a_feed_names_its_time(self, tmp_path: Path) -> None:
        from transferhub.events.v1 import events_pb2 as pb
        publisher = FakePublisher()
        run(feed(tmp_path, "2026-11-15T00:00:00-06:00"), tmp_path / "state", publisher)
        times = {pb.EventEnvelope.FromString(m.value).export_generated_at
                 for m in publisher.sent}
        assert times == {"2026-11-15T06:00:00Z"}


ONTARIO = [
    '{"type":"institution","id":"SENE","name":"Seneca","sector":"college",'
    '"credit_unit":"hours","standard_course":42}',
    '{"type":"institution","id":"YORK","name":"York","sector":"university",'
    '"credit_unit":"credit weight","standard_course":0.5}',
]


def _rule(ident: str, version: int) -> str:
    return json.dumps({"type": "equivalency", "id": ident, "version": version,
                       "from": [f"SENE:{ident}"],
                       "to": {"institution": "YORK", "grant": "course",
                              "courses": [{"code": f"EECS {ident}", "value": 0.5}]},
                       "effective_start": "2019-09-01", "effective_end": None})


class TestOlderExportWithoutATime:
    """Ontario and BC exports carry no time; one most of whose rules published before
    are below the versions published is last week's, re-run: it removes nothing (a
    tester's re-run revoked the 1,510 rules added since), and says why. A stale version
    or two in a newer export are only rejected."""

    def _export(self, tmp_path: Path, name: str, rules: list[str]) -> Path:
        path = tmp_path / name
        path.write_text("\n".join([*ONTARIO, *rules]) + "\n", encoding="utf-8")
        return path

    def test_removals_are_withheld_and_said(self, tmp_path: Path) -> None:
        from adapters.base.report import summary_json
        from adapters.ontario.reader import OntarioReader

        state, publisher = tmp_path / "state", FakePublisher()
        last_week = self._export(tmp_path, "a.jsonl", [_rule("1", 1), _rule("2", 1)])
        this_week = self._export(tmp_path, "b.jsonl",
                                 [_rule("1", 2), _rule("2", 2), _rule("3", 1)])
        run_adapter(OntarioReader(), last_week, kafka=publisher, state_dir=state)
        run_adapter(OntarioReader(), this_week, kafka=publisher, state_dir=state)
        again = run_adapter(OntarioReader(), last_week, kafka=publisher, state_dir=state)
        assert (again.retired, again.older_rules, again.removals_withheld) == (0, 2, True)
        assert "rule ON:1 has version 1, lower than version 2" in again.rejected[0].reason
        doc = summary_json(again)
        assert doc["older_rules"] == 2
        assert doc["withheld_because"] == [
            "2 of its 2 rules published before are at a version below the one published: "
            "the export is older than the last one, and would revoke the rules added since"]

    def test_a_stale_version_in_a_newer_export_is_only_rejected(self, tmp_path: Path) -> None:
        """The held-out Saskatchewan pattern: a rule raised, another stale, one removed."""
        from adapters.ontario.reader import OntarioReader

        state, publisher = tmp_path / "state", FakePublisher()
        run_adapter(OntarioReader(), self._export(
            tmp_path, "a.jsonl", [_rule("1", 1), _rule("2", 3), _rule("3", 1), _rule("4", 1)]),
            kafka=publisher, state_dir=state)
        later = run_adapter(OntarioReader(), self._export(
            tmp_path, "b.jsonl", [_rule("1", 2), _rule("2", 2), _rule("4", 1)]),
            kafka=publisher, state_dir=state)
        assert (later.retired, later.older_rules, later.removals_withheld) == (1, 1, False)

    def test_a_rule_really_removed_still_is(self, tmp_path: Path) -> None:
        from adapters.ontario.reader import OntarioReader

        state, publisher = tmp_path / "state", FakePublisher()
        run_adapter(OntarioReader(), self._export(tmp_path, "a.jsonl", [_rule("1", 1),
                                                                        _rule("2", 1)]),
                    kafka=publisher, state_dir=state)
        later = run_adapter(OntarioReader(), self._export(tmp_path, "b.jsonl", [_rule("1", 2)]),
                            kafka=publisher, state_dir=state)
        assert (later.retired, later.older_rules, later.removals_withheld) == (1, 0, False)
        assert later.withheld_because == []

    def test_a_rule_back_at_a_version_not_above_its_revocation_counts_as_older(
            self, tmp_path: Path) -> None:
        """A reviewer: rule 2 was revoked at v1; an export holding it at v1 again, beside
        a rule really removed, revoked that rule."""
        from adapters.ontario.reader import OntarioReader

        state, publisher = tmp_path / "state", FakePublisher()
        for name, rules in (("a.jsonl", [_rule("1", 1), _rule("2", 1), _rule("3", 1)]),
                            ("b.jsonl", [_rule("1", 1), _rule("3", 1)]),       # 2 revoked
                            ("c.jsonl", [_rule("2", 1), _rule("4", 1)])):      # 1, 3 gone?
            last = run_adapter(OntarioReader(), self._export(tmp_path, name, rules),
                               kafka=publisher, state_dir=state)
        assert (last.retired, last.older_rules, last.removals_withheld) == (0, 1, True)
