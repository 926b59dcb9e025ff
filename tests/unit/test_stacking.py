"""The stacking query: required, earned and remaining value toward a target."""

from __future__ import annotations

import pytest
from transfer_world import course, credential, done, institution, rule, world

from hub.domain.answers import StackQuery
from hub.domain.errors import InvalidGrade, InvalidQuery, NotFound
from hub.domain.stacking import answer_stack

CERT = "ON:HUMB:CERT-DA"
MC1, MC2, MC3 = "ON:HUMB:MC-DA-01", "ON:HUMB:MC-DA-02", "ON:HUMB:MC-DA-03"
SENE = "ON:SENE:DAT 101"


def humber(*more):
    return world(institution("ON:HUMB", "hours", 42), institution("ON:SENE", "hours", 42),
                 credential(CERT, 112, kind="certificate"),
                 credential(MC1, 28, [(CERT, 28)], "micro-credential"),
                 credential(MC2, 28, [(CERT, 28)], "micro-credential"),
                 credential(MC3, 28, [(CERT, 28)], "micro-credential"),
                 credential("ON:HUMB:OTHER", 28, [], "micro-credential"), *more)


def stack(repo, *completed):
    return answer_stack(repo, StackQuery(CERT, tuple(completed)))


class TestOwnInstitution:
    """Completed credentials whose record stacks into the target count with the link's value."""

    def test_cli_example(self):
        answer = stack(humber(), done(MC2), done(MC1), done("ON:HUMB:OTHER"))
        assert (answer.unit, answer.required, answer.earned, answer.remaining) == (
            "hours", 112.0, 56.0, 56.0)
        assert [(c.credential, c.value, c.via_rule) for c in answer.counted] == [
            (MC1, 28.0, None), (MC2, 28.0, None)]

    def test_remaining_never_goes_below_zero(self):
        repo = humber(credential("ON:HUMB:MC-DA-04", 56, [(CERT, 56)]))
        answer = stack(repo, done(MC1), done(MC2), done(MC3), done("ON:HUMB:MC-DA-04"))
        assert (answer.earned, answer.remaining) == (140.0, 0.0)

    def test_a_target_whose_record_gives_no_value_says_so(self):
        """remaining 0 read as "done": the answer says the requirement is unknown."""
        repo = humber(credential("ON:HUMB:DIP-X", None, kind="diploma"),
                      credential("ON:HUMB:MC-X", 28, [("ON:HUMB:DIP-X", 28)]))
        answer = answer_stack(repo, StackQuery("ON:HUMB:DIP-X", (done("ON:HUMB:MC-X"),)))
        assert (answer.required, answer.earned, answer.remaining) == (0.0, 28.0, 0.0)
        assert answer.required_unknown
        assert not stack(humber(), done(MC1)).required_unknown

    def test_unknown_target(self):
        with pytest.raises(NotFound) as caught:
            answer_stack(humber(), StackQuery("ON:HUMB:NOPE", (done(MC1),)))
        assert caught.value.field == "target"

    @pytest.mark.parametrize("kind", ["diploma", "degree"])
    def test_diplomas_and_degrees_are_targets_too(self, kind):
        repo = humber(credential("ON:HUMB:DIP-DA", 840, kind=kind),
                      credential("ON:HUMB:MC-DA-09", 28, [("ON:HUMB:DIP-DA", 28)],
                                 "micro-credential"))
        answer = answer_stack(repo, StackQuery("ON:HUMB:DIP-DA", (done("ON:HUMB:MC-DA-09"),)))
        assert (answer.required, answer.earned) == (840.0, 28.0)

    def test_a_course_or_micro_credential_is_no_target(self):
        """MODEL.md: "Input: a target credential (a certificate, diploma or degree)"."""
        for target in (MC1, "ON:HUMB:OTHER"):
            with pytest.raises(InvalidQuery) as caught:
                answer_stack(humber(), StackQuery(target, (done(MC2),)))
            assert caught.value.field == "target" and "micro-credential" in str(caught.value)

    def test_grades_must_still_be_readable(self):
        with pytest.raises(InvalidGrade) as caught:
            stack(humber(), done(MC1), done(MC2, "ZZ"))
        assert caught.value.field == "completed[1].grade"


