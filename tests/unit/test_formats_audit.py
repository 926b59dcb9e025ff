"""FORMATS.md and CLI.md, sentence by sentence, where no other test pinned the sentence.

Every expected value here is worked by hand from the spec's text (quoted in
each test's docstring), not taken from the code's output.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from adapters.base.records import Rejection
from adapters.bc.dates import parse_effective_end, parse_effective_start
from adapters.bc.reader import BcReader
from adapters.ontario.reader import OntarioReader
from adapters.saskatchewan.reader import SaskatchewanReader
from hub.domain.model import Credential, Grant, GrantKind, Institution, Rule
from transferhub.cli import render
from transferhub.hub.v1 import query_service_pb2 as pb

DEFAULT_SCALE = {"A+": 90, "A": 85, "A-": 80, "B+": 76, "B": 72, "B-": 68, "C+": 64, "C": 60,
                 "C-": 55, "D": 50, "F": 0}
BC_HEADER = ("id,version,sending_institution,sending_courses,sending_title,sending_credits,"
             "receiving_institution,transfer_credit,min_grade,effective_start,effective_end")


def bc_export(tmp_path: Path, *rows: str, institutions: str = "CAPU,Capilano University,"
              "credits,3,\nUBCV,University of British Columbia,credits,3,") -> list:
    (tmp_path / "institutions.csv").write_text(
        "code,name,credit_unit,standard_course,grading\n" + institutions + "\n",
        encoding="utf-8")
    (tmp_path / "equivalencies.csv").write_text("\n".join([BC_HEADER, *rows]) + "\n",
                                                encoding="utf-8")
    return list(BcReader().read(tmp_path))


def ontario(tmp_path: Path, *objects: dict) -> list:
    path = tmp_path / "on.jsonl"
    path.write_text("\n".join(json.dumps(o) for o in objects) + "\n", encoding="utf-8")
    return list(OntarioReader().read(path))


def saskatchewan(tmp_path: Path, body: str) -> list:
    path = tmp_path / "sk.xml"
    path.write_text(f'<TransferCreditGuide province="SK">{body}</TransferCreditGuide>',
                    encoding="utf-8")
    return list(SaskatchewanReader().read(path))


def of_type(items: list, kind: type) -> list:
    return [item for item in items if isinstance(item, kind)]


class TestIdentifiersAreQualifiedAndNormalised:
    """MODEL.md: CODE is 'upper-cased, inner white space folded to one space'; FORMATS.md:
    'The adapter qualifies them (BC:UBCV, BC:UBCV:ENGL 110)'."""

    def test_ontario(self, tmp_path: Path) -> None:
        items = ontario(
            tmp_path,
            {"type": "institution", "id": "sene", "name": "Seneca", "credit_unit": "hours",
             "standard_course": 42},
            {"type": "credential", "institution": "sene", "code": "ipc  144", "title": "C"},
            {"type": "equivalency", "id": "ONT-1", "version": 1,
             "from": ["bc:capu:engl\t 100"],
             "to": {"institution": "york", "grant": "course",
                    "courses": [{"code": "eecs  1015", "value": 0.5}]},
             "effective_start": "2019-09-01", "effective_end": None})
        institution, credential, rule = items
        assert institution.id == "ON:SENE"
        assert credential.id == "ON:SENE:IPC 144"
        assert rule.sending == ("BC:CAPU:ENGL 100",)
        assert rule.receiving_institution == "ON:YORK"
        assert rule.alternatives[0][0].code == "EECS 1015"

    def test_saskatchewan(self, tmp_path: Path) -> None:
        items = saskatchewan(tmp_path, (
            '<Course institution="sapo" code="cosc  100" title="Fundamentals" credits="3"/>'
            '<Equivalency id="SKTCG-1" version="1" effectiveFrom="2020-09-01" effectiveTo="">'
            '<Sending institution="sapo"><Course code="cosc 100"/></Sending>'
            '<Receiving institution="usask" grant="course"><Course code="cmpt  140" '
            'credits="3"/></Receiving></Equivalency>'))
        course, rule = items
        assert course.id == "SK:SAPO:COSC 100"
        assert rule.id == "SK:SKTCG-1"
        assert rule.sending == ("SK:SAPO:COSC 100",)
        assert (rule.receiving_institution, rule.alternatives[0][0].code) == (
            "SK:USASK", "CMPT 140")

    def test_bc(self, tmp_path: Path) -> None:
        items = bc_export(tmp_path,
                          "88219,1,capu,engl   102,Writing,3,ubcv,UBCV ENGL 110 (3),,Sep/15,")
        (rule,) = of_type(items, Rule)
        assert (rule.id, rule.sending, rule.receiving_institution) == (
            "BC:88219", ("BC:CAPU:ENGL 102",), "BC:UBCV")
        assert [c.id for c in of_type(items, Credential)] == ["BC:CAPU:ENGL 102"]


class TestBcDates:
    """'the Guide's MMM/YY (Sep/15, Sept/95; two-digit years 50–99 are 19xx, 00–49 are
    20xx), or Mon YYYY, or the API's YYYYMMDD; an end of present, ongoing, - or empty
    means open. A month start means its first day, a month end its last.'"""

    @pytest.mark.parametrize(("text", "start", "end"), [
        ("Sep/98", date(1998, 9, 1), date(1998, 9, 30)),
        ("Sept/95", date(1995, 9, 1), date(1995, 9, 30)),
        ("Sep/15", date(2015, 9, 1), date(2015, 9, 30)),
        ("Jan/50", date(1950, 1, 1), date(1950, 1, 31)),
        ("Dec/49", date(2049, 12, 1), date(2049, 12, 31)),
        ("Jan/00", date(2000, 1, 1), date(2000, 1, 31)),
        ("Feb/24", date(2024, 2, 1), date(2024, 2, 29)),
        ("Sep 2015", date(2015, 9, 1), date(2015, 9, 30)),
        ("Aug 2023", date(2023, 8, 1), date(2023, 8, 31)),
        ("20150901", date(2015, 9, 1), date(2015, 9, 1)),
        ("20230831", date(2023, 8, 31), date(2023, 8, 31)),
    ])
    def test_start_and_end(self, text: str, start: date, end: date) -> None:
        assert parse_effective_start(text) == start
        assert parse_effective_end(text) == end

    @pytest.mark.parametrize("text", ["present", "Present", "ongoing", "-", "", " "])
    def test_open_end(self, text: str) -> None:
        assert parse_effective_end(text) is None

    def test_in_a_row(self, tmp_path: Path) -> None:
        items = bc_export(tmp_path,
                          "1,1,CAPU,ENGL 100,W,3,UBCV,UBCV ENGL 110 (3),,Sept/95,Aug/99",
                          "2,1,CAPU,ENGL 101,W,3,UBCV,UBCV ENGL 111 (3),,20150901,ongoing")
        windows = {r.id: (r.effective_start, r.effective_end) for r in of_type(items, Rule)}
        assert windows == {"BC:1": (date(1995, 9, 1), date(1999, 8, 31)),
                           "BC:2": (date(2015, 9, 1), None)}


