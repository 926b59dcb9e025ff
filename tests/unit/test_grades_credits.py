"""Credits convert to tc by the receiving system; grades read through the sending scale."""

from __future__ import annotations

from datetime import date

import pytest
from transfer_world import (
    UOFT_SCALE,
    course,
    done,
    institution,
    reasons,
    rule,
    transfer,
    world,
)

from hub.domain.dates import parse_completion_date
from hub.domain.errors import InvalidDate, InvalidGrade
from hub.domain.grades import DEFAULT_SCALE, GradingScale
from hub.domain.model import CreditSystem
from hub.domain.worth import exact, to_tc


class TestTransferCredits:
    """v in an institution's unit is v * 3 / standard_course tc (MODEL.md's examples)."""

    @pytest.mark.parametrize("unit,standard,value,tc", [
        ("units", 1.5, 1.5, 3.0), ("credit weight", 0.5, 0.5, 3.0), ("hours", 42, 28, 2.0),
        ("credits", 3, 3, 3.0)])
    def test_examples(self, unit, standard, value, tc):
        assert float(to_tc(exact(value), CreditSystem(unit, standard))) == tc
        assert CreditSystem(unit, standard).to_tc(value) == pytest.approx(tc)

    @pytest.mark.parametrize("receiving,unit,standard,value,tc", [
        ("BC:UVIC", "units", 1.5, 1.5, 3.0), ("ON:UOFT", "credit weight", 0.5, 0.5, 3.0),
        ("ON:HUMB", "hours", 42, 28, 2.0)])
    def test_answers_report_receiving_unit_and_tc(self, receiving, unit, standard, value, tc):
        repo = world(institution(receiving, unit, standard),
                     rule("BC:R1", "BC:CAPU:ENGL 100", receiving, course("X 1", value)))
        answer = transfer(repo, receiving, done("BC:CAPU:ENGL 100"))
        assert answer.credit_unit == unit
        assert (answer.awarded[0].credits, answer.awarded[0].tc) == (value, tc)
        assert (answer.total_credits, answer.total_tc) == (value, tc)

    def test_decimal_credits_tie_exactly(self):
        assert exact(0.1) + exact(0.2) == exact(0.3)


class TestGradeScales:
    """The same letter means different percents at different sending institutions."""

    def world_with(self, min_grade: str):
        return world(institution("ON:UOFT", "credit weight", 0.5, UOFT_SCALE),
                     rule("BC:R1", "ON:UOFT:ENG 100H1", "BC:UBCV", course("ENGL 110"),
                          min_grade=min_grade),
                     rule("BC:R2", "BC:CAPU:ENGL 100", "BC:UBCV", course("ENGL 110"),
                          min_grade=min_grade))

    def test_c_plus_is_67_at_uoft_and_64_on_the_default_scale(self):
        repo = self.world_with("65")
        answer = transfer(repo, "BC:UBCV", done("ON:UOFT:ENG 100H1", "C+"),
                          done("BC:CAPU:ENGL 100", "C+"))
        assert [a.rule.id for a in answer.awarded] == ["BC:R1"]
        assert reasons(answer) == {"BC:CAPU:ENGL 100": "below_min_grade"}

    def test_a_letter_minimum_reads_through_the_sending_scale(self):
        repo = self.world_with("C+")
        answer = transfer(repo, "BC:UBCV", done("ON:UOFT:ENG 100H1", "66"),
                          done("BC:CAPU:ENGL 100", "66"))
        assert [a.rule.id for a in answer.awarded] == ["BC:R2"]
        assert reasons(answer) == {"ON:UOFT:ENG 100H1": "below_min_grade"}

    @pytest.mark.parametrize("grade,meets", [("B", True), ("72", True), ("71.5", False),
                                             ("B-", False)])
    def test_a_letter_counts_as_its_lowest_percent(self, grade, meets):
        repo = world(rule("BC:R1", "BC:CAPU:ENGL 100", "BC:UBCV", course("ENGL 110"),
                          min_grade="72"))
        assert bool(transfer(repo, "BC:UBCV", done("BC:CAPU:ENGL 100", grade)).awarded) is meets

    def test_an_unreadable_minimum_is_never_a_pass(self):
        repo = world(rule("BC:R1", "BC:CAPU:ENGL 100", "BC:UBCV", course("ENGL 110"),
                          min_grade="Q"))
        answer = transfer(repo, "BC:UBCV", done("BC:CAPU:ENGL 100", "A+"))
        assert answer.awarded == ()
        assert reasons(answer) == {"BC:CAPU:ENGL 100": "below_min_grade"}


@pytest.mark.parametrize("grade", ["100.0000000000000001", "100.01%", "101"])
def test_a_percent_over_100_by_any_amount_is_refused(grade: str) -> None:
    """As a float, 100.0000000000000001 is 100.0: the check reads the text exactly."""
    with pytest.raises(InvalidGrade, match="over 100"):
        DEFAULT_SCALE.to_percent(grade)
    assert DEFAULT_SCALE.to_percent("100.000") == 100.0


