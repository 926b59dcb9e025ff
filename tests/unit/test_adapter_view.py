"""What ``transferhub adapter`` shows a person: the progress bar's expected size."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from adapters.base.runner import run_adapter
from tests.unit.adapter_fakes import FakePublisher, FakeReader, course, institution, rule
from transferhub.cli import adapter_view


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run_once(state: Path) -> None:
    run_adapter(FakeReader([institution(), institution("CAPU", "Capilano University"), course(),
                            rule()]), Path("export"), kafka=FakePublisher(), state_dir=state)


def test_expected_records_are_what_the_last_run_read(tmp_path: Path) -> None:
    assert adapter_view.expected_records(tmp_path) is None   # no run yet
    _run_once(tmp_path)
    assert adapter_view.expected_records(tmp_path) == 4


def test_a_state_file_that_is_not_one_gives_no_estimate(tmp_path: Path) -> None:
    (tmp_path / "state.db").write_bytes(b"not a database" * 100)
    assert adapter_view.expected_records(tmp_path) is None


def test_the_bar_shows_a_percentage_when_the_size_is_expected(
        monkeypatch: pytest.MonkeyPatch) -> None:
    shown = _Terminal()
    monkeypatch.setattr(sys, "stderr", shown)
    with adapter_view.progress(enabled=True, expected=200) as tick:
        assert tick is not None
        tick(100)
        tick(250)   # more than expected: held at 100% until the run ends
    assert "50%" in shown.getvalue() or "100%" in shown.getvalue()
    assert "of ~200" in shown.getvalue()


def test_without_an_estimate_the_bar_only_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = _Terminal()
    monkeypatch.setattr(sys, "stderr", shown)
    with adapter_view.progress(enabled=True) as tick:
        assert tick is not None
        tick(120)
    assert "120 records" in shown.getvalue() and "%" not in shown.getvalue()
