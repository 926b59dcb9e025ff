"""A watcher goes on past an entry it cannot look at.

A black-box tester dropped a symbolic link to nothing into a watched folder (the
same happens when an export is renamed or removed between listing the folder and
looking at it): the entry's ``stat`` raised FileNotFoundError out of the
oldest-first sort and the watcher stopped, leaving every later export unread.
"""

from __future__ import annotations

import threading
from pathlib import Path

from adapters.base import watch as watching
from adapters.base.runner import RunSummary
from adapters.ontario.reader import OntarioReader


def test_candidates_leave_out_a_link_to_nothing(tmp_path: Path) -> None:
    (tmp_path / "good.jsonl").write_text("{}\n")
    (tmp_path / "dangling.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    assert [p.name for p in watching._candidates(tmp_path)] == ["good.jsonl"]


def test_the_watcher_goes_on_past_a_link_to_nothing(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "a-dangling.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    (tmp_path / "b-export.jsonl").write_text("{}\n")
    taken: list[str] = []
    stop = threading.Event()

    def process(reader, export, **_kw):
        taken.append(export.name)
        stop.set()
        return export.parent / "processed" / export.name, {}

    monkeypatch.setattr(watching, "process_export", process)
    worker = threading.Thread(target=watching.watch, args=(OntarioReader(), tmp_path),
                              kwargs={"kafka": "127.0.0.1:1", "state_dir": tmp_path / ".state",
                                      "stop": stop, "poll": 0.01, "settle": 0.0})
    worker.start()
    worker.join(10)
    stop.set()
    assert not worker.is_alive()
    assert taken == ["b-export.jsonl"]


def test_an_export_removed_while_it_is_read_is_reported_and_the_watcher_goes_on(
        tmp_path: Path, monkeypatch) -> None:
    """A tester removed a large export from the drop folder while the watcher read it:
    moving it to processed/ raised FileNotFoundError and the watcher stopped."""
    export = tmp_path / "big.jsonl"
    export.write_text("{}\n")

    def run_adapter(reader, path, **_kw):
        path.unlink()   # the operator takes it back out while it is read
        return RunSummary("ON", published=3)

    monkeypatch.setattr(watching, "run_adapter", run_adapter)
    target, report = watching.process_export(OntarioReader(), export, kafka="127.0.0.1:1",
                                             state_dir=tmp_path / ".state")
    assert target == tmp_path / "processed" / "big.jsonl"
    assert report["published"] == 3
    assert (tmp_path / "processed" / "big.jsonl.report.json").exists()
