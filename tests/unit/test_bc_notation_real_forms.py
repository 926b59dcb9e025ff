"""Real BC Transfer Guide forms an audit found misread, each read as a registrar would.

The strings are written after the real ones with other institution and course
codes (the real text stays in ``../shared/data``). Each test asserts the whole
meaning: outcome, every alternative, every grant with its kind, code, credits
and designation, and the notes.
"""

from __future__ import annotations

from adapters.bc.notation import parse_transfer_credit
from hub.domain.model import Grant, GrantKind

COURSE, UNASSIGNED = GrantKind.COURSE, GrantKind.UNASSIGNED


def course(code: str, credits: float | None, designation: str | None = None) -> Grant:
    subject, number = code.split()
    return Grant(COURSE, credits, code=code, subject=subject, level=int(number[0]),
                 designation=designation)


def unassigned(subject: str, level: int, credits: float, designation: str | None = None) -> Grant:
    return Grant(UNASSIGNED, credits, subject=subject, level=level, designation=designation)


class TestTagForOneNamedGrant:
    """``A & B, B-Hum for A only``: the Guide names the grant the tag is for.

    Without the words the tag would be the grant's just before it (B); with
    them a registrar gives it to A alone, and B has none. The words stay in
    the notes, as "for both" does.
    """

    def test_the_tag_goes_to_the_named_first_grant(self) -> None:
        credit = parse_transfer_credit(
            "CAPU ETHC 2201 (3) & CAPU ETHC 2203 (3) = SFU ETHC 100 (3) & SFU ETHC 203 (3), "
            "B-Hum for ETHC 100 only.", "SFU")
        assert credit.outcome is COURSE
        assert credit.alternatives == (
            (course("ETHC 100", 3.0, "B-Hum"), course("ETHC 203", 3.0)),)
        assert credit.notes == "for ETHC 100 only."
        assert (credit.sending, credit.sending_institution, credit.any_n) == (
            ("ETHC 2201", "ETHC 2203"), "CAPU", None)

    def test_the_named_grant_may_carry_the_institution_code(self) -> None:
        credit = parse_transfer_credit(
            "SFU ETHC 100 (3) & SFU ETHC 1XX (3), Q/B-Sci for SFU ETHC 100 only", "SFU")
        assert credit.alternatives == (
            (course("ETHC 100", 3.0, "Q/B-Sci"), unassigned("ETHC", 1, 3.0)),)
        assert credit.notes == "for SFU ETHC 100 only"

    def test_a_course_not_granted_leaves_the_tag_on_the_grant_before_it(self) -> None:
        """A course the text does not grant says nothing of the grants: the usual reading."""
        credit = parse_transfer_credit(
            "SFU ETHC 100 (3) & SFU ETHC 203 (3), B-Hum for ETHC 999 only", "SFU")
        assert credit.alternatives == (
            (course("ETHC 100", 3.0), course("ETHC 203", 3.0, "B-Hum")),)
        assert credit.notes == "for ETHC 999 only"


class TestTagRunIntoOr:
    """``…, B-Scior SFU X 2XX (3)``: the Guide's export lost the space before ``or``.

    A registrar reads the tag and then a further alternative; the alternative
    must not vanish into the notes.
    """

    def test_the_alternative_after_the_run_together_tag_is_kept(self) -> None:
        credit = parse_transfer_credit(
            "SFU OCEA 104 (3) or SFU TERR 312 (3), B-Scior SFU TERR 2XX (3). Student's choice.",
            "SFU")
        assert credit.outcome is COURSE
        assert credit.alternatives == (
            (course("OCEA 104", 3.0),),
            (course("TERR 312", 3.0, "B-Sci"),),
            (unassigned("TERR", 2, 3.0),))
        assert credit.notes == "Student's choice."

    def test_a_word_that_only_begins_like_a_tag_is_still_a_note(self) -> None:
        credit = parse_transfer_credit("SFU OCEA 104 (3), B-Sciences elective", "SFU")
        assert credit.alternatives == ((course("OCEA 104", 3.0),),)
        assert credit.notes == "B-Sciences elective"

    def test_a_spaced_or_after_a_tag_reads_as_before(self) -> None:
        credit = parse_transfer_credit("SFU OCEA 104 (3), B-Soc or SFU TERR 2XX (3)", "SFU")
        assert credit.alternatives == (
            (course("OCEA 104", 3.0, "B-Soc"),), (unassigned("TERR", 2, 3.0),))
        assert credit.notes is None
