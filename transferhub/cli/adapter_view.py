"""What ``transferhub adapter`` shows people: a progress bar and a summary table."""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from adapters.base.report import RECOVERED
from adapters.base.runner import RunSummary
from adapters.base.statedb import STATE_FILE


@contextlib.contextmanager
def progress(*, enabled: bool, expected: int | Callable[[], int | None] | None = None
             ) -> Iterator[Callable[[int], None] | None]:
    """A records-read bar on standard error, when it is a terminal.

    ``expected`` (see :func:`expected_records`) gives the bar a percentage and a
    time left; without it the bar only counts. An export larger than expected
    shows 100% until it ends. Given as a function, it is asked only when the bar
    is shown (it reads the state).
    """
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    if callable(expected):
        expected = expected()
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.completed:,} records")]
    if expected:
        columns += [TaskProgressColumn(), TextColumn("of ~{task.total:,}"),
                    TimeRemainingColumn()]
    bar = Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    with bar:
        task = bar.add_task("publishing", total=expected or None)
        yield lambda done: bar.update(task, completed=min(done, expected) if expected else done)


def expected_records(state_dir: Path) -> int | None:
    """How many records the last run read (what the state holds as present): the best
    guess at the size of the next export; None before a first run."""
    path = state_dir / STATE_FILE
    if not path.exists():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            return conn.execute("SELECT COUNT(*) FROM entity WHERE present = 1").fetchone()[0] \
                or None
    except sqlite3.Error:
        return None   # the run itself says what is wrong with the state


def show_summary(summary: RunSummary) -> None:
    """A table of what was published, and the rejections with where and why."""
    from transferhub.cli import tables
    from transferhub.cli.tables import Table

    console = tables.console()
    table = Table(title=f"{summary.province} adapter run")
    for column in ("published", "retired", "unchanged", "rejected"):
        table.add_column(column, justify="right")
    table.add_row(str(summary.published), str(summary.retired), str(summary.unchanged),
                  str(len(summary.rejected)))
    console.print(table)
    if summary.redelivered:
        console.print(f"delivered {summary.redelivered} events left by an earlier run first")
    for why in summary.withheld_because:
        console.print(f"[yellow]note:[/] nothing was retired or revoked this run: {why}")
    if summary.recovered:
        console.print(f"[yellow]note:[/] {RECOVERED.format(n=summary.recovered)}")
    for institution in summary.vanished_institutions:
        console.print(f"[yellow]note:[/] institution {institution} is no longer in the export "
                      "(kept at the hub)")
    if summary.rejected:
        rejected = Table(title="rejected records")
        rejected.add_column("where")
        rejected.add_column("reason")
        for item in summary.rejected:
            rejected.add_row(*tables.shown([item.place, item.reason]))
        console.print(rejected)
