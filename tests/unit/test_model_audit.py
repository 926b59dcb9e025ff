"""MODEL.md read sentence by sentence: hand-worked cases, then a brute-force reading.

Each hand-worked test quotes (or names) the sentence it pins and works the
expected answer from MODEL.md alone. The brute force at the end is a second,
independent reading of "A transfer query" (awarded, not_transferred with its
reasons, totals) compared with the engine on random small worlds, including
components of more than eight credentials, which the engine solves by branch
and bound rather than by enumeration.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from transfer_world import (
    UBC,
    UOFT_SCALE,
    A,
    B,
    C,
    D,
    awarded,
    block,
    course,
    credential,
    done,
    institution,
    levels_for_every_search,
    reasons,
    rule,
    transfer,
    unassigned,
    world,
)

from hub.domain.answers import StackQuery
from hub.domain.dates import parse_completion_date
from hub.domain.errors import InvalidDate, InvalidGrade
from hub.domain.grades import DEFAULT_SCALE, GradingScale
from hub.domain.model import GrantKind, Rule
from hub.domain.stacking import answer_stack


class TestCredits:
    """"A value v in an institution's unit is v * 3.0 / standard_course tc."""

    def test_totals_sum_in_the_receiving_unit_and_convert_once(self):
        # ON:UOFT credit weight 0.5 per course: 0.5 + 1.0 = 1.5 weight = 9.0 tc.
        repo = world(institution("ON:UOFT", "credit weight", 0.5),
                     rule("ON:R1", A, "ON:UOFT", course("ENG 100H1", 0.5)),
                     rule("ON:R2", B, "ON:UOFT", course("ENG 200Y1", 1.0)))
        answer = transfer(repo, "ON:UOFT", done(A), done(B))
        assert (answer.credit_unit, answer.total_credits, answer.total_tc) == (
            "credit weight", 1.5, 9.0)
        assert sorted((a.credits, a.tc) for a in answer.awarded) == [(0.5, 3.0), (1.0, 6.0)]

    def test_unknown_credits_count_as_zero_and_the_answer_says_so(self):
        # "unknown credits ((-)) count as 0 and the answer says so."
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110", None)))
        answer = transfer(repo, UBC, done(A))
        assert awarded(answer) == {"BC:R1": (A,)}
        assert (answer.awarded[0].credits, answer.awarded[0].unknown_credits) == (0.0, True)
        assert (answer.total_credits, answer.total_tc) == (0.0, 0.0)

    def test_an_unknown_alternative_is_the_smallest_and_is_flagged(self):
        # "the credits it counts are the smallest alternative's": (-) counts as 0.
        repo = world(rule("BC:R1", A, UBC,
                          alternatives=[[course("ENGL 110", 3)], [unassigned("ENGL", 1, None)]]))
        award = transfer(repo, UBC, done(A)).awarded[0]
        assert (award.credits, award.unknown_credits, award.counted_alternative) == (
            0.0, True, 1)
        assert award.grants == (course("ENGL 110", 3),)  # grants holds the first

    def test_a_smaller_alternative_decides_the_competition(self):
        # R1 offers 6 or 2 (counts 2); R2 offers 3: R2 wins the shared credential.
        repo = world(rule("BC:R1", A, UBC, alternatives=[[course("ENGL 110", 6)],
                                                          [unassigned("ENGL", 1, 2)]]),
                     rule("BC:R2", A, UBC, unassigned("ENGL", 1, 3)))
        answer = transfer(repo, UBC, done(A))
        assert awarded(answer) == {"BC:R2": (A,)} and answer.total_credits == 3.0


