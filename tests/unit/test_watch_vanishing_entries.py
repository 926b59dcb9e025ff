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
