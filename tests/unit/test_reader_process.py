"""The export read in a child interpreter (adapters.base.reader_process)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from adapters.base.reader_process import Worker
from adapters.bc.reader import BcReader
from adapters.generate import generate


class TestTheChild:
    def test_ctrl_c_goes_to_the_parent_not_the_child(self, tmp_path: Path) -> None:
        """The terminal sends SIGINT to the whole process group; the child must go on
        (the parent decides: it stops the child when it stops), or the run's clean
        "interrupted" became "the export reader process exited" (or a truncated chunk)."""
        export = generate("BC", tmp_path / "bc", rules=20_000, institutions=30)
        worker = Worker(BcReader(), export, 500)
        try:
            time.sleep(0.4)  # the child is up and reading
            os.kill(worker.process.pid, signal.SIGINT)
            read = sum(len(chunk.entries) for chunk in worker)
        finally:
            worker.close()
        assert read > 20_000  # every chunk came back
