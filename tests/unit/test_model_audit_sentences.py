"""MODEL.md's edge cases, worked by hand from the spec text, plus two brute-force readings.

A second audit after ``test_model_audit.py``: each hand-worked test quotes the
sentence it pins and derives the expected answer from MODEL.md alone (where
MODEL.md is silent, the docstring names the registrar's choice the engine
makes). The brute forces cover what the first audit's did not: suggested
pathways (chains of two or three links) and competitions wider than the
optimiser's enumeration limit with many "any N of" rules and tied credits.
"""

from __future__ import annotations

import itertools
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
from hub.domain.errors import InvalidGrade
from hub.domain.grades import DEFAULT_SCALE, GradingScale
from hub.domain.model import CreditSystem, GrantKind, Institution, Rule
from hub.domain.optimiser import Contender, choose
from hub.domain.stacking import answer_stack

U1 = "ON:UOFT:ENG 100H1"
UOFT = institution("ON:UOFT", "credit weight", 0.5, UOFT_SCALE)
# Seneca's scale (FORMATS.md): none of the default scale's minus letters (A-, B-, C-).
SENE_SCALE = GradingScale.of({"A+": 90, "A": 80, "B+": 75, "B": 70, "C+": 65, "C": 60,
                              "D+": 55, "D": 50, "F": 0})
SENE = institution("ON:SENE", "hours", 42, SENE_SCALE)
S1 = "ON:SENE:IPC144"


class TestGradesReadThroughTheSendingScale:
    """"A learner's grade is a percent (78) or a letter of the *sending* institution's
    scale (B+) ... always use the sending institution's scale."""

    def test_a_scale_declared_in_lower_case_reads_upper_case_letters(self):
        # A scale reaching the store as written ("b+") is the same scale as "B+": a
        # learner's B+ is 75 there, and a C+ minimum (65) is met. Read directly, not
        # through GradingScale.of, as an event from another producer may arrive.
        lower = Institution("ON:SENE", "Seneca", CreditSystem("hours", 42),
                            GradingScale((("a", 80.0), ("b+", 75.0), ("c+ ", 65.0),
                                          ("f", 0.0))))
        repo = world(lower, rule("BC:R1", S1, UBC, course("CPSC 110"), min_grade="C+"))
        assert awarded(transfer(repo, UBC, done(S1, "B+"))) == {"BC:R1": (S1,)}
        assert awarded(transfer(repo, UBC, done(S1, "b+"))) == {"BC:R1": (S1,)}

    def test_a_letter_only_the_sending_scale_has_reads_as_its_percent(self):
        # UofT's D+ is 57 (the default scale has no D+): it meets 57, not 58.
        meets = world(UOFT, rule("BC:R1", U1, UBC, course("ENGL 110"), min_grade="57"))
        fails = world(UOFT, rule("BC:R1", U1, UBC, course("ENGL 110"), min_grade="58"))
        assert awarded(transfer(meets, UBC, done(U1, "D+"))) == {"BC:R1": (U1,)}
        assert reasons(transfer(fails, UBC, done(U1, "D+"))) == {U1: "below_min_grade"}

    def test_a_minimum_letter_the_sending_scale_lacks_is_never_met(self):
        # "A grade or minimum that the scale cannot read is an error for that item,
        # never a silent pass": Seneca has no A-, so even an A+ does not meet it,
        # while the same minimum on a default-scale sender reads as 80.
        repo = world(SENE, rule("BC:R1", S1, UBC, course("CPSC 110"), min_grade="A-"),
                     rule("BC:R2", A, UBC, course("ENGL 110"), min_grade="A-"))
        answer = transfer(repo, UBC, done(S1, "A+"), done(A, "80"))
        assert awarded(answer) == {"BC:R2": (A,)}
        assert reasons(answer) == {S1: "below_min_grade"}
        assert "cannot be read" in answer.not_transferred[0].detail

    def test_a_letter_grade_the_sending_scale_lacks_is_an_error_for_that_item(self):
        # A- is on the default scale (CAPU's) but not Seneca's.
        with pytest.raises(InvalidGrade) as caught:
            transfer(world(SENE), UBC, done(A, "A-"), done(S1, "A-"))
        assert caught.value.field == "completed[1].grade"

    def test_a_decimal_percent_just_under_a_letter_minimum_fails(self):
        # Default C+ is 64: 63.9 fails, "64%" meets (a percent is a percent).
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110"), min_grade="C+"))
        assert reasons(transfer(repo, UBC, done(A, "63.9"))) == {A: "below_min_grade"}
        assert awarded(transfer(repo, UBC, done(A, "64%"))) == {"BC:R1": (A,)}


