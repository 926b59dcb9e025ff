"""MODEL.md edge cases a third audit found unpinned, each worked by hand from the spec.

Each test quotes the sentence it pins and derives the expected answer from
MODEL.md alone; where MODEL.md leaves a choice open the docstring names the
engine's choice (see the module docstrings of :mod:`hub.domain.optimiser`,
:mod:`hub.domain.suggest` and :mod:`hub.domain.stacking`).
"""

from __future__ import annotations

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
    reasons,
    rule,
    transfer,
    unassigned,
    world,
)

from hub.domain.answers import StackQuery
from hub.domain.stacking import answer_stack

UVIC = "BC:UVIC"
IPC, IPC2 = "ON:SENE:IPC144", "ON:SENE:IPC155"


class TestTheFirstNAcrossTwoAnyNRules:
    """"Which N credentials an 'any N of' rule uses is part of that choice; where it
    makes no difference to the above, the first N in credential-id order"."""

    def test_the_earlier_rule_gets_its_first_n(self):
        # R1 any 1 of A, C (3); R2 any 2 of A, B, D (3). Every plan awarding both
        # has 6 credits over 3 credentials and the same rules, so criteria 1-5 tie.
        # Both cannot have their first N (A for R1, A & B for R2). Choice: rules
        # compare in rule-id order, so R1 takes A and R2 the first two left (B, D);
        # C is left over: R1 applies to it but was awarded with A.
        repo = world(rule("BC:R1", [C, A], UBC, unassigned("ENGL", 1, 3), any_n=1),
                     rule("BC:R2", [D, B, A], UBC, unassigned("ENGL", 1, 3), any_n=2))
        answer = transfer(repo, UBC, done(D), done(C), done(B), done(A))
        assert awarded(answer) == {"BC:R1": (A,), "BC:R2": (B, D)}
        assert reasons(answer) == {C: "used_elsewhere"}
        assert answer.total_credits == 6.0


class TestBlocksAndUnknownsInTotals:
    """"total_credits: the sum of awarded receiving credits, in the receiving
    institution's unit, with the same in tc"; "unknown credits ((-)) count as 0"."""

    def test_a_block_counts_in_the_total_in_the_receivers_unit(self):
        # UVic: 1.5 units a course. A block of 30 units (60 tc), ENGL 110 (1.5 units,
        # 3 tc), and "ENGL 111 (-) or ENGL 1st (1.5)": the smallest is the unknown
        # (0), flagged. Total 31.5 units = 63 tc.
        repo = world(institution(UVIC, "units", 1.5),
                     rule("BC:R1", A, UVIC, block("BA", 30)),
                     rule("BC:R2", B, UVIC, course("ENGL 110", 1.5)),
                     rule("BC:R3", C, UVIC, alternatives=[[course("ENGL 111", None)],
                                                         [unassigned("ENGL", 1, 1.5)]]))
        answer = transfer(repo, UVIC, done(A), done(B), done(C))
        assert (answer.credit_unit, answer.total_credits, answer.total_tc) == (
            "units", 31.5, 63.0)
        assert [(a.rule.id, a.credits, a.tc, a.unknown_credits) for a in answer.awarded] == [
            ("BC:R1", 30.0, 60.0, False), ("BC:R2", 1.5, 3.0, False),
            ("BC:R3", 0.0, 0.0, True)]

    def test_a_block_loses_to_courses_only_on_course_credits(self):
        # R1: A & B for a 6-credit block; R2: A for ENGL 110 (3); R3: B for ENGL 111 (3).
        # 6 credits either way; R2 + R3 have 6 in specific courses, the block none.
        repo = world(rule("BC:R1", [A, B], UBC, block("BA", 6)),
                     rule("BC:R2", A, UBC, course("ENGL 110", 3)),
                     rule("BC:R3", B, UBC, course("ENGL 111", 3)))
        answer = transfer(repo, UBC, done(A), done(B))
        assert awarded(answer) == {"BC:R2": (A,), "BC:R3": (B,)}


