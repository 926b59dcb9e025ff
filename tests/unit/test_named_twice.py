"""A course named twice in one rule is refused, by every adapter and by the hub.

MODEL.md: several sending credentials "means all are required together"; a rule
that needs "MATH 95 & MATH 95" says two courses where there is one, and was
awarded its whole grant (6 credits) for a single 3-credit course. A grant set
that gives "CMPT 120 (3) & CMPT 120 (3)" counts one course's credit twice. No
real Guide string does either (bctg-real-notations.tsv repeats only
unassigned credit: "SFU PHYS 1XX (3), B-Sci & SFU PHYS 1XX (1)", which stays
read). Such a record is rejected with its place, its neighbours still read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.base import events as ev
from adapters.base.records import Rejection
from adapters.bc.notation import NotationError, parse_transfer_credit
from adapters.bc.reader import BcReader
from adapters.ontario.reader import OntarioReader
from adapters.saskatchewan.reader import SaskatchewanReader
from hub.domain.model import Grant, GrantKind, Rule
from hub.ingest.errors import UnreadableEvent
from hub.ingest.translate import translate

BC_HEADER = ("id,version,sending_institution,sending_courses,sending_title,sending_credits,"
             "receiving_institution,transfer_credit,min_grade,effective_start,effective_end")
BC_INSTITUTIONS = ("code,name,credit_unit,standard_course,grading\n"
                   "LANG,Langara College,credits,3,\nSFU,Simon Fraser University,credits,3,\n")
GOOD_BC = "1,1,LANG,MATH 90,t,3,SFU,SFU MATH 1XX (3),,Sep/15,present"


def bc(tmp_path: Path, row: str) -> tuple[list[Rule], list[Rejection]]:
    (tmp_path / "institutions.csv").write_text(BC_INSTITUTIONS, encoding="utf-8")
    (tmp_path / "equivalencies.csv").write_text(f"{BC_HEADER}\n{GOOD_BC}\n{row}\n",
                                                encoding="utf-8")
    out = list(BcReader().read(tmp_path))
    return ([x for x in out if isinstance(x, Rule)],
            [x for x in out if isinstance(x, Rejection)])


class TestBcSendingCourses:
    @pytest.mark.parametrize("row", [
        "992,1,LANG,MATH 92 & MATH 92,t,3,SFU,SFU CMPT 122 (3),,Sep/15,present",
        "991,1,LANG,MATH 91 & math  91,t,3,SFU,SFU CMPT 121 (3),,Sep/15,present",
        "994,1,LANG,MATH 95,t,3,SFU,LANG MATH 95 (3) & LANG MATH  95 (3) = SFU CMPT 124 (6),,"
        "Sep/15,present",
        "993,1,LANG,MATH 93,t,3,SFU,Any 2 of LANG MATH 93 or LANG MATH 93 or LANG MATH 94 = "
        "SFU CMPT 123 (6),,Sep/15,present",
    ])
    def test_a_course_needed_twice_is_rejected_with_its_line(self, tmp_path: Path,
                                                             row: str) -> None:
        rules, rejected = bc(tmp_path, row)
        assert [r.id for r in rules] == ["BC:1"]
        (rejection,) = rejected
        assert rejection.where == "line 3"
        assert "MATH 9" in rejection.reason and "twice" in rejection.reason
        # Its rule id and courses still read: a later clean export's removals go ahead.
        assert not rejection.unidentified


class TestBcGrants:
    def test_a_course_granted_twice_is_refused(self) -> None:
        with pytest.raises(NotationError, match="grants CMPT 120 twice"):
            parse_transfer_credit("SFU CMPT 120 (3) & SFU CMPT 120 (3)", "SFU")

    def test_the_same_course_in_two_alternatives_is_two_choices(self) -> None:
        credit = parse_transfer_credit("SFU CMPT 120 (3) or SFU CMPT 120 (4)", "SFU")
        assert [[g.credits for g in alt] for alt in credit.alternatives] == [[3.0], [4.0]]

    def test_unassigned_credit_may_repeat_as_the_guide_writes_it(self) -> None:
        credit = parse_transfer_credit("SFU PHYS 1XX (3), B-Sci & SFU PHYS 1XX (1)", "SFU")
        assert [(g.subject, g.level, g.credits) for g in credit.alternatives[0]] == [
            ("PHYS", 1, 3.0), ("PHYS", 1, 1.0)]

    def test_the_row_is_rejected_and_its_neighbour_read(self, tmp_path: Path) -> None:
        rules, rejected = bc(tmp_path, "7,1,LANG,MATH 97,t,3,SFU,"
                                       "SFU CMPT 120 (3) & CMPT 120 (3),,Sep/15,present")
        assert [r.id for r in rules] == ["BC:1"]
        assert "CMPT 120 twice" in rejected[0].reason


def test_ontario_rejects_a_course_granted_twice(tmp_path: Path) -> None:
    rule = {"type": "equivalency", "id": "E1", "version": 1, "from": ["SENE:IPC144"],
            "to": {"institution": "YORK", "grant": "course",
                   "courses": [{"code": "EECS 1", "value": 0.5},
                               {"code": "eecs  1", "value": 0.5}]},
            "effective_start": "2019-09-01", "effective_end": None}
    fine = dict(rule, id="E2", to=dict(rule["to"], courses=rule["to"]["courses"][:1]))
    path = tmp_path / "on.jsonl"
    path.write_text(f"{json.dumps(rule)}\n{json.dumps(fine)}\n", encoding="utf-8")
    out = list(OntarioReader().read(path))
    assert [r.id for r in out if isinstance(r, Rule)] == ["ON:E2"]
    (rejection,) = [r for r in out if isinstance(r, Rejection)]
    assert rejection.where == "line 1"
    assert "equivalency E1: to grants course EECS 1 twice" in rejection.reason


def test_saskatchewan_rejects_a_course_granted_twice(tmp_path: Path) -> None:
    def equivalency(ident: str, courses: str) -> str:
        return (f'<Equivalency id="{ident}" version="1" effectiveFrom="2020-09-01" '
                f'effectiveTo=""><Sending institution="SAPO"><Course code="COSC 100"/>'
                f'</Sending><Receiving institution="USASK" grant="course">{courses}'
                f'</Receiving></Equivalency>')
    path = tmp_path / "sk.xml"
    path.write_text(
        '<TransferCreditGuide province="SK">'
        + equivalency("S1", '<Course code="CMPT 140" credits="3"/>'
                            '<Course code="cmpt  140" credits="3"/>')
        + equivalency("S2", '<Course code="CMPT 140" credits="3"/>')
        + "</TransferCreditGuide>", encoding="utf-8")
    out = list(SaskatchewanReader().read(path))
    assert [r.id for r in out if isinstance(r, Rule)] == ["SK:S2"]
    (rejection,) = [r for r in out if isinstance(r, Rejection)]
    assert rejection.where == "/TransferCreditGuide/Equivalency[1]"
    assert "grants course CMPT 140 twice" in rejection.reason


class TestTheHubRefusesWhateverTheAdapterDid:
    """Issue 4: "Validation at the hub, whatever the adapter did"."""

    @staticmethod
    def _event(rule: Rule) -> bytes:
        return ev.envelope_to_bytes(ev.upserted(
            rule, version=1, province="BC",
            occurred_at="2026-11-30T00:00:00Z", source="test"))

    COURSE = Grant(GrantKind.COURSE, 3.0, code="CMPT 120", subject="CMPT", level=1)

    def test_a_sending_credential_named_twice(self) -> None:
        rule = Rule("BC:9", 1, ("BC:LANG:MATH 95", "BC:LANG:MATH 95"), "BC:SFU",
                    GrantKind.COURSE, ((self.COURSE,),))
        with pytest.raises(UnreadableEvent, match="sending names BC:LANG:MATH 95 twice"):
            translate("transferhub.events.bc", self._event(rule))

    def test_a_course_granted_twice(self) -> None:
        rule = Rule("BC:9", 1, ("BC:LANG:MATH 95",), "BC:SFU", GrantKind.COURSE,
                    ((self.COURSE,), (self.COURSE, self.COURSE)))
        with pytest.raises(UnreadableEvent,
                           match=r"alternatives\[1\]\.grants name course CMPT 120 twice"):
            translate("transferhub.events.bc", self._event(rule))

    def test_unassigned_credit_twice_is_applied(self) -> None:
        extra = Grant(GrantKind.UNASSIGNED, 1.0, subject="PHYS", level=1)
        rule = Rule("BC:9", 1, ("BC:LANG:MATH 95",), "BC:SFU", GrantKind.UNASSIGNED,
                    ((extra, extra),))
        command = translate("transferhub.events.bc", self._event(rule))
        assert command is not None
