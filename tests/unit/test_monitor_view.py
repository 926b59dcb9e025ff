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
from collections.abc import Iterator
from typing import Any

import pytest
from rich.console import Console

from transferhub.cli import monitor, tables
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

    monkeypatch.setattr(monitor, "stream", fake_stream)
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