class TestGrades:
    """"Both sides become percents through the sending institution's scale"."""

    def test_letter_grade_against_a_letter_minimum_on_a_declared_scale(self):
        # UofT: B- is 70, C+ is 67: a B- meets a C+ minimum; a C (63) does not.
        uoft = institution("ON:UOFT", "credit weight", 0.5, UOFT_SCALE)
        repo = world(uoft, rule("BC:R1", "ON:UOFT:ENG 100H1", UBC, course("ENGL 110"),
                                min_grade="C+"))
        assert awarded(transfer(repo, UBC, done("ON:UOFT:ENG 100H1", "B-"))) == {
            "BC:R1": ("ON:UOFT:ENG 100H1",)}
        assert reasons(transfer(repo, UBC, done("ON:UOFT:ENG 100H1", "C"))) == {
            "ON:UOFT:ENG 100H1": "below_min_grade"}

    def test_the_receiving_scale_is_not_used(self):
        # The receiving institution declares C+ = 90; the sending (default) says 64.
        strict = institution("BC:UBCV", scale=GradingScale.of({"A": 95, "C+": 90, "F": 0}))
        repo = world(strict, rule("BC:R1", A, UBC, course("ENGL 110"), min_grade="C+"))
        assert awarded(transfer(repo, UBC, done(A, "65"))) == {"BC:R1": (A,)}

    def test_a_grade_equal_to_the_minimum_meets_it(self):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110"), min_grade="64"))
        assert awarded(transfer(repo, UBC, done(A, "C+"))) == {"BC:R1": (A,)}

    def test_an_unreadable_grade_is_an_error_naming_the_item(self):
        # D+ is on UofT's scale but not on the default scale CAPU uses.
        with pytest.raises(InvalidGrade) as caught:
            transfer(world(), UBC, done(A, "D+"))
        assert caught.value.field == "completed[0].grade"

    def test_an_unreadable_minimum_never_passes_and_says_why(self):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110"), min_grade="D+"))
        answer = transfer(repo, UBC, done(A, "A+"))
        assert answer.awarded == () and reasons(answer) == {A: "below_min_grade"}
        assert "cannot be read" in answer.not_transferred[0].detail

    def test_default_scale_is_the_one_in_model_md(self):
        assert DEFAULT_SCALE.as_dict() == {
            "A+": 90, "A": 85, "A-": 80, "B+": 76, "B": 72, "B-": 68, "C+": 64, "C": 60,
            "C-": 55, "D": 50, "F": 0}


class TestDates:
    """"a month means its last day"; "both ends included"."""

    @pytest.mark.parametrize("text", ["2020-13", "2020-02-30", "20-01", "2020/01", ""])
    def test_unreadable_dates_are_errors(self, text):
        with pytest.raises(InvalidDate):
            parse_completion_date(text)

    def test_a_month_before_a_start_inside_it_is_in_the_window(self):
        # Completed "2019-09" is 2019-09-30, inside a window starting 2019-09-15.
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110"), start="2019-09-15"))
        assert awarded(transfer(repo, UBC, done(A, on="2019-09"))) == {"BC:R1": (A,)}

    def test_every_sending_credential_must_be_inside_the_window(self):
        repo = world(rule("BC:R1", [A, B], UBC, course("ENGL 110", 6), end="2019-04-30"))
        answer = transfer(repo, UBC, done(A, on="2019-04"), done(B, on="2019-05-01"))
        assert reasons(answer) == {A: "incomplete_combination", B: "outside_effective_window"}


class TestCombinations:
    """"Several means all are required together ... unless the rule says any N of"."""

    def test_a_credential_named_twice_is_required_once(self):
        # A sending set that names one credential twice ("A & A") needs it once.
        repo = world(rule("BC:R1", [A, A], UBC, course("ENGL 110")))
        answer = transfer(repo, UBC, done(A))
        assert awarded(answer) == {"BC:R1": (A,)} and answer.not_transferred == ()

    def test_any_n_first_n_in_credential_id_order_not_transcript_or_rule_order(self):
        repo = world(rule("BC:R1", [D, C, B, A], UBC, unassigned("ENGL", 1, 3), any_n=3))
        answer = transfer(repo, UBC, done(D), done(B), done(C), done(A))
        assert awarded(answer) == {"BC:R1": (A, B, C)}
        assert reasons(answer) == {D: "used_elsewhere"}

    def test_course_credits_decide_against_an_any_n_rule(self):
        # R1 any 2 of A,B,C (unassigned 3); R2 A (course 3); R3 B (course 3).
        # Every best set has 6 credits; R2 + R3 has 6 in courses, R1 with either
        # only 3: R2 + R3 win. C's rule R1 applies (A, B, C all qualify) but was
        # not chosen: used_elsewhere.
        repo = world(rule("BC:R1", [A, B, C], UBC, unassigned("ENGL", 1, 3), any_n=2),
                     rule("BC:R2", A, UBC, course("ENGL 110", 3)),
                     rule("BC:R3", B, UBC, course("ENGL 111", 3)))
        answer = transfer(repo, UBC, done(A), done(B), done(C))
        assert awarded(answer) == {"BC:R2": (A,), "BC:R3": (B,)}
        assert reasons(answer) == {C: "used_elsewhere"}


