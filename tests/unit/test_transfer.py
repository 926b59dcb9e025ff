"""The transfer query: which rules are awarded, totals, tie-breaks, errors (MODEL.md)."""

from __future__ import annotations

import time

import pytest
from transfer_world import (
    UBC,
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

from hub.domain.errors import InvalidGrade, InvalidQuery, NotFound
from hub.domain.model import GrantKind


class TestGrantKinds:
    """Each grant kind is awarded or not as MODEL.md says."""

    @pytest.mark.parametrize("grant", [course("ENGL 110", 3.0), unassigned("ENGL", 1, 3.0),
                                       block("BA", 3.0)])
    def test_granting_kinds_are_awarded_with_their_credits(self, grant):
        answer = transfer(world(rule("BC:R1", A, UBC, grant)), UBC, done(A))
        assert awarded(answer) == {"BC:R1": (A,)}
        assert answer.awarded[0].grants == (grant,)
        assert answer.total_credits == 3.0 and answer.total_tc == 3.0

    @pytest.mark.parametrize("outcome", [GrantKind.NO_CREDIT, GrantKind.ASSESSMENT])
    def test_no_credit_and_assessment_rules_are_never_awarded(self, outcome):
        answer = transfer(world(rule("BC:R1", A, UBC, outcome=outcome)), UBC, done(A))
        assert answer.awarded == () and answer.total_credits == 0.0

    def test_notes_and_designation_travel_with_the_rule(self):
        r = rule("BC:R1", A, UBC, course("PHYS 100", 3, designation="Q/B-Sci"),
                 notes="Precludes credit for PHYS 101")
        award = transfer(world(r), UBC, done(A)).awarded[0]
        assert award.rule.notes == "Precludes credit for PHYS 101"
        assert award.grants[0].designation == "Q/B-Sci"


class TestCombinationsAndAlternatives:
    """All-of, any-N-of and alternatives are read as MODEL.md says."""

    def test_a_combination_needs_every_sending_credential(self):
        repo = world(rule("BC:R1", [A, B], UBC, course("ENGL 110", 6)))
        assert awarded(transfer(repo, UBC, done(A), done(B))) == {"BC:R1": (A, B)}
        assert awarded(transfer(repo, UBC, done(A))) == {}

    def test_any_two_of_three_uses_the_first_two_in_credential_order(self):
        repo = world(rule("BC:R1", [C, A, B], UBC, unassigned("ENGL", 1, 6), any_n=2))
        answer = transfer(repo, UBC, done(C), done(B), done(A))
        assert awarded(answer) == {"BC:R1": (A, B)}
        assert reasons(answer) == {C: "used_elsewhere"}

    def test_any_two_of_three_skips_a_credential_that_does_not_qualify(self):
        repo = world(rule("BC:R1", [A, B, C], UBC, unassigned("ENGL", 1, 6), any_n=2,
                          min_grade="C"))
        answer = transfer(repo, UBC, done(A, "D"), done(B), done(C))
        assert awarded(answer) == {"BC:R1": (B, C)}
        assert reasons(answer) == {A: "below_min_grade"}

    def test_the_smallest_alternative_counts_and_every_alternative_is_listed(self):
        alternatives = [[course("SOCI 1240", 4)], [unassigned("SOCI", 2, 3)]]
        repo = world(rule("BC:R1", A, "BC:KPU", alternatives=alternatives),
                     institution("BC:KPU"))
        award = transfer(repo, "BC:KPU", done(A)).awarded[0]
        assert award.credits == 3.0 and award.counted_alternative == 1
        assert len(award.rule.alternatives) == 2

    def test_unknown_credits_count_as_zero_and_are_flagged(self):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110", None)),
                     rule("BC:R2", B, UBC, course("ENGL 111", 3)))
        answer = transfer(repo, UBC, done(A), done(B))
        assert awarded(answer) == {"BC:R1": (A,), "BC:R2": (B,)}
        unknown = {a.rule.id: a.unknown_credits for a in answer.awarded}
        assert unknown == {"BC:R1": True, "BC:R2": False}
        assert answer.total_credits == 3.0

    def test_a_zero_credit_rule_is_still_awarded(self):
        answer = transfer(world(rule("BC:R1", A, UBC, unassigned("GEN", 1, 0))), UBC, done(A))
        assert awarded(answer) == {"BC:R1": (A,)} and answer.total_credits == 0.0


