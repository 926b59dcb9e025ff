"""Why a completed credential was not transferred: the first reason in MODEL.md's order."""

from __future__ import annotations

from transfer_world import (
    course,
    credential,
    done,
    reasons,
    rule,
    transfer,
    unassigned,
    world,
)

from hub.domain.model import GrantKind

A, B, C = "BC:CAPU:ENGL 100", "BC:CAPU:ENGL 101", "BC:CAPU:ENGL 102"
BADM = "BC:CAPU:BADM 101"
UBC, SFU = "BC:UBCV", "BC:SFU"


def detail(answer, cid: str) -> str:
    return next(n.detail for n in answer.not_transferred if n.credential == cid)


class TestUnknownAndNoAgreement:
    """Credentials nobody knows are unknown; known ones with no rule have no agreement."""

    def test_unknown_credential_has_no_record_and_no_rule(self):
        assert reasons(transfer(world(), UBC, done(A))) == {A: "unknown_credential"}

    def test_a_retired_credential_is_unknown_and_the_detail_says_it_was_retired(self):
        """MODEL.md: no record and no rule names it. The hub keeps a retired one's old
        record, so the detail says which it is rather than "no record"."""
        repo = world(credential(A), credential(B))
        repo.retire_credential(A, 2)
        answer = transfer(repo, UBC, done(A), done(C))
        assert reasons(answer) == {A: "unknown_credential", C: "unknown_credential"}
        assert detail(answer, A) == (f"{A} was retired (its province's export no longer "
                                     "lists it), and no rule names it")
        assert detail(answer, C) == f"the hub has no record of {C} and no rule names it"

    def test_a_recorded_credential_without_a_rule_has_no_agreement(self):
        answer = transfer(world(credential(BADM)), UBC, done(BADM))
        assert reasons(answer) == {BADM: "no_agreement"}
        assert detail(answer, BADM) == "no rule from BC:CAPU to BC:UBCV covers BADM 101"

    def test_a_credential_named_only_by_rules_elsewhere_has_no_agreement(self):
        repo = world(rule("BC:R1", A, SFU, course("ENGL 101")))
        assert reasons(transfer(repo, UBC, done(A))) == {A: "no_agreement"}

    def test_a_revoked_rule_leaves_no_agreement(self):
        repo = world(credential(A), rule("BC:R1", A, UBC, course("ENGL 110")))
        repo.revoke_rule("BC:R1", 2)
        answer = transfer(repo, UBC, done(A))
        assert answer.awarded == () and reasons(answer) == {A: "no_agreement"}


class TestNoCreditAndAssessment:
    """A no_credit or assessment rule that applies comes before the granting reasons."""

    def test_no_credit(self):
        repo = world(rule("BC:R1", A, UBC, outcome=GrantKind.NO_CREDIT))
        answer = transfer(repo, UBC, done(A))
        assert reasons(answer) == {A: "no_credit"} and "BC:R1" in detail(answer, A)

    def test_a_no_credit_rule_missing_a_partner_leaves_no_agreement_and_says_why(self):
        """It does not apply (MODEL.md: "it, and any partners the rule needs"), so no
        agreement; the detail names the rule instead of saying none covers it."""
        repo = world(rule("BC:R1", (A, B), UBC, outcome=GrantKind.NO_CREDIT))
        answer = transfer(repo, UBC, done(A))
        assert reasons(answer) == {A: "no_agreement"}
        assert "BC:R1 (no_credit) names it but does not apply" in detail(answer, A)

    def test_individual_assessment(self):
        repo = world(rule("BC:R1", A, UBC, outcome=GrantKind.ASSESSMENT))
        assert reasons(transfer(repo, UBC, done(A))) == {A: "individual_assessment"}

    def test_no_credit_comes_before_assessment_and_granting_reasons(self):
        repo = world(rule("BC:R1", A, UBC, outcome=GrantKind.ASSESSMENT),
                     rule("BC:R2", A, UBC, outcome=GrantKind.NO_CREDIT),
                     rule("BC:R3", A, UBC, course("ENGL 110"), min_grade="A"))
        assert reasons(transfer(repo, UBC, done(A, "C"))) == {A: "no_credit"}

    def test_a_no_credit_rule_needs_its_partners_to_apply(self):
        repo = world(rule("BC:R1", [A, B], UBC, outcome=GrantKind.NO_CREDIT))
        assert reasons(transfer(repo, UBC, done(A))) == {A: "no_agreement"}
        assert reasons(transfer(repo, UBC, done(A), done(B))) == {A: "no_credit",
                                                                  B: "no_credit"}

    def test_a_no_credit_rule_outside_its_window_is_not_in_force(self):
        repo = world(rule("BC:R1", A, UBC, outcome=GrantKind.NO_CREDIT, end="2010-12-31"))
        assert reasons(transfer(repo, UBC, done(A, on="2015-04"))) == {A: "no_agreement"}