class TestCompletionDatesAtWindowEnds:
    """"a month means its last day"; "inside the window, both ends included"."""

    def test_a_month_ending_after_a_mid_month_end_is_outside(self):
        # "2020-04" is 2020-04-30, after an end of 2020-04-15; the 15th itself is in.
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110"), end="2020-04-15"))
        assert reasons(transfer(repo, UBC, done(A, on="2020-04"))) == {
            A: "outside_effective_window"}
        assert awarded(transfer(repo, UBC, done(A, on="2020-04-15"))) == {"BC:R1": (A,)}

    def test_february_of_a_leap_year_ends_on_the_29th(self):
        ends_28 = world(rule("BC:R1", A, UBC, course("ENGL 110"), end="2020-02-28"))
        starts_29 = world(rule("BC:R1", A, UBC, course("ENGL 110"), start="2020-02-29"))
        assert reasons(transfer(ends_28, UBC, done(A, on="2020-02"))) == {
            A: "outside_effective_window"}
        assert awarded(transfer(starts_29, UBC, done(A, on="2020-02"))) == {"BC:R1": (A,)}

    def test_a_window_ending_before_it_starts_holds_no_date(self):
        # No date is both >= 2021-01-01 and <= 2020-01-01: never in force, and the
        # credential meets the grade, so the reason is the window's.
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110"), start="2021-01-01",
                          end="2020-01-01"))
        for on in ("2019-06", "2020-06", "2021-06"):
            assert reasons(transfer(repo, UBC, done(A, on=on))) == {
                A: "outside_effective_window"}


class TestUnknownAndZeroCreditsInTieBreaks:
    """"unknown credits ((-)) count as 0"; "on a tie, more credits in specific courses
    wins ... then the set whose sorted rule ids come first"."""

    def test_unknown_and_zero_tie_and_the_first_rule_id_wins(self):
        # Both count 0 credits and 0 course credits (an unknown course grant is 0
        # course credits too), use one credential, one rule: rule ids decide.
        for first, second in ((unassigned("ENGL", 1, None), unassigned("ENGL", 1, 0)),
                              (unassigned("ENGL", 1, 0), course("ENGL 110", None)),
                              (course("ENGL 110", None), unassigned("ENGL", 1, 0))):
            repo = world(rule("BC:R1", A, UBC, first), rule("BC:R2", A, UBC, second))
            answer = transfer(repo, UBC, done(A))
            assert awarded(answer) == {"BC:R1": (A,)}
            assert answer.awarded[0].unknown_credits is (first.credits is None)

    def test_the_counted_alternative_decides_the_course_credit_tie_break(self):
        # R1: "ENGL 110 (3) or ENGL 1st (3)": 3 credits either way; the learner can
        # rely on 3 credits, not on the specific course, so R1 competes with 0 course
        # credits and R2 (ENGL 111 (3)) wins on course credits.
        repo = world(rule("BC:R1", A, UBC, alternatives=[[course("ENGL 110", 3)],
                                                          [unassigned("ENGL", 1, 3)]]),
                     rule("BC:R2", A, UBC, course("ENGL 111", 3)))
        answer = transfer(repo, UBC, done(A))
        assert awarded(answer) == {"BC:R2": (A,)}
        assert reasons(answer) == {}


class TestAnyNChoices:
    """"Which N credentials an 'any N of' rule uses is part of that choice; where it
    makes no difference to the above, the first N in credential-id order"."""

    def test_the_choice_leaves_a_partner_for_another_rule(self):
        # R1 any 2 of A, B, C (3); R2 B & D (3). The first two (A, B) would leave R2
        # without B; A & C with B & D gives 6 credits over 4 credentials.
        repo = world(rule("BC:R1", [A, B, C], UBC, unassigned("ENGL", 1, 3), any_n=2),
                     rule("BC:R2", [B, D], UBC, unassigned("ENGL", 1, 3)))
        answer = transfer(repo, UBC, done(A), done(B), done(C), done(D))
        assert awarded(answer) == {"BC:R1": (A, C), "BC:R2": (B, D)}
        assert answer.total_credits == 6.0

    def test_the_leftovers_reason_follows_the_first_n(self):
        # R1 any 1 of A, B (3) uses A (first in id order; the totals are the same
        # either way). B: R1 was awarded with A (used_elsewhere); R2 (B & C) has C
        # below its minimum (incomplete_combination, which comes first).
        repo = world(rule("BC:R1", [B, A], UBC, unassigned("ENGL", 1, 3), any_n=1),
                     rule("BC:R2", [B, C], UBC, course("ENGL 110", 3), min_grade="B"))
        answer = transfer(repo, UBC, done(B, "A"), done(A, "A"), done(C, "C"))
        assert awarded(answer) == {"BC:R1": (A,)}
        assert reasons(answer) == {B: "incomplete_combination", C: "below_min_grade"}