class TestTieBreaks:
    """"largest total ... more credits in specific courses ... more completed credentials
    used ... fewer rules ... sorted rule ids come first"."""

    def test_credits_beat_course_credits(self):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110", 3)),
                     rule("BC:R2", A, UBC, unassigned("ENGL", 1, 4)))
        assert awarded(transfer(repo, UBC, done(A))) == {"BC:R2": (A,)}

    def test_course_credits_beat_credentials_used(self):
        repo = world(rule("BC:R1", [A, B], UBC, unassigned("ENGL", 1, 3)),
                     rule("BC:R2", A, UBC, course("ENGL 110", 3)))
        answer = transfer(repo, UBC, done(A), done(B))
        assert awarded(answer) == {"BC:R2": (A,)}
        assert reasons(answer) == {B: "used_elsewhere"}

    def test_a_zero_credit_rule_is_awarded_beside_the_best(self):
        # "so a rule that grants zero or unknown credits is still awarded"
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110", 3)),
                     rule("BC:R2", B, UBC, unassigned("GEN", 1, None)))
        answer = transfer(repo, UBC, done(A), done(B))
        assert awarded(answer) == {"BC:R1": (A,), "BC:R2": (B,)}
        assert answer.total_credits == 3.0

    def test_credentials_used_beat_fewer_rules(self):
        # R1 (A & B) 3; R2 (A) 3; R3 (B & C) 0. {R1}: 3 credits, 2 credentials, 1 rule
        # (R3 cannot have B). {R2, R3}: 3 credits, 3 credentials, 2 rules: it wins.
        repo = world(rule("BC:R1", [A, B], UBC, unassigned("ENGL", 1, 3)),
                     rule("BC:R2", A, UBC, unassigned("ENGL", 1, 3)),
                     rule("BC:R3", [B, C], UBC, unassigned("GEN", 1, 0)))
        answer = transfer(repo, UBC, done(A), done(B), done(C))
        assert awarded(answer) == {"BC:R2": (A,), "BC:R3": (B, C)}

    def test_sorted_rule_ids_compare_as_lists(self):
        # R1 (A), R4 (B & C), R2 (A & B), R3 (C), 3 credits each. The best sets use
        # all three credentials with two rules: {R1, R4} and {R2, R3}. Sorted,
        # ["BC:R1", "BC:R4"] comes before ["BC:R2", "BC:R3"] (first ids differ).
        repo = world(rule("BC:R1", A, UBC, unassigned("ENGL", 1, 3)),
                     rule("BC:R4", [B, C], UBC, unassigned("ENGL", 1, 3)),
                     rule("BC:R2", [A, B], UBC, unassigned("ENGL", 1, 3)),
                     rule("BC:R3", C, UBC, unassigned("ENGL", 1, 3)))
        assert awarded(transfer(repo, UBC, done(A), done(B), done(C))) == {
            "BC:R1": (A,), "BC:R4": (B, C)}

    def test_rule_ids_compare_as_text(self):
        # Choice pinned: ids sort as text, so "BC:BCTG-10" comes before "BC:BCTG-9".
        repo = world(rule("BC:BCTG-9", A, UBC, unassigned("ENGL", 1, 3)),
                     rule("BC:BCTG-10", A, UBC, unassigned("ENGL", 1, 3)))
        assert awarded(transfer(repo, UBC, done(A))) == {"BC:BCTG-10": (A,)}