class TestPercentsCompareAsWritten:
    """grade_percent >= minimum_percent, as written: "66.999999999999999" is 67.0 as a
    float, and met a minimum of 67 (a tester's grade, and a C+ of UofT's scale)."""

    @pytest.mark.parametrize("grade,minimum,meets", [
        ("66.999999999999999", "67", False), ("64.99999999999999999", "65", False),
        ("67.0000000000000001", "67", True), ("67", "67", True),
        ("78.33333333333333", "78.33", True), ("78.33333333333333", "78.34", False),
        ("70", "69.9999999999999999", True), ("70", "70.0000000000000001", False),
        # The same long text on both sides meets (a reviewer: cutting each side its own
        # way made it fail), and two long texts 1e-17 apart are told apart.
        ("78.33333333333333", "78.33333333333333", True),
        ("70.00000000000000002", "70.00000000000000001", True),
        ("70.00000000000000001", "70.00000000000000002", False),
    ])
    def test_against_a_percent_minimum(self, grade: str, minimum: str, meets: bool) -> None:
        assert (DEFAULT_SCALE.to_percent(grade) >= DEFAULT_SCALE.to_percent(minimum)) is meets
        assert (DEFAULT_SCALE.to_percent(grade) < DEFAULT_SCALE.to_percent(minimum)) is not meets

    def test_against_a_letter_whose_percent_is_long(self) -> None:
        """A scale's 66.66666666666667 is that decimal, not its float's binary tail."""
        scale = GradingScale.of({"C+": 66.66666666666667, "F": 0})
        assert scale.to_percent("66.66666666666667") >= scale.to_percent("C+")
        assert not scale.to_percent("66.666666666666669999") >= scale.to_percent("C+")

    def test_through_a_query_against_a_letter(self) -> None:
        repo = world(institution("ON:UOFT", "credit weight", 0.5, scale=UOFT_SCALE),
                     institution("ON:SENE", "hours", 42),
                     rule("ON:R1", "ON:UOFT:CSC108H1", "ON:SENE", course("CSC108"),
                          min_grade="C+"))
        assert UOFT_SCALE.as_dict()["C+"] == 67
        below = transfer(repo, "ON:SENE", done("ON:UOFT:CSC108H1", "66.999999999999999"))
        assert reasons(below) == {"ON:UOFT:CSC108H1": "below_min_grade"}
        at = transfer(repo, "ON:SENE", done("ON:UOFT:CSC108H1", "67.000000000000000"))
        assert [a.rule.id for a in at.awarded] == ["ON:R1"]


class TestCompletionDates:
    """A month alone means its last day."""

    @pytest.mark.parametrize("text,day", [("2020-02", date(2020, 2, 29)),
                                          ("2019-04", date(2019, 4, 30)),
                                          ("2019-04-03", date(2019, 4, 3))])
    def test_month_means_last_day(self, text, day):
        assert parse_completion_date(text) == day


class TestOnlyAsciiDigits:
    """Dates and percents are read from ASCII digits only, as the adapters read theirs:
    "٢٠١٦-٠٤" or "７８" is an error naming the item, not 2016-04 or 78 read silently."""

    @pytest.mark.parametrize("text", ["٢٠١٦-٠٤", "２０１６-０４-０１", "2016-٠٤"])
    def test_dates(self, text: str) -> None:
        with pytest.raises(InvalidDate):
            parse_completion_date(text)

    @pytest.mark.parametrize("grade", ["７８", "٧٨", "𝟕𝟖"])
    def test_percent_grades(self, grade: str) -> None:
        with pytest.raises(InvalidGrade):
            DEFAULT_SCALE.to_percent(grade)


@pytest.mark.parametrize("text", ["100.0000000000000001", "100.01"])
def test_an_adapter_refuses_a_minimum_over_100_by_any_amount(text: str) -> None:
    """The hub reads "100.0000000000000001" as over 100 and every learner failed the rule
    it came with (``below_min_grade``); the adapters read it as the float 100.0."""
    from adapters.base.fields import Bad
    from adapters.base.fields.grades import min_grade

    with pytest.raises(Bad, match="min_grade must be a percent"):
        min_grade(text, "line 2")
    assert min_grade("100.000", "line 2") == "100.000"


def test_a_numeric_minimum_keeps_its_value() -> None:
    """Ontario's ``"min_grade": 66.9999999`` went out as the minimum "67" ("{:g}")."""
    from adapters.base.fields.grades import min_grade

    assert [min_grade(v, "line 2") for v in (66.9999999, 65, 65.0, 0.00001, 64.123456)] == [
        "66.9999999", "65", "65", "0.00001", "64.123456"]


def test_the_detail_shows_the_grade_as_read() -> None:
    repo = world(institution("BC:CAPU"), institution("BC:UBCV"),
                 rule("BC:1", "BC:CAPU:ENGL 100", "BC:UBCV", course("ENGL 110"),
                      min_grade="67"))
    answer = transfer(repo, "BC:UBCV", done("BC:CAPU:ENGL 100", "66.9999999"))
    (item,) = answer.not_transferred
    assert "(66.9999999%)" in item.detail and "(67%)" in item.detail


class TestOntarioNumbersAsWritten:
    """Ontario's JSON numbers were floats before anything read them: a min_grade of
    66.99999999999999999 went out as "67", and 100.0000000000000001 as 100."""

    def _min_grade(self, number: str) -> str | None:
        from adapters.base.fields.grades import min_grade
        from adapters.ontario.jsonl import decode

        return min_grade(decode(b'{"min_grade": ' + number.encode() + b"}")["min_grade"],
                         "line 2")

    def test_kept_as_written(self) -> None:
        assert self._min_grade("66.99999999999999999") == "66.99999999999999999"
        assert self._min_grade("65") == "65" and self._min_grade("6.5e1") == "65"

    @pytest.mark.parametrize("number", ["100.0000000000000001", "1e999", "-0.5"])
    def test_over_100_by_any_amount_is_refused(self, number: str) -> None:
        from adapters.base.fields import Bad

        with pytest.raises(Bad, match="is not a percent 0–100"):
            self._min_grade(number)