class TestReasonsOfCredentialsTheHubKnows:
    """not_transferred: "one reason, the first that holds in this order"."""

    def test_a_recorded_credential_no_rule_names_has_no_agreement(self):
        # The hub has a record, so not unknown_credential; no rule covers it.
        assert reasons(transfer(world(credential(D)), UBC, done(D))) == {D: "no_agreement"}

    def test_a_no_credit_combination_that_applies_comes_before_a_failed_grade(self):
        # no_credit (A & B, both qualify) comes before R2's below_min_grade for A.
        repo = world(rule("BC:R1", [A, B], UBC, outcome=GrantKind.NO_CREDIT),
                     rule("BC:R2", A, UBC, course("ENGL 110"), min_grade="A"))
        assert reasons(transfer(repo, UBC, done(A, "B"), done(B))) == {
            A: "no_credit", B: "no_credit"}

    def test_a_no_credit_rule_not_in_force_leaves_no_agreement(self):
        # "no_agreement: ... (no rule to the receiving institution covers it, or only
        # rules not in force for it)": the only rule is a no_credit closed in 2010.
        repo = world(rule("BC:R1", A, UBC, outcome=GrantKind.NO_CREDIT, end="2010-01-01"))
        assert reasons(transfer(repo, UBC, done(A))) == {A: "no_agreement"}


class TestVersionsByNumber:
    """"Versions are ordered by the province's own version number ..., never by arrival"."""

    def test_an_older_version_arriving_after_a_newer_one_is_ignored(self):
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110", 4), version=3))
        repo.upsert_rule(rule("BC:R1", A, UBC, course("ENGL 110", 2), version=2))
        assert transfer(repo, UBC, done(A)).total_credits == 4.0

    def test_a_revocation_then_a_higher_version_with_a_new_window(self):
        # Revoked at 2, re-published at 3 with an end date: applies again, by date.
        repo = world(rule("BC:R1", A, UBC, course("ENGL 110", 3), version=1))
        repo.revoke_rule("BC:R1", 2)
        repo.upsert_rule(rule("BC:R1", A, UBC, course("ENGL 110", 3), version=3,
                              end="2020-12-31"))
        assert awarded(transfer(repo, UBC, done(A, on="2020-12"))) == {"BC:R1": (A,)}
        assert reasons(transfer(repo, UBC, done(A, on="2021-01"))) == {
            A: "outside_effective_window"}


class TestSuggestionsBesideAnAgreementNotInForce:
    """"suggested ...: pathways the hub infers where no agreement exists"."""

    def test_a_direct_agreement_closed_for_the_learner_is_explained_not_inferred_around(self):
        # Choice: the receiving institution has an agreement for IPC144 (closed before
        # this learner took it), so the answer is that agreement's window, and the hub
        # does not infer a pathway around the receiving institution's own decision.
        repo = world(rule("BC:X1", S1, "BC:CAPU", course("CSCI 110")),
                     rule("BC:X2", "BC:CAPU:CSCI 110", UBC, course("CPSC 110", 3)),
                     rule("BC:D1", S1, UBC, course("CPSC 110", 3), end="2010-01-01"))
        answer = transfer(repo, UBC, done(S1, "78"))
        assert reasons(answer) == {S1: "outside_effective_window"}
        assert answer.suggested == ()
        repo.revoke_rule("BC:D1", 2)  # no agreement at all: now inferred
        assert [tuple(r.id for r in s.chain) for s in transfer(repo, UBC, done(S1, "78")).suggested
                ] == [("BC:X1", "BC:X2")]