class TestEffectiveWindow:
    """A rule applies to credentials completed inside its window, both ends included."""

    WINDOW = {"start": "2015-09-01", "end": "2019-04-30"}

    @pytest.mark.parametrize("on,applies", [
        ("2015-09-01", True), ("2019-04-30", True), ("2015-08-31", False),
        ("2019-05-01", False), ("2019-04", True), ("2015-08", False)])
    def test_window_ends(self, on, applies):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110"), **self.WINDOW))
        answer = transfer(repo, UBC, done(A, on=on))
        assert bool(answer.awarded) is applies

    def test_a_month_means_its_last_day(self):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110"), end="2019-04-15"))
        assert reasons(transfer(repo, UBC, done(A, on="2019-04"))) == {
            A: "outside_effective_window"}
        assert awarded(transfer(repo, UBC, done(A, on="2019-04-15"))) == {"BC:R1": (A,)}


class TestTieBreaks:
    """Competing rules are settled by credits, course credits, credentials, rules, ids."""

    def test_largest_total_of_credits_wins(self):
        repo = world(rule("BC:R1", [A, B], UBC, course("ENGL 110", 6)),
                     rule("BC:R2", A, UBC, course("ENGL 111", 3)),
                     rule("BC:R3", B, UBC, course("ENGL 112", 2)))
        assert awarded(transfer(repo, UBC, done(A), done(B))) == {"BC:R1": (A, B)}

    def test_more_specific_course_credits_win_a_tie(self):
        repo = world(rule("BC:R1", A, UBC, unassigned("ENGL", 1, 3)),
                     rule("BC:R2", A, UBC, course("ENGL 110", 3)))
        assert awarded(transfer(repo, UBC, done(A))) == {"BC:R2": (A,)}

    def test_more_completed_credentials_used_win_a_tie(self):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110", 3)),
                     rule("BC:R2", [A, B], UBC, course("ENGL 111", 3)))
        assert awarded(transfer(repo, UBC, done(A), done(B))) == {"BC:R2": (A, B)}

    def test_fewer_rules_win_a_tie(self):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110", 3)),
                     rule("BC:R2", B, UBC, course("ENGL 111", 3)),
                     rule("BC:R3", [A, B], UBC, course("ENGL 110", 3), course("ENGL 111", 3)))
        assert awarded(transfer(repo, UBC, done(A), done(B))) == {"BC:R3": (A, B)}

    def test_sorted_rule_ids_that_come_first_win_a_tie(self):
        repo = world(rule("BC:R2", A, UBC, course("ENGL 110", 3)),
                     rule("BC:R1", A, UBC, course("ENGL 111", 3)))
        assert awarded(transfer(repo, UBC, done(A))) == {"BC:R1": (A,)}

    def test_which_n_of_an_any_n_rule_is_part_of_the_choice(self):
        repo = world(rule("BC:R1", [A, B, C], UBC, unassigned("ENGL", 1, 6), any_n=2),
                     rule("BC:R2", A, UBC, course("ENGL 110", 3)))
        answer = transfer(repo, UBC, done(A), done(B), done(C))
        assert awarded(answer) == {"BC:R1": (B, C), "BC:R2": (A,)}
        assert answer.total_credits == 9.0

    def test_a_rule_is_awarded_at_most_once(self):
        repo = world(rule("BC:R1", [A, B, C, D], UBC, unassigned("ENGL", 1, 3), any_n=2))
        answer = transfer(repo, UBC, done(A), done(B), done(C), done(D))
        assert awarded(answer) == {"BC:R1": (A, B)}
        assert reasons(answer) == {C: "used_elsewhere", D: "used_elsewhere"}