class TestReasons:
    """not_transferred: "one reason, the first that holds in this order"."""

    def test_a_credential_named_only_by_a_rule_is_not_unknown(self):
        # A rule to another institution names it, the hub has no record of it.
        repo = world(rule("BC:R1", A, "BC:SFU", course("ENGL 101")))
        assert reasons(transfer(repo, UBC, done(A))) == {A: "no_agreement"}

    def test_a_revoked_rule_no_longer_names_it(self):
        # "a revocation removes it as though it had never been granted"
        repo = world(rule("BC:R1", A, "BC:SFU", course("ENGL 101")))
        repo.revoke_rule("BC:R1", 2)
        assert reasons(transfer(repo, UBC, done(A))) == {A: "unknown_credential"}

    def test_a_retired_credential_no_rule_names_is_unknown(self):
        # Choice (reasons.py): retired counts as no record.
        repo = world(credential(A))
        repo.retire_credential(A, 2)
        assert reasons(transfer(repo, UBC, done(A))) == {A: "unknown_credential"}

    def test_no_credit_comes_before_unapplicable_granting_rules(self):
        repo = world(rule("BC:R1", A, UBC, outcome=GrantKind.NO_CREDIT),
                     rule("BC:R2", [A, B], UBC, course("ENGL 110")))
        assert reasons(transfer(repo, UBC, done(A))) == {A: "no_credit"}

    def test_a_no_credit_rule_the_credential_fails_gives_no_agreement(self):
        repo = world(rule("BC:R1", A, UBC, outcome=GrantKind.NO_CREDIT, min_grade="B"))
        assert reasons(transfer(repo, UBC, done(A, "C"))) == {A: "no_agreement"}

    def test_assessment_of_any_n_needs_n_minus_one_qualifying_partners(self):
        repo = world(rule("BC:R1", [A, B, C], UBC, outcome=GrantKind.ASSESSMENT, any_n=2))
        assert reasons(transfer(repo, UBC, done(A))) == {A: "no_agreement"}
        assert reasons(transfer(repo, UBC, done(A), done(C))) == {
            A: "individual_assessment", C: "individual_assessment"}

    def test_a_missing_partner_comes_before_the_credentials_own_grade(self):
        # "Where a partner is missing from the transcript: incomplete_combination."
        repo = world(rule("BC:R1", [A, B], UBC, course("ENGL 110"), min_grade="A"))
        assert reasons(transfer(repo, UBC, done(A, "C"))) == {A: "incomplete_combination"}

    def test_below_min_grade_from_one_rule_beats_used_elsewhere_from_another(self):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110", 6)),
                     rule("BC:R2", [A, B], UBC, course("ENGL 111", 3)),
                     rule("BC:R3", B, UBC, course("ENGL 112", 3), min_grade="A"))
        answer = transfer(repo, UBC, done(A), done(B, "B"))
        assert awarded(answer) == {"BC:R1": (A,)}
        assert reasons(answer) == {B: "below_min_grade"}

    def test_outside_window_beats_incomplete_combination(self):
        repo = world(rule("BC:R1", [A, C], UBC, course("ENGL 110")),
                     rule("BC:R2", A, UBC, course("ENGL 111"), end="2010-01-01"))
        assert reasons(transfer(repo, UBC, done(A))) == {A: "outside_effective_window"}

    def test_rules_to_other_institutions_give_no_reason(self):
        repo = world(rule("BC:R1", A, "BC:SFU", course("ENGL 101"), min_grade="A"))
        assert reasons(transfer(repo, UBC, done(A, "C"))) == {A: "no_agreement"}

    def test_a_rule_only_not_in_force_gives_outside_window_not_no_agreement(self):
        # A granting rule the credential meets in grade but not in date.
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110"), start="2030-01-01"))
        assert reasons(transfer(repo, UBC, done(A))) == {A: "outside_effective_window"}