class TestBcTransferCreditInRows:
    """FORMATS.md's table, read through the reader as a registrar would."""

    def test_generic_subjects_are_credit_in_no_subject(self, tmp_path: Path) -> None:
        """'UBCV ARTS 1st (3), UBCO SCIE 1st (3), SFU GE 1XX (3): unassigned credit in no
        single subject'; CLI.md: 'subject GEN for credit in no subject'."""
        items = bc_export(tmp_path,
                          "1,1,CAPU,PSYC 100,P,3,UBCV,UBCV ARTS 1st (3),,Sep/09,Aug/16")
        (rule,) = of_type(items, Rule)
        assert rule.alternatives == ((Grant(GrantKind.UNASSIGNED, 3.0, subject="GEN",
                                            level=1),),)
        assert rule.notation == "UBCV ARTS 1st (3)"

    def test_zero_and_unknown_credits(self, tmp_path: Path) -> None:
        """'(0) is zero credit, (-) unknown'."""
        items = bc_export(tmp_path,
                          "1,1,CAPU,PHYS 100,P,3,UBCV,UBCV PHYS 100 (0) & PHYS 1st (-),,Sep/09,")
        (rule,) = of_type(items, Rule)
        assert [g.credits for g in rule.alternatives[0]] == [0.0, None]

    def test_an_unreadable_text_is_rejected_and_the_rest_go_out(self, tmp_path: Path) -> None:
        """'A row whose text cannot be read ... is rejected with its line number and the
        part that could not be read; the other rows still go out.'"""
        items = bc_export(tmp_path,
                          "1,1,CAPU,ENGL 100,W,3,UBCV,UBCV ENGL (3),,Sep/15,",
                          "2,1,CAPU,ENGL 101,W,3,UBCV,UBCV ENGL 111 (3),,Sep/15,")
        (rejection,) = of_type(items, Rejection)
        assert "line 2" in rejection.where
        assert "transfer_credit 'UBCV ENGL (3)' has no course number or level" \
            in rejection.reason
        assert [r.id for r in of_type(items, Rule)] == ["BC:2"]

    def test_a_sending_combination_inside_the_text(self, tmp_path: Path) -> None:
        """'the rule needs both sending courses (the row's own sending_courses is one of
        them)'."""
        items = bc_export(
            tmp_path,
            "1,1,LANG,MATH 1170,Calc,3,UBCV,"
            "LANG MATH 1170 (3) & LANG MATH 1171 (3) = UBCV MATH 111 (6),,Sep/15,",
            institutions="LANG,Langara,credits,3,\nUBCV,UBC,credits,3,")
        (rule,) = of_type(items, Rule)
        assert rule.sending == ("BC:LANG:MATH 1170", "BC:LANG:MATH 1171")
        assert rule.any_n is None

    def test_another_provinces_sender(self, tmp_path: Path) -> None:
        """'sending_institution: a BC code, or PROV:INST for another province's'."""
        items = bc_export(tmp_path, "88216,1,ON:SENE,IPC144,C,56,UBCV,UBCV CPSC 1st (3),C+,"
                                    "Sep 2019,present")
        (rule,) = of_type(items, Rule)
        assert (rule.sending, rule.min_grade) == (("ON:SENE:IPC144",), "C+")
        assert of_type(items, Credential) == []   # Ontario's course is Ontario's to publish


