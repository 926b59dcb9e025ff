"""An export cut short is never taken for a snapshot in which the rest was deleted.

A file copied or downloaded part-way ends mid-record, without an end of line.
Read as a snapshot, every record after the cut would look deleted and be
retired or revoked at the hub. So when the last line has no end of line and
does not read, it is one rejection like any broken line (issue 3: "a broken
line is one rejection, not a failed file"; the run exits 0), marked
``cut_short`` and said so, and the run removes nothing
(``removals_withheld``). The whole export run again later publishes only what
is still missing. A last line without an end of line that reads whole is an
ordinary export, and a broken last line with its end of line an ordinary
rejection.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.base.records import CUT_SHORT, ExportCutShort, ExportUnreadable
from adapters.base.runner import run_adapter
from adapters.base.watch import process_export
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
from transferhub.events.v1 import events_pb2 as pb


def payloads(publisher: FakePublisher) -> list[tuple[str, str]]:
    """(payload kind, entity key) of every event published."""
    out = []
    for message in publisher.sent:
        envelope = pb.EventEnvelope.FromString(message.value)
        out.append((envelope.WhichOneof("payload"), envelope.entity_key))
    return out


def run(reader: object, path: Path, state: Path) -> tuple[object, list[tuple[str, str]]]:
    publisher = FakePublisher()
    summary = run_adapter(reader, path, kafka=publisher, state_dir=state)
    return summary, payloads(publisher)


def ontario(count: int) -> bytes:
    rules = [line(rule(id=f"LK-{n:04d}")) for n in range(count)]
    return b"\n".join([line(ON_SENDER), line(ON_RECEIVER), line(ON_COURSE), *rules]) + b"\n"


def bc(count: int) -> str:
    return BC_HEADER + "".join(bc_row(str(n), f"HIST {100 + n}") for n in range(count))


class TestOntarioCutShort:
    def test_nothing_is_revoked_and_the_whole_export_catches_up(self, tmp_path: Path) -> None:
        path, state = tmp_path / "on.jsonl", tmp_path / "state"
        whole = ontario(6)
        path.write_bytes(whole)
        first, _ = run(OntarioReader(), path, state)
        assert first.published == 9

        cut = whole.index(b"LK-0003") + 3   # inside the fourth rule's line
        path.write_bytes(whole[:cut])
        summary, sent = run(OntarioReader(), path, state)
        assert [(r.where, r.cut_short, r.reason.endswith(CUT_SHORT))
                for r in summary.rejected] == [("line 7", True, True)]
        assert summary.removals_withheld and summary.retired == 0
        assert not [kind for kind, _ in sent if kind.endswith(("revoked", "retired"))]

        path.write_bytes(whole)
        again, sent = run(OntarioReader(), path, state)
        assert (again.published, again.retired, again.removals_withheld, sent) == (
            0, 0, False, [])

    def test_a_complete_last_line_without_an_end_of_line_reads(self, tmp_path: Path) -> None:
        path = tmp_path / "on.jsonl"
        path.write_bytes(ontario(2).rstrip(b"\n"))
        summary, _ = run(OntarioReader(), path, tmp_path / "state")
        assert summary.published == 5 and not summary.rejected

    def test_a_bad_last_line_with_its_end_of_line_is_one_rejection(self, tmp_path: Path) -> None:
        path, state = tmp_path / "on.jsonl", tmp_path / "state"
        path.write_bytes(ontario(3))
        run(OntarioReader(), path, state)
        path.write_bytes(ontario(2) + b'{"type": "equivalency", "id": \n')
        summary, _ = run(OntarioReader(), path, state)
        assert [(r.where, r.cut_short) for r in summary.rejected] == [("line 6", False)]
        # Not cut short, but its id does not read: it may be LK-0002, damaged, so nothing
        # is removed this run (a damaged line never removes credit).
        assert summary.rejected[0].unidentified
        assert summary.retired == 0 and summary.removals_withheld


class TestBcCutShort:
    def test_nothing_is_revoked_and_the_whole_export_catches_up(self, tmp_path: Path) -> None:
        state = tmp_path / "state"
        whole = bc(6)
        folder = write_bc(tmp_path, whole)
        first, sent = run(BcReader(), folder, state)
        assert first.retired == 0 and ("rule_upserted", "BC:5") in sent

        write_bc(tmp_path, whole[:whole.index("HIST 103") + 6])   # inside the row of rule 3
        summary, sent = run(BcReader(), folder, state)
        assert [(r.place, r.cut_short) for r in summary.rejected] == [
            ("equivalencies.csv line 5", True)]
        assert summary.removals_withheld and summary.retired == 0
        assert not [kind for kind, _ in sent if kind.endswith(("revoked", "retired"))]

        write_bc(tmp_path, whole)
        again, sent = run(BcReader(), folder, state)
        assert (again.published, again.retired, sent) == (0, 0, [])

    def test_a_row_cut_inside_its_last_field_is_cut_short_too(self, tmp_path: Path) -> None:
        # The row has all its fields, but its end date stops part-way ("pres").
        folder = write_bc(tmp_path, bc(3).rstrip("\n")[:-3])
        summary, _ = run(BcReader(), folder, tmp_path / "state")
        assert [(r.place, r.cut_short) for r in summary.rejected] == [
            ("equivalencies.csv line 4", True)]
        assert summary.removals_withheld

    def test_a_complete_last_row_without_an_end_of_line_reads(self, tmp_path: Path) -> None:
        folder = write_bc(tmp_path, bc(3).rstrip("\n"))
        summary, _ = run(BcReader(), folder, tmp_path / "state")
        assert not summary.rejected and summary.published == 8   # 2 + 3 rules + 3 courses
        assert not summary.removals_withheld

    def test_courses_known_only_from_rows_after_the_cut_are_left_as_they_were(
            self, tmp_path: Path) -> None:
        # HIST 900 is alone on the last row (its title and credits) and, before it, only
        # in a pair: cut there, the run must not publish it without them.
        state = tmp_path / "state"
        pair = bc_row("7", "HIST 900 & HIST 901", title="Pair")
        alone = bc_row("8", "HIST 900", title="Modern History")
        whole = bc(2) + pair + alone
        folder = write_bc(tmp_path, whole)
        run(BcReader(), folder, state)
        write_bc(tmp_path, whole.rstrip("\n")[:-3])
        summary, sent = run(BcReader(), folder, state)
        assert summary.removals_withheld
        assert ("credential_upserted", "BC:COLA:HIST 900") not in sent


class TestSaskatchewanFeedCutShort:
    """An XML feed that ends before ``</TransferCreditGuide>`` is unreadable as a whole (exit 2),
    but said to be cut short, so a watcher leaves it in place; damage before the end is not."""

    def test_a_feed_ending_before_its_root_closes_is_cut_short(self, tmp_path: Path) -> None:
        whole = SK_HEAD + SK_INSTITUTIONS + sk_rule("E-1") + sk_rule("E-2") + SK_TAIL
        for cut in (len(whole) - 5, len(whole) - len(SK_TAIL), whole.index("<Receiving")):
            path = tmp_path / "sk.xml"
            path.write_text(whole[:cut])
            with pytest.raises(ExportCutShort, match="cut short"):
                list(SaskatchewanReader().read(path))

    def test_damage_before_the_end_is_not_cut_short(self, tmp_path: Path) -> None:
        path = tmp_path / "sk.xml"
        path.write_text(SK_HEAD + SK_INSTITUTIONS + "<Equivalency id='E-1'>\n</Course>\n"
                        + sk_rule("E-2") + SK_TAIL)
        with pytest.raises(ExportUnreadable, match="cut short or damaged") as raised:
            list(SaskatchewanReader().read(path))
        assert not isinstance(raised.value, ExportCutShort)

    def test_a_watcher_leaves_a_cut_short_feed_in_place(self, tmp_path: Path) -> None:
        drop = tmp_path / "drop"
        drop.mkdir()
        feed = drop / "sk.xml"
        feed.write_text(SK_HEAD + SK_INSTITUTIONS + sk_rule("E-1"))
        target, report = process_export(SaskatchewanReader(), feed, kafka="127.0.0.1:9",
                                        state_dir=tmp_path / "state")
        assert target == feed and feed.exists() and not (drop / "failed").exists()
        assert report["cut_short"] is True and "ends before" in report["error"]
