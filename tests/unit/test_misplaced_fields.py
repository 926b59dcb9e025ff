"""A field written where the format does not read it is refused, not silently dropped.

A Saskatchewan ``minimumGrade`` on ``<Equivalency>`` instead of ``<Condition>``
(FORMATS.md) was ignored: the rule went out with no minimum at all, granting
credit the province withholds. A ``<Course>`` under an unassigned or no-credit
``<Receiving>`` (and Ontario ``courses`` beside a non-course grant) was ignored
too: the export says two things, and which one it meant is the province's to
say. Each is one rejected record with its place; its neighbours still read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.base.records import Rejection
from adapters.ontario.reader import OntarioReader
from adapters.saskatchewan.reader import SaskatchewanReader
from hub.domain.model import Rule

GOOD_SK = ('<Equivalency id="S9" version="1" effectiveFrom="2020-09-01" effectiveTo="">'
           '<Sending institution="SAPO"><Course code="COSC 100"/></Sending>'
           '<Receiving institution="USASK" grant="course"><Course code="CMPT 140" credits="3"/>'
           '</Receiving><Condition minimumGrade="60"/></Equivalency>')


def saskatchewan(tmp_path: Path, equivalency: str) -> tuple[list[str], list[Rejection]]:
    path = tmp_path / "sk.xml"
    path.write_text(f'<TransferCreditGuide province="SK">{equivalency}{GOOD_SK}'
                    "</TransferCreditGuide>", encoding="utf-8")
    out = list(SaskatchewanReader().read(path))
    return ([r.id for r in out if isinstance(r, Rule)],
            [r for r in out if isinstance(r, Rejection)])


def test_a_minimum_grade_on_the_equivalency_is_refused(tmp_path: Path) -> None:
    ids, (rejection,) = saskatchewan(tmp_path, GOOD_SK.replace('id="S9"', 'id="S1"').replace(
        'effectiveTo=""', 'effectiveTo="" minimumGrade="70"').replace(
        '<Condition minimumGrade="60"/>', ""))
    assert ids == ["SK:S9"]
    assert rejection.where == "/TransferCreditGuide/Equivalency[1]"
    assert "minimumGrade belongs on <Condition" in rejection.reason


@pytest.mark.parametrize("receiving", [
    '<Receiving institution="USASK" grant="unassigned" subject="CMPT" level="1" credits="3">'
    '<Course code="CMPT 140" credits="3"/></Receiving>',
    '<Receiving institution="USASK" grant="none"><Course code="CMPT 140" credits="3"/>'
    "</Receiving>",
])
def test_a_course_under_a_grant_that_names_none_is_refused(tmp_path: Path,
                                                          receiving: str) -> None:
    ids, (rejection,) = saskatchewan(
        tmp_path, '<Equivalency id="S1" version="1" effectiveFrom="2020-09-01" effectiveTo="">'
                  f'<Sending institution="SAPO"><Course code="COSC 100"/></Sending>{receiving}'
                  "</Equivalency>")
    assert ids == ["SK:S9"]
    assert "but <Course> is given" in rejection.reason


def test_ontario_courses_beside_a_non_course_grant_are_refused(tmp_path: Path) -> None:
    base = {"type": "equivalency", "version": 1, "from": ["SENE:IPC144"],
            "effective_start": "2019-09-01", "effective_end": None}
    odd = dict(base, id="E1", to={"institution": "YORK", "grant": "no_credit",
                                  "courses": [{"code": "EECS 1015", "value": 0.5}]})
    fine = dict(base, id="E2", to={"institution": "YORK", "grant": "no_credit"})
    path = tmp_path / "on.jsonl"
    path.write_text(f"{json.dumps(odd)}\n{json.dumps(fine)}\n", encoding="utf-8")
    out = list(OntarioReader().read(path))
    assert [r.id for r in out if isinstance(r, Rule)] == ["ON:E2"]
    (rejection,) = [r for r in out if isinstance(r, Rejection)]
    assert (rejection.where, "'no_credit', which names no course" in rejection.reason) == (
        "line 1", True)
