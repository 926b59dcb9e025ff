"""Two runs at once on one ``--state`` folder take turns.

A black-box tester ran the Ontario adapter twice at once on one state (as a
watcher and a run by hand, or cron runs that overlap, would): each run marks the
records it reads as seen by its own run number, so the earlier run, marking
after the later one had, left the later one finding those records unseen, and it
revoked 5,000 rules the export still held (``"retired": 5000``); a revoked rule
only comes back at a higher version. Here the earlier run is paused after its
first chunk while the later one reads the whole export, then both go on.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from adapters.base.runner import RunSummary, run_adapter
from tests.unit.adapter_fakes import FakePublisher, FakeReader, course, institution, rule

EXPORT = [institution("UBCV"), institution("CAPU"), course(),
          *(rule(str(88200 + n)) for n in range(9))]   # 12 records, chunks of 2


def test_a_second_run_waits_and_removes_nothing_the_export_holds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_adapter(FakeReader(EXPORT), Path("x"), kafka=FakePublisher(), state_dir=tmp_path,
                chunk=2)
    first_paused, first_go = threading.Event(), threading.Event()
    second_done_reading, second_go = threading.Event(), threading.Event()
    results: dict[str, RunSummary] = {}

    def pause_first(read: int) -> None:
        if read == 2:
            first_paused.set()
            first_go.wait(10)

    def pause_second(read: int) -> None:
        if read == len(EXPORT):   # every chunk recorded; what vanished comes next
            second_done_reading.set()
            second_go.wait(10)

    def run(name: str, progress) -> None:
        results[name] = run_adapter(FakeReader(EXPORT), Path("x"), kafka=FakePublisher(),
                                    state_dir=tmp_path, chunk=2, progress=progress)

    first = threading.Thread(target=run, args=("first", pause_first))
    first.start()
    assert first_paused.wait(10)
    second = threading.Thread(target=run, args=("second", pause_second))
    second.start()
    # Without turns the second run reads everything while the first is paused.
    second_done_reading.wait(1)
    first_go.set()
    first.join(10)
    second_go.set()
    second.join(10)
    assert not first.is_alive() and not second.is_alive()
    assert results["first"].retired == 0
    assert results["second"].retired == 0
    assert results["second"].unchanged == len(EXPORT)
    # The waiting run says why it waits (else it looks hung), once.
    assert capsys.readouterr().err.count("another run is using the state") == 1