class TestMonthDatesAtWindowStarts:
    """"a month means its last day"; "inside the window, both ends included"."""

    def test_a_month_ending_on_the_start_is_inside_and_one_ending_before_is_outside(self):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110"), start="2019-09-30"))
        assert awarded(transfer(repo, UBC, done(A, on="2019-09"))) == {"BC:R1": (A,)}
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110"), start="2019-10-01"))
        assert reasons(transfer(repo, UBC, done(A, on="2019-09"))) == {
            A: "outside_effective_window"}


class TestGradesAtADeclaredBoundary:
    """"a letter counts as its lowest percent ... the grade meets the minimum when
    grade_percent >= minimum_percent"."""

    def test_a_letter_against_a_decimal_percent_minimum(self):
        # UofT's C+ is 67: it meets "67.0" and "67%", not "67.5".
        uoft = institution("ON:UOFT", "credit weight", 0.5, UOFT_SCALE)
        cred = "ON:UOFT:ENG 100H1"
        for minimum, meets in (("67.0", True), ("67%", True), ("67.5", False)):
            repo = world(uoft, rule("BC:R1", cred, UBC, course("ENGL 110"), min_grade=minimum))
            answer = transfer(repo, UBC, done(cred, "C+"))
            assert bool(answer.awarded) is meets
            assert reasons(answer) == ({} if meets else {cred: "below_min_grade"})


class TestSuggestionsOnlyWhereNoAgreementExists:
    """"suggested (never counted in the total): pathways the hub infers where no
    agreement exists"."""

    def test_an_awarded_credential_gets_no_suggestion(self):
        # IPC144 and IPC155 both reach UBC through CAPU CSCI 110; IPC144 also has a
        # direct rule (awarded), so only IPC155 is suggested, with its whole chain.
        repo = world(rule("BC:L1", IPC, "BC:CAPU", course("CSCI 110")),
                     rule("BC:L1B", IPC2, "BC:CAPU", course("CSCI 110")),
                     rule("BC:L2", "BC:CAPU:CSCI 110", UBC, unassigned("CPSC", 1, 3)),
                     rule("BC:D1", IPC, UBC, course("CPSC 100", 3)))
        answer = transfer(repo, UBC, done(IPC), done(IPC2))
        assert awarded(answer) == {"BC:D1": (IPC,)}
        assert reasons(answer) == {IPC2: "no_agreement"}
        assert [(s.sending, tuple(r.id for r in s.chain), s.basis)
                for s in answer.suggested] == [((IPC2,), ("BC:L1B", "BC:L2"), "inferred")]
        assert answer.total_credits == 3.0


class TestStackingInTheTargetsUnit:
    """"required, earned and remaining value in the target institution's unit";
    "Completed credentials from other institutions count through the transfer rules
    into the target's institution first"."""

    CERT = "BC:UVIC:CERT-W"

    def test_units_of_the_target_and_rules_to_other_institutions_do_not_count(self):
        # UVic certificate of 6 units. A transfers to UVIC ENGL 135 (stacks 1.5);
        # B's rule is to UBC, not the target's institution; the learner's own
        # ENGL 146 stacks 1.5. Earned 3 units, remaining 3.
        repo = world(institution(UVIC, "units", 1.5),
                     credential(self.CERT, 6, kind="certificate"),
                     credential("BC:UVIC:ENGL 135", 1.5, [(self.CERT, 1.5)]),
                     credential("BC:UVIC:ENGL 146", 1.5, [(self.CERT, 1.5)]),
                     rule("BC:R1", A, UVIC, course("ENGL 135", 1.5)),
                     rule("BC:R2", B, UBC, course("ENGL 146", 3)))
        answer = answer_stack(repo, StackQuery(self.CERT, (
            done(A), done(B), done(D), done("BC:UVIC:ENGL 146"))))
        assert (answer.unit, answer.required, answer.earned, answer.remaining) == (
            "units", 6.0, 3.0, 3.0)
        assert [(c.credential, c.value, c.via_rule, c.counts_as) for c in answer.counted] == [
            (A, 1.5, "BC:R1", "BC:UVIC:ENGL 135"), ("BC:UVIC:ENGL 146", 1.5, None, None)]