class TestStackingThroughTransfer:
    """"Completed credentials from other institutions count through the transfer rules
    into the target's institution first"."""

    CERT = "ON:HUMB:CERT"

    def repo(self, *more):
        return world(institution("ON:HUMB", "hours", 42), SENE,
                     credential(self.CERT, 84, kind="certificate"),
                     credential("ON:HUMB:MC-1", 28, [(self.CERT, 28)], "micro-credential"),
                     credential("ON:HUMB:MC-2", 28, [(self.CERT, 14)], "micro-credential"),
                     *more)

    def stack(self, repo, *completed):
        return answer_stack(repo, StackQuery(self.CERT, tuple(completed)))

    def test_the_rules_min_grade_applies_on_the_way_in(self):
        # Seneca's B is 70: a C (60) fails the rule, so nothing counts.
        repo = self.repo(rule("ON:R1", "ON:SENE:X 1", "ON:HUMB", course("MC-1", 28),
                              min_grade="B"))
        assert self.stack(repo, done("ON:SENE:X 1", "C")).earned == 0.0
        answer = self.stack(repo, done("ON:SENE:X 1", "B"))
        assert (answer.earned, answer.remaining) == (28.0, 56.0)

    def test_the_links_value_caps_what_a_granted_course_brings(self):
        # The rule grants MC-2 as 28 hours; MC-2 counts 14 toward the target.
        repo = self.repo(rule("ON:R1", "ON:SENE:X 1", "ON:HUMB", course("MC-2", 28)))
        answer = self.stack(repo, done("ON:SENE:X 1"), done("ON:HUMB:MC-1"))
        assert (answer.earned, answer.remaining) == (42.0, 42.0)
        assert [(c.credential, c.value, c.via_rule) for c in answer.counted] == [
            ("ON:HUMB:MC-1", 28.0, None), ("ON:SENE:X 1", 14.0, "ON:R1")]

    def test_a_combination_rule_counts_once_for_both_credentials(self):
        # X 1 & X 2 together grant MC-1: 28 hours once, carried by the first credential
        # (the other listed for 0).
        repo = self.repo(rule("ON:R1", ["ON:SENE:X 2", "ON:SENE:X 1"], "ON:HUMB",
                              course("MC-1", 28)))
        answer = self.stack(repo, done("ON:SENE:X 2"), done("ON:SENE:X 1"))
        assert answer.earned == 28.0
        assert [(c.credential, c.value, c.counts_as) for c in answer.counted] == [
            ("ON:SENE:X 1", 28.0, "ON:HUMB:MC-1"), ("ON:SENE:X 2", 0.0, "ON:HUMB:MC-1")]


# -- A brute-force reading of "suggested" ----------------------------------------------

INSTS = ["BC:CAPU", "ON:SENE", "SK:USASK", "BC:SFU", UBC]
CODES = ["X 1", "X 2", "X 3"]
CREDS = [f"{i}:{c}" for i in INSTS for c in CODES]
LEARNER_DAY = date(2020, 4, 30)


@st.composite
def link_st(draw, index: int) -> Rule:
    """A random rule from one credential (sometimes "any 1 of" it and another)."""
    sending = draw(st.sampled_from(CREDS))
    to = draw(st.sampled_from(INSTS))
    if to == sending.rsplit(":", 1)[0]:
        to = UBC if to != UBC else "BC:CAPU"
    partner = draw(st.sampled_from([None, None, None, "BC:CAPU:X 9"]))
    any_n = draw(st.sampled_from([None, 1])) if partner else None
    alternatives = [[course(draw(st.sampled_from(CODES)), 3)]
                    for _ in range(draw(st.integers(1, 2)))]
    if draw(st.booleans()) and draw(st.booleans()):
        alternatives = [[unassigned("GEN", 1, 3)]]
    built = rule(f"BC:L{index:02d}", [sending] + ([partner] if partner else []), to,
                 alternatives=alternatives, any_n=any_n,
                 min_grade=draw(st.sampled_from([None, None, "70", "B"])))
    end = draw(st.sampled_from([None, None, date(2019, 1, 1)]))
    return Rule(built.id, 1, built.sending, built.receiving_institution, built.outcome,
                built.alternatives, any_n=built.any_n, min_grade=built.min_grade,
                effective_end=end)


