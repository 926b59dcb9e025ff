"""``transferhub monitor`` says what it did not show, and draws a few times a second.

The hub drops events for a monitor that reads too slowly (it never waits for
one) and says how many on the next event (``AppliedEvent.missed``); the
monitor shows them as "N events not shown (the monitor fell behind)", so that
what it shows plus that adds up to the events applied. On a terminal it used
to redraw the whole view for every event: about 40 events a second at full
CPU, which is what made it fall behind.
"""

from __future__ import annotations

import argparse
import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from rich.console import Console

from transferhub.cli import monitor, tables
from transferhub.cli.pulse import Pulse
from transferhub.hub.v1 import operator_service_pb2 as pb


def events(n: int, missed: dict[int, int] | None = None) -> list[pb.AppliedEvent]:
    missed = missed or {}
    return [pb.AppliedEvent(event_id=f"e{i}", province="BC" if i % 2 else "ON",
                            entity_key=f"BC:{i}", version=1, outcome="applied",
                            applied_at="2026-11-30T18:00:00Z", change="rule_upserted",
                            missed=missed.get(i, 0)) for i in range(n)]


def run(monkeypatch: pytest.MonkeyPatch, stream: list[pb.AppliedEvent],
        console: Console | None = None) -> int:
    def fake_stream(*_: Any) -> Iterator[pb.AppliedEvent]:
        yield from stream

    def no_status(*_: Any) -> pb.Status:
        raise monitor.HubUnreachable("no hub in this test")

    monkeypatch.setattr(monitor, "stream", fake_stream)
    monkeypatch.setattr(monitor, "call", no_status)
    monkeypatch.setattr(monitor, "checked_address", lambda args: "127.0.0.1:1")
    if console is not None:
        monkeypatch.setattr(tables, "console", lambda: console)
    return monitor.run_monitor(argparse.Namespace(province="", hub="127.0.0.1:1", json=False))