class TestRuleVersions:
    """Answers use the highest version of a rule, whatever order versions arrived in."""

    def test_a_higher_version_replaces_and_a_late_older_one_is_ignored(self):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110", 3), version=1),
                     rule("BC:R1", A, UBC, course("ENGL 110", 6), version=3),
                     rule("BC:R1", A, UBC, course("ENGL 110", 1), version=2))
        answer = transfer(repo, UBC, done(A))
        assert (answer.awarded[0].rule.version, answer.total_credits) == (3, 6.0)

    def test_a_revoked_rule_is_absent(self):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110", 3)),
                     rule("BC:R1", A, UBC, course("ENGL 110", 3), version=2, revoked=True))
        assert transfer(repo, UBC, done(A)).awarded == ()


class TestTotalsAndOrder:
    """Totals are in the receiving unit and in tc; lists come in a stable order."""

    def test_totals_in_the_receiving_unit_and_tc(self):
        repo = world(institution("BC:UVIC", "units", 1.5),
                     rule("BC:R1", A, "BC:UVIC", course("ENGL 135", 1.5)),
                     rule("BC:R2", B, "BC:UVIC", course("ENGL 146", 1.5)))
        answer = transfer(repo, "BC:UVIC", done(B), done(A))
        assert answer.credit_unit == "units"
        assert (answer.total_credits, answer.total_tc) == (3.0, 6.0)
        assert [a.rule.id for a in answer.awarded] == ["BC:R1", "BC:R2"]

    def test_not_transferred_is_in_credential_order(self):
        repo = world(credential(A), credential(C))
        answer = transfer(repo, UBC, done(C), done(A), done(B))
        assert [n.credential for n in answer.not_transferred] == [A, B, C]


class TestBadInput:
    """Bad input is an error naming the item; an unknown institution is NotFound."""

    def test_unknown_receiving_institution(self):
        with pytest.raises(NotFound) as caught:
            transfer(world(), "BC:NOPE", done(A))
        assert caught.value.field == "receiving_institution"

    def test_a_grade_the_sending_scale_cannot_read_names_its_item(self):
        with pytest.raises(InvalidGrade) as caught:
            transfer(world(), UBC, done(A), done(B, "Z+"))
        assert caught.value.field == "completed[1].grade"

    def test_a_credential_listed_twice(self):
        with pytest.raises(InvalidQuery) as caught:
            transfer(world(), UBC, done(A), done(B), done(A, "A"))
        assert caught.value.field == "completed[2].credential"


class TestSpeed:
    """A 60-credential transcript with many competing rules is answered quickly."""

    def test_sixty_credentials_with_competing_rules(self):
        codes = [f"BC:CAPU:C {i:03d}" for i in range(60)]
        rules = []
        for i, code in enumerate(codes):
            rules.append(rule(f"BC:S{i:03d}", code, UBC, course(f"X {i}", 3)))
            rules.append(rule(f"BC:U{i:03d}", code, UBC, unassigned("GEN", 1, 3)))
            if i + 1 < len(codes):
                rules.append(rule(f"BC:P{i:03d}", [code, codes[i + 1]], UBC,
                                  course(f"Y {i}", 3 + (i % 4))))
            if i + 2 < len(codes):
                rules.append(rule(f"BC:N{i:03d}", codes[i:i + 3], UBC,
                                  unassigned("GEN", 2, 6), any_n=2))
        repo = world(*rules)
        started = time.perf_counter()
        answer = transfer(repo, UBC, *(done(c) for c in codes))
        elapsed = time.perf_counter() - started
        print(f"\n60 credentials, {len(rules)} rules: {elapsed * 1000:.0f} ms")
        used = [c for a in answer.awarded for c in a.used]
        assert len(used) == len(set(used)) == 60