class TestSuggestions:
    """Suggestions: chains of up to three rules, each named, never counted."""

    def test_a_four_rule_chain_is_not_suggested(self):
        repo = world(rule("ON:S1", "ON:SENE:IPC144", "ON:HUMB", course("CS 1")),
                     rule("SK:S2", "ON:HUMB:CS 1", "SK:USASK", course("CMPT 140")),
                     rule("BC:S3", "SK:USASK:CMPT 140", "BC:CAPU", course("CSCI 110")),
                     rule("BC:S4", "BC:CAPU:CSCI 110", UBC, unassigned("CPSC", 1)))
        answer = transfer(repo, UBC, done("ON:SENE:IPC144"))
        assert answer.suggested == ()
        assert transfer(repo, UBC, done("ON:HUMB:CS 1")).suggested[0].chain[0].id == "SK:S2"

    def test_suggestions_are_never_counted(self):
        repo = world(rule("BC:X1", "ON:SENE:IPC144", "BC:CAPU", course("CSCI 110")),
                     rule("BC:X2", "BC:CAPU:CSCI 110", UBC, course("CPSC 110", 3)),
                     rule("BC:R1", A, UBC, course("ENGL 110", 3)))
        answer = transfer(repo, UBC, done("ON:SENE:IPC144"), done(A))
        assert [tuple(r.id for r in s.chain) for s in answer.suggested] == [("BC:X1", "BC:X2")]
        assert (answer.total_credits, answer.total_tc) == (3.0, 3.0)


class TestStacking:
    """"Completed credentials from other institutions count through the transfer rules
    into the target's institution first"."""

    CERT = "ON:HUMB:CERT-DA"

    def repo(self, *more):
        return world(institution("ON:HUMB", "hours", 42),
                     credential(self.CERT, 84, kind="certificate"),
                     credential("ON:HUMB:MC-1", 28, [(self.CERT, 28)], "micro-credential"),
                     credential("ON:HUMB:MC-2", 28, [(self.CERT, 14)], "micro-credential"),
                     *more)

    def test_the_links_value_counts_not_the_credentials(self):
        answer = answer_stack(self.repo(), StackQuery(self.CERT, (done("ON:HUMB:MC-2"),)))
        assert (answer.unit, answer.required, answer.earned, answer.remaining) == (
            "hours", 84.0, 14.0, 70.0)

    def test_each_granted_course_that_stacks_counts(self):
        repo = self.repo(rule("ON:R1", "ON:SENE:X 1", "ON:HUMB",
                              course("MC-1", 28), course("MC-2", 28)))
        answer = answer_stack(repo, StackQuery(self.CERT, (done("ON:SENE:X 1"),)))
        assert answer.earned == 42.0  # the links' values: 28 + 14
        assert [(c.credential, c.via_rule, c.counts_as, c.value) for c in answer.counted] == [
            ("ON:SENE:X 1", "ON:R1", "ON:HUMB:MC-1", 28.0),
            ("ON:SENE:X 1", "ON:R1", "ON:HUMB:MC-2", 14.0)]

    def test_only_the_smallest_alternative_counts_through_a_rule(self):
        # "the credits it counts are the smallest alternative's": MC-2 (14 hours).
        repo = self.repo(rule("ON:R1", "ON:SENE:X 1", "ON:HUMB",
                              alternatives=[[course("MC-1", 28)], [course("MC-2", 14)]]))
        answer = answer_stack(repo, StackQuery(self.CERT, (done("ON:SENE:X 1"),)))
        assert [(c.counts_as, c.value) for c in answer.counted] == [("ON:HUMB:MC-2", 14.0)]

    def test_a_rule_to_another_institution_does_not_count(self):
        repo = self.repo(rule("ON:R1", "ON:SENE:X 1", "ON:GEOR", course("MC-1", 28)))
        answer = answer_stack(repo, StackQuery(self.CERT, (done("ON:SENE:X 1"),)))
        assert answer.earned == 0.0 and answer.counted == ()

    def test_a_revoked_rule_does_not_count(self):
        repo = self.repo(rule("ON:R1", "ON:SENE:X 1", "ON:HUMB", course("MC-1", 28)))
        repo.revoke_rule("ON:R1", 5)
        assert answer_stack(repo, StackQuery(self.CERT, (done("ON:SENE:X 1"),))).earned == 0.0