def test_piped_it_says_how_many_events_it_did_not_show(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    run(monkeypatch, events(10, {3: 1892, 7: 1}))
    lines = capsys.readouterr().out.splitlines()
    assert lines[3] == "1892 events not shown (the monitor fell behind)"
    assert lines[4].split()[4] == "BC:3"      # said just before the event that follows the gap
    assert lines[8] == "1 event not shown (the monitor fell behind)"
    shown = [line for line in lines if "not shown" not in line]
    missed = sum(int(line.split()[0]) for line in lines if "not shown" in line)
    assert len(shown) + missed == 10 + 1892 + 1


def test_on_a_terminal_the_count_of_events_not_shown_is_on_screen() -> None:
    view = monitor._View()
    for event in events(6, {2: 40, 5: 2}):
        view.add(monitor.applied_event(event))
    out = Console(file=io.StringIO(), width=140, force_terminal=False)
    out.print(view.render())
    text = out.file.getvalue()   # type: ignore[attr-defined]
    assert "42 events not shown (the monitor fell behind)" in text
    assert "latest events" in text


def test_on_a_terminal_it_draws_a_few_times_a_second_not_once_an_event(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    built = []
    build = monitor._View._build

    def counted(self: monitor._View) -> Any:
        built.append(1)
        return build(self)

    monkeypatch.setattr(monitor._View, "_build", counted)
    with (tmp_path / "screen").open("w") as screen:
        console = Console(file=screen, force_terminal=True, width=140, height=50)
        run(monkeypatch, events(5000), console)
    # Once an event it was 5,001 builds and ~100 s; now a handful, whatever the rate.
    assert len(built) < 50, len(built)


class TestProvinceTextIsShownNotObeyed:
    """An entity key is a province's text: '[/dim]' in it stopped the live view with rich's
    MarkupError, and an escape sequence reached the terminal raw."""

    HOSTILE = "ON:HUMB:[/dim] 1 \x1b[2J"

    def _event(self) -> pb.AppliedEvent:
        return pb.AppliedEvent(event_id="e", province="ON", entity_key=self.HOSTILE,
                               version=1, outcome="applied", change="credential_upserted",
                               applied_at="2026-11-30T18:00:00Z")

    def test_on_a_terminal(self) -> None:
        view = monitor._View()
        view.add(monitor.applied_event(self._event()))
        out = Console(file=io.StringIO(), width=200, force_terminal=False)
        out.print(view.render())
        text = out.file.getvalue()   # type: ignore[attr-defined]
        assert r"ON:HUMB:[/dim] 1 \x1b[2J" in text and "\x1b" not in text

    def test_piped(self, monkeypatch: pytest.MonkeyPatch,
                   capsys: pytest.CaptureFixture[str]) -> None:
        run(monkeypatch, [self._event()])
        out = capsys.readouterr().out
        assert r"ON:HUMB:[/dim] 1 \x1b[2J" in out and "\x1b" not in out


def status(lag_known: bool = True, **by_province: tuple[int, int, int]) -> pb.Status:
    """A hub status: per province (events applied, lag, dead letters)."""
    return pb.Status(lag_known=lag_known, by_province={
        province: pb.ProvinceStatus(events_applied=applied, lag=lag, dead_lettered=dead)
        for province, (applied, lag, dead) in by_province.items()})


class TestStreamsTable:
    """An operator watches the streams for throughput, lag and dead letters: the terminal
    view shows them per province, from the hub's status (every hub on the store), not
    from the events the monitor happened to be sent."""

    def test_rate_is_the_change_in_handled_events_over_the_window(self) -> None:
        pulse = Pulse(window=10)
        pulse.observe(status(BC=(1_000, 50, 2), ON=(10, 0, 0)), at=100.0)
        assert pulse.rate("BC") is None                       # one answer: no rate yet
        pulse.observe(status(BC=(3_000, 40, 3), ON=(10, 0, 0)), at=102.0)
        pulse.observe(status(BC=(5_000, 30, 3), ON=(10, 0, 0)), at=104.0)
        # Handled = applied + duplicate + stale + dead lettered.
        assert pulse.rate("BC") == pytest.approx((5_003 - 1_002) / 4)
        assert pulse.rate("ON") == 0
        assert pulse.rows() == [("BC", "1,000", "30", "3"), ("ON", "0.0", "0", "0")]

    def test_a_trickle_is_not_shown_as_none(self) -> None:
        pulse = Pulse()
        pulse.observe(status(SK=(0, 0, 0)), at=0.0)
        pulse.observe(status(SK=(3, 0, 0)), at=10.0)
        assert pulse.rows() == [("SK", "0.3", "0", "0")]

    def test_old_answers_leave_the_window(self) -> None:
        pulse = Pulse(window=10)
        for second, applied in ((0, 0), (2, 100_000), (12, 100_100), (14, 100_300)):
            pulse.observe(status(SK=(applied, 0, 0)), at=float(second))
        # The burst between 0 and 2 s is over 10 s old: (100,300 - 100,000) / (14 - 2).
        assert pulse.rate("SK") == pytest.approx(300 / 12)

    def test_counts_that_went_down_start_again(self) -> None:
        pulse = Pulse()
        pulse.observe(status(BC=(9_000, 0, 0)), at=0.0)
        pulse.observe(status(BC=(100, 0, 0)), at=2.0)         # a hub on an emptied store
        assert pulse.rate("BC") is None
        pulse.observe(status(BC=(300, 0, 0)), at=4.0)
        assert pulse.rate("BC") == pytest.approx(100)

    def test_a_province_that_appears_had_handled_none_before(self) -> None:
        pulse = Pulse()
        pulse.observe(status(ON=(10, 0, 0)), at=0.0)
        pulse.observe(status(ON=(10, 0, 0), BC=(424, 0, 0)), at=2.0)   # a first BC run
        assert pulse.rate("BC") == pytest.approx(212)

    def test_a_lag_not_measured_lately_is_not_shown_as_caught_up(self) -> None:
        pulse = Pulse()
        pulse.observe(status(lag_known=False, BC=(5, 0, 0)), at=0.0)
        assert pulse.rows() == [("BC", "-", "?", "0")]
        assert "not measured lately" in pulse.footnote()

    def test_only_the_province_asked_for(self) -> None:
        pulse = Pulse("bc")
        pulse.observe(status(BC=(5, 7, 1), ON=(9, 9, 9)), at=0.0)
        assert [row[0] for row in pulse.rows()] == ["BC"]

    def test_on_screen_with_a_status_that_could_not_be_had(self) -> None:
        view = monitor._View()
        view.record_status(status(BC=(1_000, 1_234, 17)))
        view.record_status("the hub at 127.0.0.1:1 cannot be reached")
        out = Console(file=io.StringIO(), width=140, force_terminal=False)
        out.print(view.render())
        text = out.file.getvalue()   # type: ignore[attr-defined]
        assert "events/s" in text and "1,234" in text and "17" in text   # last figures kept
        assert "status not refreshed: the hub at 127.0.0.1:1 cannot be reached" in text

    def test_the_monitor_asks_for_the_status_while_it_runs(
            self, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
        asked: list[str] = []
        drawn: list[Any] = []

        def fake_call(address: str, stub: type, method: str, request: Any) -> pb.Status:
            asked.append(method)
            return status(BC=(len(asked) * 100, 5, 1))

        def slow_stream(*_: Any) -> Iterator[pb.AppliedEvent]:
            waited = threading.Event()
            for event in events(3):
                for _ in range(500):           # the events arrive after two status answers
                    if len(asked) >= 2:
                        break
                    waited.wait(0.01)
                yield event

        render = monitor._View.render

        def kept(self: monitor._View) -> Any:
            drawn.append(self.pulse.rows())
            return render(self)

        monkeypatch.setattr(monitor, "call", fake_call)
        monkeypatch.setattr(monitor, "STATUS_SECONDS", 0.01)
        monkeypatch.setattr(monitor._View, "render", kept)
        monkeypatch.setattr(monitor, "stream", slow_stream)
        monkeypatch.setattr(monitor, "checked_address", lambda args: "127.0.0.1:1")
        with (tmp_path / "screen").open("w") as screen:
            console = Console(file=screen, force_terminal=True, width=140, height=50)
            monkeypatch.setattr(tables, "console", lambda: console)
            monitor.run_monitor(argparse.Namespace(province="", hub="127.0.0.1:1", json=False))
        assert set(asked) == {"GetStatus"} and len(asked) >= 2
        assert any(rows and rows[0][0] == "BC" and rows[0][2] == "5" for rows in drawn)


def test_piped_lines_are_six_tab_separated_fields(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """An entity id ("BC:CAPU:ENGL 100") and a change ("rule upserted") hold spaces; an
    unreadable event has no entity: a script splitting on spaces got 5, 7 or 8 fields."""
    stream = [pb.AppliedEvent(event_id="e1", province="BC", entity_key="BC:CAPU:ENGL 100",
                              version=2, outcome="applied", change="credential_upserted",
                              applied_at="2026-11-30T18:00:00Z"),
              pb.AppliedEvent(event_id="e2", province="BC", entity_key="", version=0,
                              outcome="dead_lettered", change="",
                              applied_at="2026-11-30T18:00:01Z")]
    run(monkeypatch, stream)
    first, second = (line.split("\t") for line in capsys.readouterr().out.splitlines())
    assert first == ["2026-11-30T18:00:00Z", "BC", "credential upserted", "BC:CAPU:ENGL 100",
                     "v2", "applied"]
    assert second == ["2026-11-30T18:00:01Z", "BC", "unreadable", "", "v0", "dead_lettered"]
