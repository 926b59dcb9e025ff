"""A record the snapshot differ refuses is named by its place, as the readers' own rejections are.

FORMATS.md: a bad record is rejected "with its place (line, or XML element
path)". A rule changed without a higher version, or sent at a lower one, is
refused only by the differ, after the reader; it still names the line or path.
"""

from __future__ import annotations

import json
from pathlib import Path

from adapters.base.runner import RunSummary, run_adapter
from adapters.bc.reader import BcReader
from adapters.ontario.reader import OntarioReader
from adapters.saskatchewan.reader import SaskatchewanReader
from tests.unit.adapter_fakes import FakePublisher
from tests.unit.test_adapter_hostile_exports import (
    BC_HEADER,
    ON_COURSE,
    ON_RECEIVER,
    ON_SENDER,
    SK_HEAD,
    SK_INSTITUTIONS,
    SK_TAIL,
    bc_row,
    line,
    rule,
    sk_rule,
    write_bc,
)


def run(reader: object, path: Path, state: Path) -> RunSummary:
    return run_adapter(reader, path, kafka=FakePublisher(), state_dir=state)


def places(summary: RunSummary) -> list[tuple[str | None, str, str]]:
    return [(r.file, r.where, r.reason.split(";")[0]) for r in summary.rejected]


class TestRefusedByTheDiffer:
    def test_ontario_names_the_line(self, tmp_path: Path) -> None:
        path, state = tmp_path / "on.jsonl", tmp_path / "state"
        head = [line(ON_SENDER), line(ON_RECEIVER), line(ON_COURSE)]
        path.write_bytes(b"\n".join([*head, line(rule(version=2))]) + b"\n")
        assert not run(OntarioReader(), path, state).rejected
        changed = rule(version=2, min_grade="70")
        path.write_bytes(b"\n".join([*head, line(rule(id="LK-0009")), line(changed)]) + b"\n")
        assert places(run(OntarioReader(), path, state)) == [
            (None, "line 5", "rule ON:LK-0001 changed but its version is still 2")]
        path.write_bytes(b"\n".join([*head, line(rule(version=1))]) + b"\n")
        assert places(run(OntarioReader(), path, state)) == [
            (None, "line 4", "rule ON:LK-0001 has version 1, lower than version 2 already "
                             "published")]

    def test_bc_names_the_file_and_line(self, tmp_path: Path) -> None:
        state = tmp_path / "state"
        folder = write_bc(tmp_path, BC_HEADER + bc_row("1") + bc_row("2", "HIST 101"))
        assert not run(BcReader(), folder, state).rejected
        write_bc(tmp_path, BC_HEADER + bc_row("1") + bc_row("2", "HIST 101", title="New",
                                                             text="NORU HIST 2nd (3)"))
        summary = run(BcReader(), folder, state)
        assert places(summary) == [
            ("equivalencies.csv", "line 3", "rule BC:2 changed but its version is still 1")]
        assert summary.rejected[0].place == "equivalencies.csv line 3"

    def test_saskatchewan_names_the_element_path(self, tmp_path: Path) -> None:
        path, state = tmp_path / "sk.xml", tmp_path / "state"
        path.write_text(SK_HEAD + SK_INSTITUTIONS + sk_rule("E-1") + sk_rule("E-2") + SK_TAIL)
        assert not run(SaskatchewanReader(), path, state).rejected
        other = ('<Sending institution="RIVP"><Course code="COSC 101"/></Sending>'
                 '<Receiving institution="PRAU" grant="none"/>')
        path.write_text(SK_HEAD + SK_INSTITUTIONS + sk_rule("E-1") + sk_rule("E-2", other)
                        + SK_TAIL)
        assert places(run(SaskatchewanReader(), path, state)) == [
            (None, "/TransferCreditGuide/Equivalency[2]",
             "rule SK:E-2 changed but its version is still 1")]

    def test_the_json_report_keeps_where_and_file_apart(self, tmp_path: Path) -> None:
        from adapters.base.report import summary_json

        state = tmp_path / "state"
        folder = write_bc(tmp_path, BC_HEADER + bc_row("1"))
        run(BcReader(), folder, state)
        write_bc(tmp_path, BC_HEADER + bc_row("1", text="NORU HIST 2nd (3)"))
        doc = json.loads(json.dumps(summary_json(run(BcReader(), folder, state))))
        assert [(r["where"], r.get("file")) for r in doc["rejected"]] == [
            ("line 2", "equivalencies.csv")]
