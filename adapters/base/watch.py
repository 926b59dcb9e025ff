"""Service mode: process each export dropped into a folder, once, until told to stop.

An export (a file, or a folder for BC) is taken when it has stayed unchanged
for ``settle`` seconds, so a copy in progress is never read half-way. After
the run it moves to ``DIR/processed/`` (it was read; some records may have
been rejected) or ``DIR/failed/`` (nothing could be read), with its report
``<name>.report.json`` beside it. When the broker is down the export stays
where it is and is tried again later: the events it recorded wait in the outbox.
Exports are taken oldest first, since each is a full snapshot.
Hidden names and names ending in ``.tmp`` / ``.part`` are ignored: copying an
export in under such a name and renaming it is the safe way. An export found
cut short (its last line stops part-way, ``removals_withheld``), most likely
still being written after a pause longer than ``settle``, publishes what it
read and stays where it is, to be read again once it changes. So does an XML
feed that ends before its root element does (``ExportCutShort``; its report
has ``error`` and ``"cut_short": true``).
"""

from __future__ import annotations

import contextlib
import math
import shutil
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.base.publisher import BrokerUnreachable
from adapters.base.records import ExportCutShort, ExportReader, ExportUnreadable
from adapters.base.report import failure_json, summary_json, write_report
from adapters.base.runner import NothingReadable, run_adapter
from adapters.base.statedb import StateUnusable, pending_events

PROCESSED, FAILED = "processed", "failed"
Notify = Callable[[Path, dict[str, Any]], None]


def _signature(entry: Path) -> tuple:
    """Sizes and modification times of the entry (every file, for a folder)."""
    if entry.is_dir():
        return tuple(sorted((str(p.relative_to(entry)), p.stat().st_size, p.stat().st_mtime_ns)
                            for p in entry.rglob("*") if p.is_file()))
    stat = entry.stat()
    return (stat.st_size, stat.st_mtime_ns)


def _candidates(directory: Path) -> list[Path]:
    """The exports waiting in ``directory``, oldest first. An entry gone before it could be
    looked at (renamed or removed meanwhile, or a symbolic link to nothing) is left out:
    its ``stat`` raised out of the sort and stopped the watcher."""
    found: list[tuple[int, str, Path]] = []
    for p in directory.iterdir():
        if (p.name in (PROCESSED, FAILED) or p.name.startswith(".")
                or p.name.endswith((".tmp", ".part"))):
            continue
        try:
            found.append((p.stat().st_mtime_ns, p.name, p))
        except OSError:
            continue
    return [p for _, _, p in sorted(found)]


def _move(entry: Path, folder: Path, report: dict[str, Any]) -> Path:
    """Move ``entry`` into ``folder`` (never over an earlier one) and write its report."""
    folder.mkdir(exist_ok=True)
    target = folder / entry.name
    if target.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        target = folder / f"{entry.stem}-{stamp}{entry.suffix}"
    # Removed while it was read (its events are out all the same): its report is still
    # filed. Raised out of the watcher, this stopped it.
    with contextlib.suppress(FileNotFoundError):
        shutil.move(str(entry), target)
    write_report(target.with_name(target.name + ".report.json"), report)
    return target


def process_export(reader: ExportReader, export: Path, *, kafka: str, state_dir: Path,
                   retry_seconds: float = 5.0) -> tuple[Path, dict[str, Any]]:
    """Run the adapter on one export and file it (a cut-short one stays: it is returned
    as it is); raises BrokerUnreachable (export stays)."""
    from adapters.base.publisher import KafkaEventPublisher

    directory = export.parent
    try:
        summary = run_adapter(reader, export, state_dir=state_dir,
                              kafka=KafkaEventPublisher(kafka, retry_seconds=retry_seconds))
    except BrokerUnreachable:
        raise
    except NothingReadable as exc:
        report = failure_json(reader.province, str(exc), exc.rejected)
        return _move(export, directory / FAILED, report), report
    except ExportCutShort as exc:   # an XML feed still being written: left in place
        return export, {**failure_json(reader.province, str(exc)), "cut_short": True}
    except (ExportUnreadable, StateUnusable, OSError) as exc:
        report = failure_json(reader.province, str(exc))
        return _move(export, directory / FAILED, report), report
    report = summary_json(summary)
    if any(r.cut_short for r in summary.rejected):
        # Cut short: most likely still being written. Its good records are out; it is
        # read again, whole, once it changes (see watch).
        return export, report
    return _move(export, directory / PROCESSED, report), report


def watch(reader: ExportReader, directory: Path, *, kafka: str, state_dir: Path,
          stop: threading.Event, poll: float = 1.0, settle: float = 2.0,
          notify: Notify | None = None, on_error: Callable[[str], None] | None = None) -> None:
    """Process exports arriving in ``directory`` until ``stop`` is set."""
    directory.mkdir(parents=True, exist_ok=True)
    seen: dict[Path, tuple[tuple, float]] = {}
    while not stop.is_set():
        now = time.monotonic()
        for entry in _candidates(directory):
            try:
                signature = _signature(entry)
            except OSError:  # removed while we looked
                continue
            previous = seen.get(entry)
            if previous is None or previous[0] != signature:
                seen[entry] = (signature, now)
                continue
            if now - previous[1] < settle or stop.is_set():
                continue
            try:
                target, report = process_export(reader, entry, kafka=kafka, state_dir=state_dir)
            except BrokerUnreachable as exc:
                if on_error:
                    on_error(f"{entry.name}: {exc}; will retry{_waiting(state_dir)}")
                break  # keep the order: nothing newer goes before this one
            if target == entry:   # cut short: left where it is until it changes
                seen[entry] = (signature, math.inf)
            else:
                seen.pop(entry, None)
            if notify:
                notify(target, report)
        stop.wait(poll)


def _waiting(state_dir: Path) -> str:
    """``, N events wait in the outbox``, or "" when none do (a run whose state remembers
    nothing fails before it records any)."""
    kept = pending_events(state_dir)
    return f", {kept} event{'' if kept == 1 else 's'} wait in the outbox" if kept else ""
