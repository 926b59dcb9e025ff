"""The run report: CLI.md's ``adapter --json`` shape, also written beside watched exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapters.base.records import Rejection
from adapters.base.runner import RunSummary

# What a run with ``recovered`` tells a person.
RECOVERED = ("this --state folder had no record of an earlier run: it was rebuilt from the "
             "province's topic ({n} records) and the export diffed against it")


def rejection_json(rejection: Rejection) -> dict[str, str]:
    """``{"where": "line 14", "reason": "…"}``, plus ``file`` (an added key) naming the
    file of an export that is a folder (BC's two CSVs)."""
    out = {"where": rejection.where, "reason": rejection.reason}
    if rejection.file:
        out["file"] = rejection.file
    return out


def summary_json(summary: RunSummary) -> dict[str, Any]:
    """``{"province", "published", "retired", "unchanged", "rejected": [{"where", "reason"}]}``.

    Plus keys CLI.md allows: ``kept``, records published before whose line in
    this export was rejected, kept at their last good version; ``redelivered``,
    events an earlier run recorded but could not deliver (the broker was
    down), delivered by this run before its own (not in ``published``);
    ``removals_withheld``, true when nothing was retired or revoked (the export is
    cut short, a rejected record's id does not read, or it is older than the last:
    see ``RunSummary``), with ``withheld_because`` saying which and ``older_rules``
    counting the rules below the version already published; ``vanished_institutions``,
    institutions no longer in the export: no event retires an institution (the
    canonical events have none), so the hub keeps them, and this says so;
    ``recovered``, how many entities a state that remembered no run was rebuilt
    with from the province's topic (0 when it was not); ``earlier_runs_unknown``,
    always false now (see ``RunSummary``).
    """
    return {
        "province": summary.province,
        "published": summary.published,
        "retired": summary.retired,
        "unchanged": summary.unchanged,
        "rejected": [rejection_json(r) for r in summary.rejected],
        "kept": summary.kept,
        "redelivered": summary.redelivered,
        "removals_withheld": summary.removals_withheld,
        "withheld_because": summary.withheld_because,
        "older_rules": summary.older_rules,
        "vanished_institutions": summary.vanished_institutions,
        "earlier_runs_unknown": summary.earlier_runs_unknown,
        "recovered": summary.recovered,
    }


def failure_json(province: str, error: str,
                 rejected: list[Rejection] | None = None) -> dict[str, Any]:
    """The report of an export that could not be processed: the summary shape plus ``error``."""
    return {"province": province, "published": 0, "retired": 0, "unchanged": 0,
            "rejected": [rejection_json(r) for r in rejected or []], "error": error}


def write_report(path: Path, report: dict[str, Any]) -> None:
    """Write a report as indented JSON, atomically (a watcher never sees half of it)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
