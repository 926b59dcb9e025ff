"""FORMATS.md read once more against the adapters: what the earlier audits did not pin.

Every expected value is worked by hand from the spec sentence quoted in the
test's docstring, not taken from the code's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.bc.notation import (
    NotationError,
    TransferCredit,
    parse_transfer_credit,
    render_transfer_credit,
)
from adapters.bc.reader import BcReader
from hub.domain.model import Grant, GrantKind, Rule

BC_HEADER = ("id,version,sending_institution,sending_courses,sending_title,sending_credits,"
             "receiving_institution,transfer_credit,min_grade,effective_start,effective_end")


def _course(code: str, credits: float, level: int) -> Grant:
    return Grant(GrantKind.COURSE, credits, code=code, subject=code.split()[0], level=level)


def _unassigned(subject: str, level: int, credits: float) -> Grant:
    return Grant(GrantKind.UNASSIGNED, credits, subject=subject, level=level)


class TestAPartWithoutInstitutionCodeWhoseSubjectStartsLikeTheCode:
    """'UBCV CPSC 110 (4) & CPSC 1st (2): several grants together; a part without an
    institution code belongs to the first part's.' A subject that merely begins with the
    receiving institution's code (ECON at EC, QUME at QU) is such a part, read as the
    registrar reads it; only a code run into a subject ('SFUSTAT 205') is damage."""

    @pytest.mark.parametrize(("text", "receiving", "grants"), [
        ("EC ENGL 100 (3) & ECON 101 (3)", "EC",
         (_course("ENGL 100", 3.0, 1), _course("ECON 101", 3.0, 1))),
        ("EC ENGL 1st (3) & ECED 1st (3)", "EC",
         (_unassigned("ENGL", 1, 3.0), _unassigned("ECED", 1, 3.0))),
    ])
    def test_reads_as_the_first_parts(self, text: str, receiving: str,
                                      grants: tuple[Grant, ...]) -> None:
        assert parse_transfer_credit(text, receiving).alternatives == (grants,)

    def test_an_alternative_without_code(self) -> None:
        credit = parse_transfer_credit("QU MATH 211 (3), or QUME 232 (3)", "QU")
        assert credit.alternatives == ((_course("MATH 211", 3.0, 2),),
                                       (_course("QUME 232", 3.0, 2),))

    def test_the_renderers_own_text_reads_back(self) -> None:
        """render_transfer_credit writes a group's later grants without the code."""
        credit = TransferCredit(GrantKind.COURSE, ((_course("ENGL 100", 3.0, 1),
                                                    _course("ECON 101", 3.0, 1)),))
        text = render_transfer_credit(credit, "EC")
        assert text == "EC ENGL 100 (3) & ECON 101 (3)"
        assert parse_transfer_credit(text, "EC") == credit

    @pytest.mark.parametrize(("text", "receiving", "part"), [
        ("SFU STAT 201 (3) or SFUSTAT 205 (3)", "SFU", "'SFUSTAT 205 (3)'"),
        ("EC ENGL 100 (3) & ECENGL 101 (3)", "EC", "'ECENGL 101 (3)'"),
        ("UBCV CPSC 110 (4) & UBCVCPSC 1st (2)", "UBCV", "'UBCVCPSC 1st (2)'"),
    ])
    def test_a_code_run_into_a_subject_is_still_refused(self, text: str, receiving: str,
                                                        part: str) -> None:
        with pytest.raises(NotationError, match="runs the institution code into the subject") \
                as caught:
            parse_transfer_credit(text, receiving)
        assert part in str(caught.value)

    def test_in_a_row(self, tmp_path: Path) -> None:
        (tmp_path / "institutions.csv").write_text(
            "code,name,credit_unit,standard_course,grading\n"
            "CAPU,Capilano University,credits,3,\nEC,Emily Carr University,credits,3,\n",
            encoding="utf-8")
        (tmp_path / "equivalencies.csv").write_text(
            BC_HEADER + "\n7,1,CAPU,ECON 101,Micro,3,EC,EC ENGL 100 (3) & ECON 101 (3),,"
                        "Sep/15,present\n", encoding="utf-8")
        rules = [item for item in BcReader().read(tmp_path) if isinstance(item, Rule)]
        assert [(r.id, r.alternatives) for r in rules] == [
            ("BC:7", ((_course("ENGL 100", 3.0, 1), _course("ECON 101", 3.0, 1)),))]
