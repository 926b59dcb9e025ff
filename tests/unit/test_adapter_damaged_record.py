"""A damaged record whose id does not read never removes credit.

Read as a snapshot, a record that is absent from an export is retired or revoked. A
record present but damaged so that its id no longer reads (a line that is not JSON, a
CSV row with a stray field, an ``<Equivalency>`` without ``id``, a misspelt element)
cannot be told from any absent one: it may be any of them. So such a rejection is
``unidentified`` and the run removes nothing (``removals_withheld``); the good records
still go out, and a later clean export removes what really vanished. A black-box
tester saw one damaged BC row revoke every rule of the province. A rejected record of
another province is not the province's to keep, and does not hold removals back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.bc.reader import BcReader
from adapters.ontario.reader import OntarioReader
from adapters.saskatchewan.reader import SaskatchewanReader
from tests.unit.test_adapter_cut_short import bc, ontario, run
from tests.unit.test_adapter_hostile_exports import (
    SK_HEAD,
    SK_INSTITUTIONS,
    SK_TAIL,
    bc_row,
    line,
    rule,
    sk_rule,
    write_bc,
)


def removals(sent: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(kind, key) for kind, key in sent if kind.endswith(("revoked", "retired"))]


class TestOntario:
    @pytest.mark.parametrize("damaged", [
        b'{"type":"equivalency","id":"LK-0001","version":3,"from":["NORC:PRG1',  # not JSON
        b'{"type":"equivalenc","id":"LK-0001","version":3}',                    # unknown type
        b'{"type":"equivalency","version":3}',                                   # no id
        b'{"version":3,"id":"LK-0001"}',                                         # no type
    ])
    def test_a_line_whose_id_does_not_read_removes_nothing(
            self, tmp_path: Path, damaged: bytes) -> None:
        path, state = tmp_path / "on.jsonl", tmp_path / "state"
        path.write_bytes(ontario(3))
        run(OntarioReader(), path, state)
        lines = ontario(3).split(b"\n")
        lines[4] = damaged   # LK-0001's line, in the middle of the export
        path.write_bytes(b"\n".join(lines))
        summary, sent = run(OntarioReader(), path, state)
        assert [r.unidentified for r in summary.rejected] == [True]
        assert summary.removals_withheld and summary.retired == 0 and not removals(sent)

        path.write_bytes(b"\n".join(line for n, line in enumerate(lines) if n != 4))
        _, sent = run(OntarioReader(), path, state)   # clean: LK-0001 is really gone
        assert removals(sent) == [("rule_revoked", "ON:LK-0001")]

    def test_a_rejected_record_of_another_province_does_not_hold_removals(
            self, tmp_path: Path) -> None:
        path, state = tmp_path / "on.jsonl", tmp_path / "state"
        path.write_bytes(ontario(3))
        run(OntarioReader(), path, state)
        lines = ontario(3).split(b"\n")
        lines[4] = line(rule(id="LK-0001", to={"institution": "BC:UBCV", "grant": "no_credit"}))
        path.write_bytes(b"\n".join(lines))
        summary, sent = run(OntarioReader(), path, state)
        assert [r.unidentified for r in summary.rejected] == [False]
        assert removals(sent) == [("rule_revoked", "ON:LK-0001")]


    def test_a_line_that_names_no_record_does_not_hold_removals(self, tmp_path: Path) -> None:
        """``{"type": "nonsense"}`` is rejected, but it cannot be a damaged record: it
        names none (no record kind, no id, code or institution)."""
        path, state = tmp_path / "on.jsonl", tmp_path / "state"
        path.write_bytes(ontario(3))
        run(OntarioReader(), path, state)
        lines = ontario(3).split(b"\n")
        lines[4] = b'{"type": "nonsense"}'
        path.write_bytes(b"\n".join(lines))
        summary, sent = run(OntarioReader(), path, state)
        assert [r.unidentified for r in summary.rejected] == [False]
        assert removals(sent) == [("rule_revoked", "ON:LK-0001")]


class TestBc:
    @pytest.mark.parametrize("damaged", [
        '1,1,COLA,HIST 101,"History,3,NORU,NORU HIST 1st (3),,Sep 2015,present\n',  # quote
        "1,1,COLA,HIST 101,History,3,NORU,NORU HIST 1st (3),,Sep 2015,present,extra\n",
        ",1,COLA,HIST 101,History,3,NORU,NORU HIST 1st (3),,Sep 2015,present\n",    # no id
        bc_row("1", ""),                                                           # no course
    ])
    def test_a_row_whose_ids_do_not_read_removes_nothing(
            self, tmp_path: Path, damaged: str) -> None:
        state = tmp_path / "state"
        folder = write_bc(tmp_path, bc(3))
        run(BcReader(), folder, state)
        rows = bc(3).splitlines(keepends=True)
        rows[2] = damaged   # rule 1's row (header, rule 0, rule 1, rule 2)
        write_bc(tmp_path, "".join(rows))
        summary, sent = run(BcReader(), folder, state)
        assert [r.unidentified for r in summary.rejected] == [True]
        assert summary.removals_withheld and summary.retired == 0 and not removals(sent)

    def test_a_rejected_rule_into_another_province_does_not_hold_removals(
            self, tmp_path: Path) -> None:
        state = tmp_path / "state"
        folder = write_bc(tmp_path, bc(3))
        run(BcReader(), folder, state)
        rows = bc(3).splitlines(keepends=True)
        rows[2] = bc_row("1", "HIST 101", receiver="ON:LAKU", text="LAKU HIST 1st (3)")
        write_bc(tmp_path, "".join(rows))
        summary, sent = run(BcReader(), folder, state)
        assert [r.unidentified for r in summary.rejected] == [False]
        assert ("rule_revoked", "BC:1") in removals(sent)


class TestSaskatchewan:
    @pytest.mark.parametrize("damaged", [
        sk_rule("E-2").replace(' id="E-2"', ""),                          # no id
        sk_rule("E-2").replace("<Equivalency", "<Equivalancy").replace(
            "</Equivalency>", "</Equivalancy>"),                         # misspelt
    ])
    def test_an_element_whose_id_does_not_read_removes_nothing(
            self, tmp_path: Path, damaged: str) -> None:
        path, state = tmp_path / "sk.xml", tmp_path / "state"
        path.write_text(SK_HEAD + SK_INSTITUTIONS + sk_rule("E-1") + sk_rule("E-2") + SK_TAIL)
        run(SaskatchewanReader(), path, state)
        path.write_text(SK_HEAD + SK_INSTITUTIONS + sk_rule("E-1") + damaged + SK_TAIL)
        summary, sent = run(SaskatchewanReader(), path, state)
        assert [r.unidentified for r in summary.rejected] == [True]
        assert summary.removals_withheld and summary.retired == 0 and not removals(sent)

    def test_an_unknown_element_that_names_no_record_does_not_hold_removals(
            self, tmp_path: Path) -> None:
        path, state = tmp_path / "sk.xml", tmp_path / "state"
        path.write_text(SK_HEAD + SK_INSTITUTIONS + sk_rule("E-1") + sk_rule("E-2") + SK_TAIL)
        run(SaskatchewanReader(), path, state)
        path.write_text(SK_HEAD + SK_INSTITUTIONS + sk_rule("E-1") + '  <Note text="x"/>\n'
                        + SK_TAIL)
        summary, sent = run(SaskatchewanReader(), path, state)
        assert [r.unidentified for r in summary.rejected] == [False]
        assert removals(sent) == [("rule_revoked", "SK:E-2")]