class TestThroughTransferRules:
    """Other institutions' credentials count through the rules into the target's institution."""

    def test_an_awarded_course_grant_that_stacks_counts(self):
        repo = humber(rule("ON:R1", SENE, "ON:HUMB", course("MC-DA-03", 28), min_grade="C"))
        answer = stack(repo, done(MC1), done(SENE, "B"))
        assert answer.earned == 56.0
        assert [(c.credential, c.via_rule, c.counts_as) for c in answer.counted] == [
            (MC1, None, None), (SENE, "ON:R1", MC3)]

    def test_a_rule_that_does_not_apply_counts_nothing(self):
        repo = humber(rule("ON:R1", SENE, "ON:HUMB", course("MC-DA-03", 28), min_grade="B"))
        assert stack(repo, done(SENE, "C")).earned == 0.0

    def test_another_institutions_own_link_counts_only_through_a_rule(self):
        """A Seneca record that says it stacks into Humber's certificate decides nothing at
        Humber: without a rule it has no agreement; with one, the rule's grant counts."""
        linked = credential("ON:SENE:MC-X", 28, [(CERT, 28)], "micro-credential")
        answer = stack(humber(linked), done("ON:SENE:MC-X"))
        assert (answer.earned, answer.counted) == (0.0, ())
        assert [(n.credential, n.reason) for n in answer.not_counted] == [
            ("ON:SENE:MC-X", "no_agreement")]
        ruled = humber(linked, rule("ON:R9", "ON:SENE:MC-X", "ON:HUMB", course("MC-DA-03", 28)))
        answer = stack(ruled, done("ON:SENE:MC-X"))
        assert [(c.credential, c.value, c.via_rule, c.counts_as) for c in answer.counted] == [
            ("ON:SENE:MC-X", 28.0, "ON:R9", MC3)]

    def test_a_granted_course_counts_once_whatever_the_routes(self):
        repo = humber(rule("ON:R1", SENE, "ON:HUMB", course("MC-DA-01", 28)))
        answer = stack(repo, done(MC1), done(SENE))
        assert answer.earned == 28.0 and [c.credential for c in answer.counted] == [MC1]


class TestNotCounted:
    """Every completed credential that added nothing is named with why (more than
    MODEL.md asks: a registrar wants to know why not, as in a transfer answer)."""

    def why(self, answer):
        return {n.credential: n.reason for n in answer.not_counted}

    def test_own_credentials_without_a_link_and_unknown_ones(self):
        answer = stack(humber(), done(MC1), done("ON:HUMB:OTHER"), done("ON:HUMB:GHOST"))
        assert self.why(answer) == {"ON:HUMB:OTHER": "does_not_stack",
                                    "ON:HUMB:GHOST": "unknown_credential"}
        assert [n.credential for n in answer.not_counted] == sorted(self.why(answer))
        assert CERT in answer.not_counted[1].detail  # OTHER: "… stacks into ON:HUMB:CERT-DA"

    def test_an_own_retired_credential_is_unknown_and_said_retired(self):
        repo = humber(credential("ON:HUMB:OLD", 28))
        repo.retire_credential("ON:HUMB:OLD", 2)
        answer = stack(repo, done(MC1), done("ON:HUMB:OLD"))
        assert self.why(answer) == {"ON:HUMB:OLD": "unknown_credential"}
        assert "was retired" in answer.not_counted[0].detail

    def test_other_institutions_carry_the_transfer_reason(self):
        repo = humber(credential(SENE, 42), credential("ON:SENE:DAT 102", 42),
                      rule("ON:R1", SENE, "ON:HUMB", course("MC-DA-03", 28), min_grade="B"))
        answer = stack(repo, done(SENE, "C"), done("ON:SENE:DAT 102"))
        assert self.why(answer) == {SENE: "below_min_grade", "ON:SENE:DAT 102": "no_agreement"}
        assert answer.earned == 0.0

    def test_an_award_whose_grant_does_not_stack_names_its_rule(self):
        repo = humber(rule("ON:R1", SENE, "ON:HUMB", course("DAT 100", 42)))
        answer = stack(repo, done(SENE))
        assert self.why(answer) == {SENE: "does_not_stack"}
        detail = answer.not_counted[0].detail
        assert "ON:R1" in detail
        assert "grants ON:HUMB:DAT 100," in detail  # the course as the answer names credentials

    def test_a_grant_the_learner_already_completed_is_already_counted(self):
        repo = humber(rule("ON:R1", SENE, "ON:HUMB", course("MC-DA-01", 28)))
        answer = stack(repo, done(MC1), done(SENE))
        assert answer.earned == 28.0
        assert self.why(answer) == {SENE: "already_counted"}
        assert MC1 in answer.not_counted[0].detail

    def test_partners_of_a_rule_that_counted_are_counted_for_zero(self):
        partner = "ON:SENE:DAT 102"
        repo = humber(rule("ON:R1", (SENE, partner), "ON:HUMB", course("MC-DA-03", 28)))
        answer = stack(repo, done(SENE), done(partner))
        assert [(c.credential, c.value, c.via_rule, c.counts_as) for c in answer.counted] == [
            (SENE, 28.0, "ON:R1", MC3), (partner, 0.0, "ON:R1", MC3)]
        assert (answer.earned, answer.not_counted) == (28.0, ())

    def test_every_completed_credential_is_counted_or_named(self):
        repo = humber(rule("ON:R1", SENE, "ON:HUMB", course("MC-DA-02", 28)),
                      rule("ON:R2", ("ON:SENE:A", "ON:SENE:B"), "ON:HUMB", course("MC-DA-03")))
        completed = [MC1, SENE, "ON:HUMB:OTHER", "BC:CAPU:ENGL 100", "ON:SENE:A", "ON:SENE:B"]
        answer = stack(repo, *(done(c) for c in completed))
        named = {c.credential for c in answer.counted} | set(self.why(answer))
        assert named == set(completed)
        assert not {c.credential for c in answer.counted} & set(self.why(answer))