class TestVersions:
    """"Versions are ordered by the province's own version number ... never by arrival"."""

    def test_a_late_revocation_of_an_older_version_leaves_the_newer_one(self):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110", 3), version=3))
        repo.revoke_rule("BC:R1", 2)
        assert awarded(transfer(repo, UBC, done(A))) == {"BC:R1": (A,)}

    def test_a_newer_version_after_a_revocation_grants_again(self):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110", 3), version=1))
        repo.revoke_rule("BC:R1", 2)
        repo.upsert_rule(rule("BC:R1", A, UBC, course("ENGL 110", 4), version=3))
        assert transfer(repo, UBC, done(A)).total_credits == 4.0

    def test_an_older_version_after_a_revocation_stays_revoked(self):
        repo = world()
        repo.revoke_rule("BC:R1", 2)
        repo.upsert_rule(rule("BC:R1", A, UBC, course("ENGL 110", 4), version=1))
        assert transfer(repo, UBC, done(A)).awarded == ()


# -- A brute-force reading of "A transfer query" -------------------------------------

SENDERS = {"BC:CAPU": DEFAULT_SCALE, "ON:UOFT": UOFT_SCALE}
CODES = {"BC:CAPU": [f"BC:CAPU:ENGL {n}" for n in range(100, 106)],
         "ON:UOFT": [f"ON:UOFT:ENG {n}H1" for n in range(100, 104)]}
MINIMUMS = [None, None, "C+", "B", "64", "D+", "70"]  # D+ is unreadable at CAPU
WINDOWS = [(None, None), (None, None), (date(2020, 1, 1), None), (None, date(2020, 6, 30)),
           (date(2020, 6, 30), date(2021, 1, 31))]
DAYS = [date(2019, 1, 15), date(2020, 6, 30), date(2021, 1, 31), date(2022, 5, 1)]


@dataclass
class Case:
    """A random world: rules (some revoked after writing), records and a transcript."""

    rules: list[Rule]
    revoked: set[str]
    records: set[str]
    transcript: dict[str, tuple[str, date]] = field(default_factory=dict)


def _percent(grade: str, institution: str) -> float | None:
    try:
        return SENDERS[institution].to_percent(grade)
    except InvalidGrade:
        return None


def _worth(r: Rule) -> tuple[Fraction, Fraction]:
    sums = [(sum((Fraction(str(g.credits)) for g in alt if g.credits is not None),
                 Fraction(0)),
             sum((Fraction(str(g.credits)) for g in alt
                  if g.credits is not None and g.kind == GrantKind.COURSE), Fraction(0)))
            for alt in r.alternatives]
    return min(sums) if sums else (Fraction(0), Fraction(0))


def _qualifies(r: Rule, cred: str, transcript) -> bool:
    """In the transcript, meets the min grade (sending scale), completed in the window."""
    if cred not in transcript:
        return False
    grade, day = transcript[cred]
    inst = cred.rsplit(":", 1)[0]
    have = _percent(grade, inst)
    need = _percent(r.min_grade, inst) if r.min_grade else 0.0
    if need is None or have is None or have < need:
        return False
    return (r.effective_start is None or day >= r.effective_start) and (
        r.effective_end is None or day <= r.effective_end)


def _need(r: Rule) -> int:
    return r.any_n if r.any_n is not None else len(set(r.sending))


def _plans(options: list[list], taken: frozenset = frozenset(), at: int = 0):
    """Every plan (one way or none per rule) that uses no credential twice, sorted."""
    if at == len(options):
        yield []
        return
    for way in options[at]:
        if way is not None and taken.intersection(way[1]):
            continue
        extra = frozenset(way[1]) if way is not None else frozenset()
        for rest in _plans(options, taken | extra, at + 1):
            yield sorted([way, *rest]) if way is not None else rest