class TestGrantingRuleReasons:
    """Granting rules that name the credential give the four reasons in order."""

    def test_below_min_grade_names_both_percents(self):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110"), min_grade="C+"))
        answer = transfer(repo, UBC, done(A, "C"))
        assert reasons(answer) == {A: "below_min_grade"}
        assert "60%" in detail(answer, A) and "64%" in detail(answer, A)

    def test_outside_effective_window(self):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110"), start="2018-09-01"))
        answer = transfer(repo, UBC, done(A, on="2018-08"))
        assert reasons(answer) == {A: "outside_effective_window"}
        assert "2018-08-31" in detail(answer, A)

    def test_grade_is_checked_before_the_window(self):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110"), min_grade="B",
                          start="2018-09-01"))
        assert reasons(transfer(repo, UBC, done(A, "C", "2018-08"))) == {A: "below_min_grade"}

    def test_a_missing_partner_is_an_incomplete_combination(self):
        repo = world(rule("BC:R1", [A, B], UBC, course("ENGL 110", 6), min_grade="B"))
        answer = transfer(repo, UBC, done(A, "C"))
        assert reasons(answer) == {A: "incomplete_combination"}
        assert B in detail(answer, A)

    def test_a_partner_that_does_not_qualify_is_an_incomplete_combination(self):
        repo = world(rule("BC:R1", [A, B], UBC, course("ENGL 110", 6), min_grade="B"))
        answer = transfer(repo, UBC, done(A, "A"), done(B, "C"))
        assert reasons(answer) == {A: "incomplete_combination", B: "below_min_grade"}
        assert detail(answer, A) == f"rule BC:R1 also needs {B}, which does not qualify"

    def test_partners_that_do_not_qualify_are_named_in_the_plural(self):
        repo = world(rule("BC:R1", [A, B, C], UBC, course("ENGL 110", 6), min_grade="B"))
        answer = transfer(repo, UBC, done(A, "A"), done(B, "C"), done(C, "C"))
        assert detail(answer, A) == f"rule BC:R1 also needs {B}, {C}, which do not qualify"

    def test_any_n_needs_only_n_minus_one_partners_present(self):
        repo = world(rule("BC:R1", [A, B, C], UBC, unassigned("ENGL", 1, 6), any_n=2,
                          min_grade="B"))
        assert reasons(transfer(repo, UBC, done(A, "A"))) == {A: "incomplete_combination"}
        assert reasons(transfer(repo, UBC, done(A, "C"), done(B, "A"))) == {
            A: "below_min_grade", B: "incomplete_combination"}

    def test_used_elsewhere_when_a_better_set_takes_a_partner(self):
        repo = world(rule("BC:R1", [A, B], UBC, course("ENGL 110", 6)),
                     rule("BC:R2", [B, C], UBC, course("ENGL 111", 3)))
        answer = transfer(repo, UBC, done(A), done(B), done(C))
        assert reasons(answer) == {C: "used_elsewhere"}
        assert "BC:R2" in detail(answer, C) and "BC:R1" in detail(answer, C)

    def test_the_first_reason_over_all_rules_wins(self):
        repo = world(rule("BC:R1", [A, B], UBC, course("ENGL 110", 6)),
                     rule("BC:R2", [B, C], UBC, course("ENGL 111", 3)),
                     rule("BC:R3", C, UBC, course("ENGL 112", 3), min_grade="A"),
                     rule("BC:R4", C, UBC, course("ENGL 113", 3), end="2001-01-01"))
        answer = transfer(repo, UBC, done(A), done(B), done(C, "B"))
        assert reasons(answer) == {C: "below_min_grade"}
