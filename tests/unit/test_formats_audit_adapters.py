"""FORMATS.md read against held-out-style exports: what an earlier audit did not pin.

Every expected value is worked by hand from the spec sentence quoted in the
test's docstring, not taken from the code's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.base.records import Rejection
from adapters.bc.notation import parse_transfer_credit
from adapters.bc.reader import BcReader
from adapters.saskatchewan.reader import SaskatchewanReader
from hub.domain.model import Rule

BC_HEADER = ("id,version,sending_institution,sending_courses,sending_title,sending_credits,"
             "receiving_institution,transfer_credit,min_grade,effective_start,effective_end")
BC_INSTITUTIONS = ("code,name,credit_unit,standard_course,grading\n"
                   "CAPU,Capilano University,credits,3,\n"
                   "UBCV,University of British Columbia,credits,3,\n")
SK_HEAD = ('<TransferCreditGuide province="SK">'
           '<Institution id="USASK" name="U of S" creditUnit="credit units" standardCourse="3"/>'
           '<Institution id="SAPO" name="Sask Polytechnic" creditUnit="credits" '
           'standardCourse="3"/>')
SK_RECEIVING = ('<Receiving institution="USASK" grant="course">'
                '<Course code="CMPT 140" credits="3"/></Receiving>')


def bc_export(tmp_path: Path, *rows: str) -> list:
    (tmp_path / "institutions.csv").write_text(BC_INSTITUTIONS, encoding="utf-8")
    (tmp_path / "equivalencies.csv").write_text("\n".join([BC_HEADER, *rows]) + "\n",
                                                encoding="utf-8")
    return list(BcReader().read(tmp_path))


def saskatchewan(tmp_path: Path, *equivalencies: str) -> list:
    path = tmp_path / "sk.xml"
    path.write_text(SK_HEAD + "".join(equivalencies) + "</TransferCreditGuide>",
                    encoding="utf-8")
    return list(SaskatchewanReader().read(path))


def sk_equivalency(ident: str, sending: str) -> str:
    return (f'<Equivalency id="{ident}" version="1" effectiveFrom="2020-09-01" effectiveTo="">'
            f'<Sending institution="SAPO">{sending}</Sending>{SK_RECEIVING}</Equivalency>')


class TestBcRuleIdsAreTrimmed:
    """FORMATS.md: "A folder with two CSV files, UTF-8, header row first, RFC 4180 quoting";
    MODEL.md: a rule is "the id the province gives it; the hub prefixes the province"
    (CLI.md: ``BC:88213``). Spaces around the id in a hand-made export are not part of it."""

    @pytest.mark.parametrize("written", [" 88213", "88213 ", " 88213 ", '"88213\n"'])
    def test_a_padded_id_is_the_guides_id(self, tmp_path: Path, written: str) -> None:
        out = bc_export(tmp_path, f"{written},2,CAPU,ENGL 100,University Writing,3,UBCV,"
                                  "UBCV ENGL 1st (3),,Sep 2015,present")
        assert [item.id for item in out if isinstance(item, Rule)] == ["BC:88213"]

    def test_a_rejected_row_with_a_padded_id_still_names_its_rule(self, tmp_path: Path) -> None:
        """A rejection names the rule the row was about, so its last good version is kept."""
        out = bc_export(tmp_path, " 88213 ,2,CAPU,ENGL 100,University Writing,3,UBCV,"
                                  "UBCV ENGL (3),,Sep 2015,present")
        rejection, = (item for item in out if isinstance(item, Rejection))
        assert rejection.where == "line 2"
        assert rejection.entity_key == "BC:88213"


class TestSaskatchewanSendingRejectionsNameTheFeedsOwnWords:
    """FORMATS.md: "rejects a bad record with its place ... and a reason a person can act
    on". The feed has no ``from`` list: a reason about a sending course names the
    ``Sending`` course and the code the feed wrote, not a string the reader built."""

    def test_a_sending_code_with_a_colon(self, tmp_path: Path) -> None:
        out = saskatchewan(tmp_path, sk_equivalency(
            "SKTCG-1", '<Course code="COSC 100"/><Course code="BC:CAPU:ENGL 100"/>'))
        rejection, = (item for item in out if isinstance(item, Rejection))
        assert rejection.where == "/TransferCreditGuide/Equivalency[1]"
        assert "Sending Course[2]" in rejection.reason
        assert "'BC:CAPU:ENGL 100'" in rejection.reason
        assert "from[" not in rejection.reason and "SK:SAPO:BC" not in rejection.reason

    def test_a_sending_course_without_code(self, tmp_path: Path) -> None:
        out = saskatchewan(tmp_path, sk_equivalency(
            "SKTCG-1", '<Course code="COSC 100"/><Course code=" "/>'))
        rejection, = (item for item in out if isinstance(item, Rejection))
        assert "Sending Course[2]" in rejection.reason and "code" in rejection.reason

    def test_the_same_sending_course_twice(self, tmp_path: Path) -> None:
        out = saskatchewan(tmp_path, sk_equivalency(
            "SKTCG-1", '<Course code="COSC 100"/><Course code="cosc  100"/>'))
        rejection, = (item for item in out if isinstance(item, Rejection))
        assert "SK:SAPO:COSC 100" in rejection.reason and "twice" in rejection.reason
        assert "from " not in rejection.reason

    def test_good_sending_courses_are_folded_and_qualified(self, tmp_path: Path) -> None:
        """MODEL.md: CODE is "upper-cased, inner white space folded to one space"."""
        out = saskatchewan(tmp_path, sk_equivalency(
            "SKTCG-1", '<Course code=" cosc\t100 "/><Course code="Cosc 101"/>'))
        rule, = (item for item in out if isinstance(item, Rule))
        assert rule.sending == ("SK:SAPO:COSC 100", "SK:SAPO:COSC 101")


class TestBcDesignationForEveryGrant:
    """FORMATS.md: "a designation of the receiving institution (SFU's W/Q/B tags), after
    ``, `` or `` - ``"; MODEL.md: "Grants keep the receiving institution's designation".
    The Guide's "SFU BISC 101 (3) & SFU BISC 102 (3), B-Sci for both" tags both courses."""

    def test_for_both_tags_every_grant_of_the_group(self) -> None:
        credit = parse_transfer_credit(
            "LANG BIOL 1115 (4) & LANG BIOL 1215 (4) = SFU BISC 101 (3) & SFU BISC 102 (3), "
            "B-Sci for both", "SFU")
        assert [(g.code, g.designation) for g in credit.alternatives[0]] == [
            ("BISC 101", "B-Sci"), ("BISC 102", "B-Sci")]
        assert credit.notes == "for both"

    def test_a_tag_without_for_both_stays_with_its_own_grant(self) -> None:
        credit = parse_transfer_credit("SFU BISC 101 (3) & SFU BISC 102 (3), B-Sci", "SFU")
        assert [(g.code, g.designation) for g in credit.alternatives[0]] == [
            ("BISC 101", None), ("BISC 102", "B-Sci")]

    def test_other_alternatives_keep_their_own_tags(self) -> None:
        credit = parse_transfer_credit(
            "SFU EASC 104 (3) or SFU BISC 101 (3) & SFU BISC 102 (3), B-Sci for both", "SFU")
        assert credit.alternatives[0][0].designation is None
        assert [g.designation for g in credit.alternatives[1]] == ["B-Sci", "B-Sci"]

    def test_for_both_after_lone_alternatives_tags_each_of_them(self) -> None:
        # one grant cannot be "both": the two alternatives are
        credit = parse_transfer_credit("SFU STAT 201 (3) or SFU STAT 203 (3), Q for both", "SFU")
        assert [[(g.code, g.designation) for g in alt] for alt in credit.alternatives] == [
            [("STAT 201", "Q")], [("STAT 203", "Q")]]
        assert credit.notes == "for both"