def brute_answer(case: Case, to: str) -> tuple[dict[str, tuple[str, ...]], dict[str, str],
                                                 Fraction]:
    """Awarded {rule: used}, not_transferred {credential: reason} and total, from MODEL.md."""
    live = [r for r in case.rules if r.id not in case.revoked]
    here = [r for r in live if r.receiving_institution == to]
    t = case.transcript
    options = []
    for r in here:
        if r.outcome in (GrantKind.NO_CREDIT, GrantKind.ASSESSMENT):
            continue
        meeting = sorted(c for c in set(r.sending) if _qualifies(r, c, t))
        ways: list = [None]
        if len(meeting) >= _need(r):
            ways += [(r.id, combo) for combo in itertools.combinations(meeting, _need(r))]
        options.append(ways)
    by_id = {r.id: r for r in here}
    best_key, best = None, {}
    for chosen in _plans(options):
        used = [c for _, creds in chosen for c in creds]
        credits = sum((_worth(by_id[rid])[0] for rid, _ in chosen), Fraction(0))
        courses = sum((_worth(by_id[rid])[1] for rid, _ in chosen), Fraction(0))
        key = (-credits, -courses, -len(used), len(chosen),
               tuple(rid for rid, _ in chosen), tuple(creds for _, creds in chosen))
        if best_key is None or key < best_key:
            best_key, best = key, dict(chosen)
    used = {c for creds in best.values() for c in creds}

    why: dict[str, str] = {}
    for cred in sorted(set(t) - used):
        named = any(cred in r.sending for r in live)
        if cred not in case.records and not named:
            why[cred] = "unknown_credential"
            continue
        mine = [r for r in here if cred in r.sending]

        def applies_to_it(r: Rule, cred: str = cred) -> bool:
            others = sum(1 for c in set(r.sending) if c != cred and _qualifies(r, c, t))
            return _qualifies(r, cred, t) and others >= _need(r) - 1

        if any(r.outcome == GrantKind.NO_CREDIT and applies_to_it(r) for r in mine):
            why[cred] = "no_credit"
            continue
        if any(r.outcome == GrantKind.ASSESSMENT and applies_to_it(r) for r in mine):
            why[cred] = "individual_assessment"
            continue
        found = set()
        for r in mine:
            if r.outcome in (GrantKind.NO_CREDIT, GrantKind.ASSESSMENT):
                continue
            present = sum(1 for c in set(r.sending) if c != cred and c in t)
            if present < _need(r) - 1:
                found.add("incomplete_combination")
                continue
            inst = cred.rsplit(":", 1)[0]
            have = _percent(t[cred][0], inst)
            need = _percent(r.min_grade, inst) if r.min_grade else 0.0
            if need is None or have is None or have < need:
                found.add("below_min_grade")
            elif not _qualifies(r, cred, t):
                found.add("outside_effective_window")
            elif not applies_to_it(r):
                found.add("incomplete_combination")
            else:
                found.add("used_elsewhere")
        order = ["below_min_grade", "outside_effective_window", "incomplete_combination",
                 "used_elsewhere"]
        why[cred] = next((o for o in order if o in found), "no_agreement")
    total = sum((_worth(by_id[rid])[0] for rid in best), Fraction(0))
    return best, why, total


credits_st = st.sampled_from([None, 0.0, 1.5, 3.0, 3.0, 3.0, 4.0, 6.0])


@st.composite
def grant_st(draw):
    kind = draw(st.sampled_from(["course", "course", "unassigned", "block"]))
    value = draw(credits_st)
    if kind == "course":
        return course(f"ENGL {draw(st.integers(110, 112))}", value)
    return unassigned("ENGL", 1, value) if kind == "unassigned" else block("BA", value or 0.0)