class TestGradingScales:
    """'An empty grading means the default scale (MODEL.md)'; SK: '(optional; none means
    the default scale)'."""

    def test_bc_empty_grading(self, tmp_path: Path) -> None:
        items = bc_export(tmp_path, "1,1,CAPU,ENGL 100,W,3,UBCV,UBCV ENGL 110 (3),,Sep/15,")
        capu = next(i for i in of_type(items, Institution) if i.id == "BC:CAPU")
        assert {letter: capu.scale.to_percent(letter) for letter in DEFAULT_SCALE} == \
            DEFAULT_SCALE

    def test_saskatchewan_without_grades(self, tmp_path: Path) -> None:
        (sapo,) = saskatchewan(tmp_path, '<Institution id="SAPO" name="Sask Polytechnic" '
                                         'creditUnit="credits" standardCourse="3"/>')
        assert {letter: sapo.scale.to_percent(letter) for letter in DEFAULT_SCALE} == \
            DEFAULT_SCALE


class TestRejectionsSayWhere:
    """'A rejected element is reported with its path (/TransferCreditGuide/Equivalency[12])
    and the feed goes on.'"""

    def test_saskatchewan_path_counts_equivalencies(self, tmp_path: Path) -> None:
        good = ('<Equivalency id="E{n}" version="1" effectiveFrom="2020-09-01">'
                '<Sending institution="SAPO"><Course code="A {n}"/></Sending>'
                '<Receiving institution="USASK" grant="none"/></Equivalency>')
        bad = ('<Equivalency id="E2" version="1" effectiveFrom="2020-09-01">'
               '<Sending institution="SAPO"><Course code="A 2"/></Sending>'
               '<Receiving institution="USASK" grant="maybe"/></Equivalency>')
        items = saskatchewan(tmp_path, '<Course institution="SAPO" code="A 1"/>'
                             + good.format(n=1) + bad + good.format(n=3))
        (rejection,) = of_type(items, Rejection)
        assert rejection.where == "/TransferCreditGuide/Equivalency[2]"
        assert "grant" in rejection.reason
        assert [r.id for r in of_type(items, Rule)] == ["SK:E1", "SK:E3"]


class TestJsonGrants:
    """CLI.md's grant shapes; a grant without a year level has level null, not 0."""

    def test_unassigned_without_level(self) -> None:
        grant = pb.Grant(kind=pb.GRANT_KIND_UNASSIGNED, subject="CHIN", credits=3.0)
        assert render.grant(grant) == {"kind": "unassigned", "code": None, "subject": "CHIN",
                                       "level": None, "credits": 3.0}

    def test_course_keeps_its_level(self) -> None:
        grant = pb.Grant(kind=pb.GRANT_KIND_COURSE, code="ENGL 110", subject="ENGL", level=1,
                         credits=3.0)
        assert render.grant(grant) == {"kind": "course", "code": "ENGL 110", "subject": "ENGL",
                                       "level": 1, "credits": 3.0}