def brute_chains(rules: list[Rule], origin: str, percent: float) -> list[tuple[str, ...]]:
    """Every chain of 2-3 rules MODEL.md's example describes, holding for the learner.

    A link is satisfied by one credential alone; it grants a specific course that
    is the next link's sending credential; only the last link receives at UBC;
    no credential twice; each link in force on the completion date with its
    minimum met. Shorter chains first, then rule ids, at most ten.
    """
    def holds(r: Rule) -> bool:
        minimum = DEFAULT_SCALE.to_percent(r.min_grade) if r.min_grade else 0.0
        return percent >= minimum and r.in_force_on(LEARNER_DAY)

    found: set[tuple[str, ...]] = set()

    def walk(current: str, chain: tuple[Rule, ...], seen: set[str]) -> None:
        for r in rules:
            if current not in r.sending or not (len(set(r.sending)) == 1 or r.any_n == 1):
                continue
            step = (*chain, r)
            if r.receiving_institution == UBC:
                if len(step) > 1 and all(holds(x) for x in step):
                    found.add(tuple(x.id for x in step))
                continue
            if len(step) < 3:
                for grants in r.alternatives:
                    for g in grants:
                        nxt = f"{r.receiving_institution}:{g.code}"
                        if g.kind == GrantKind.COURSE and nxt not in seen:
                            walk(nxt, step, seen | {nxt})

    walk(origin, (), {origin})
    return sorted(found, key=lambda c: (len(c), c))[:10]


class TestSuggestionsAgainstABruteForceReading:
    """Every chain the hub suggests, and only those, for a no-agreement credential."""

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.integers(2, 9).flatmap(lambda n: st.tuples(*[link_st(i) for i in range(n)])),
           st.sampled_from(CREDS[:9]), st.sampled_from(["60", "75", "A"]))
    def test_same_chains(self, rules, origin, grade):
        repo = world(*(institution(i) for i in INSTS), *rules)
        answer = transfer(repo, UBC, done(origin, grade, "2020-04"))
        got = [tuple(r.id for r in s.chain) for s in answer.suggested]
        if reasons(answer).get(origin) != "no_agreement":
            assert got == []
        else:
            assert got == brute_chains(list(rules), origin, DEFAULT_SCALE.to_percent(grade))
        assert answer.total_credits == sum(a.credits for a in answer.awarded)


# -- A brute-force reading of the competition, wider than the enumeration --------------

def brute_choice(contenders: list[Contender]) -> dict[str, tuple[str, ...]]:
    """The best set by MODEL.md's order, over every plan (each rule once or not at all)."""
    ordered = sorted(contenders, key=lambda c: c.rule_id)
    best: list = [None, {}]

    def plans(i: int, taken: frozenset, chosen: list) -> None:
        if i == len(ordered):
            used = [x for _, u in chosen for x in u]
            key = (-sum((c.credits for c, _ in chosen), Fraction(0)),
                   -sum((c.course_credits for c, _ in chosen), Fraction(0)),
                   -len(used), len(chosen), tuple(c.rule_id for c, _ in chosen),
                   tuple(u for _, u in chosen))
            if best[0] is None or key < best[0]:
                best[0], best[1] = key, {c.rule_id: u for c, u in chosen}
            return
        plans(i + 1, taken, chosen)
        c = ordered[i]
        for combo in itertools.combinations(sorted(set(c.pool)), c.required):
            if taken.isdisjoint(combo):
                plans(i + 1, taken | set(combo), [*chosen, (c, combo)])

    plans(0, frozenset(), [])
    return best[1]


@st.composite
def wide_st(draw) -> list[Contender]:
    creds = [f"C{n:02d}" for n in range(draw(st.integers(9, 12)))]
    out = []
    for r in range(draw(st.integers(3, 8))):
        pool = tuple(sorted(draw(st.lists(st.sampled_from(creds), min_size=1, max_size=4,
                                          unique=True))))
        credits = draw(st.sampled_from([0, 3, 3, 3, 6]))
        out.append(Contender(f"R{r}", pool, draw(st.integers(1, len(pool))),
                             Fraction(credits), Fraction(draw(st.sampled_from([0, credits])))))
    for i in range(len(creds) - 1):  # chains of pairs join the credentials into one component
        if draw(st.booleans()):
            out.append(Contender(f"P{i:02d}", (creds[i], creds[i + 1]),
                                 draw(st.integers(1, 2)), Fraction(3), Fraction(0)))
    return out


class TestWideCompetitionsAgainstABruteForceReading:
    """Components of 9-12 credentials with "any N of" rules and tied credits: the
    optimiser's branch and bound chooses what every plan, compared, chooses."""

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(wide_st())
    def test_same_choice(self, contenders):
        assert {c.rule_id: c.used for c in choose(contenders)} == brute_choice(contenders)