@st.composite
def rule_st(draw, index: int, codes: list[str], conditions: bool) -> Rule:
    sending = draw(st.lists(st.sampled_from(codes), min_size=1, max_size=3, unique=True))
    any_n = draw(st.none() | st.integers(1, len(sending))) if len(sending) > 1 else None
    to = draw(st.sampled_from([UBC, UBC, UBC, "BC:SFU"])) if conditions else UBC
    outcome = (draw(st.sampled_from([None] * 5 + [GrantKind.NO_CREDIT, GrantKind.ASSESSMENT]))
               if conditions else None)
    alternatives = None
    if outcome is None:
        shape = st.sampled_from([1, 1, 1, 2])
        alternatives = [[draw(grant_st()) for _ in range(draw(shape))]
                        for _ in range(draw(shape))]
    window = draw(st.sampled_from(WINDOWS)) if conditions else (None, None)
    minimum = draw(st.sampled_from(MINIMUMS)) if conditions else None
    r = rule(f"BC:R{index}", sending, to, alternatives=alternatives, outcome=outcome,
             any_n=any_n, min_grade=minimum)
    return Rule(r.id, r.version, r.sending, r.receiving_institution, r.outcome,
                r.alternatives, any_n=r.any_n, min_grade=r.min_grade,
                effective_start=window[0], effective_end=window[1])


@st.composite
def case_st(draw, conditions: bool = True, wide: bool = False):
    sender = draw(st.sampled_from(sorted(SENDERS))) if not wide else "BC:CAPU"
    codes = CODES[sender]
    count = draw(st.integers(1, 4 if wide else 6))
    if wide:  # one long component of 9-10 credentials: branch and bound, not enumeration
        codes = [f"BC:CAPU:ENGL {n}" for n in range(100, 100 + draw(st.integers(9, 10)))]
        rules = [draw(rule_st(i, codes, conditions)) for i in range(count)]
        rules += [rule(f"BC:P{i:02d}", [codes[i], codes[i + 1]], UBC,
                       unassigned("ENGL", 1, draw(st.sampled_from([3.0, 4.0, 6.0]))))
                  for i in range(len(codes) - 1)]
    else:
        rules = [draw(rule_st(i, codes, conditions)) for i in range(count)]
    revoked = {r.id for r in rules if conditions and draw(st.booleans()) and draw(st.booleans())}
    records = set(draw(st.lists(st.sampled_from(codes), max_size=3, unique=True)))
    taken = codes if wide else draw(st.lists(st.sampled_from(codes), min_size=1, max_size=5,
                                             unique=True))
    grades = ["A", "B", "C+", "C", "D", "55", "64", "70", "90"]
    transcript = {c: (draw(st.sampled_from(grades)) if conditions else "A",
                      draw(st.sampled_from(DAYS)) if conditions else DAYS[1]) for c in taken}
    return Case(rules, revoked, records, transcript)


def _run(case: Case):
    repo = world(institution("ON:UOFT", "credit weight", 0.5, UOFT_SCALE),
                 institution("BC:SFU"), *case.rules, *(credential(c) for c in case.records))
    for rid in case.revoked:
        repo.revoke_rule(rid, 2)
    return transfer(repo, UBC, *(done(c, g, d.isoformat()) for c, (g, d) in
                                 case.transcript.items()))


class TestAgainstABruteForceReading:
    """The whole answer equals a brute-force reading of MODEL.md."""

    @staticmethod
    def check(case: Case) -> None:
        answer = _run(case)
        best, why, total = brute_answer(case, UBC)
        assert awarded(answer) == best
        assert reasons(answer) == why
        assert answer.total_credits == float(total)
        assert answer.total_tc == float(total)  # UBC: 3 credits a course

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(case_st())
    def test_awarded_reasons_and_total(self, case):
        self.check(case)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(case_st(conditions=False, wide=True))
    def test_components_wider_than_enumeration(self, case):
        self.check(case)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(case_st(conditions=False, wide=True))
    def test_components_settled_level_by_level(self, case):
        # what the search cannot settle goes to hub.domain.levels: here, everything it would
        with levels_for_every_search():
            self.check(case)
