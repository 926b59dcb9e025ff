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

    def test_a_granted_course_counts_once_whatever_the_routes(self):
        repo = humber(rule("ON:R1", SENE, "ON:HUMB", course("MC-DA-01", 28)))
        answer = stack(repo, done(MC1), done(SENE))
        assert answer.earned == 28.0 and [c.credential for c in answer.counted] == [MC1]
