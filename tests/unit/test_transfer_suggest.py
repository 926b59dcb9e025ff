"""Suggested pathways: chains of rules through other institutions, never counted."""

from __future__ import annotations

from transfer_world import (
    UBC,
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

from hub.store.memory import InMemoryEquivalencyRepository

IPC = "ON:SENE:IPC144"
TO_CAPU = rule("BC:88216", IPC, "BC:CAPU", course("CSCI 110"))
TO_UBC = rule("BC:88220", "BC:CAPU:CSCI 110", UBC, unassigned("CPSC", 1, 3))


def chains(answer) -> list[tuple[str, ...]]:
    return [tuple(r.id for r in s.chain) for s in answer.suggested]


class TestSuggestions:
    """A no-agreement credential gets every supporting chain, labelled inferred."""

    def test_model_example_two_links(self):
        answer = transfer(world(institution("ON:SENE"), TO_CAPU, TO_UBC), UBC, done(IPC, "78"))
        assert reasons(answer) == {IPC: "no_agreement"}
        assert chains(answer) == [("BC:88216", "BC:88220")]
        suggestion = answer.suggested[0]
        assert suggestion.sending == (IPC,) and suggestion.basis == "inferred"
        assert suggestion.grants == TO_UBC.alternatives[0]
        assert suggestion.via == ("BC:CAPU:CSCI 110",)   # what the first rule grants
        assert answer.total_credits == 0.0 and answer.awarded == ()

    def test_a_suggestion_says_what_it_would_be_worth_never_counted(self):
        """As an award: the last rule's smallest alternative, in the receiving unit and tc."""
        uvic = "BC:UVIC"
        last = rule("BC:90001", "BC:CAPU:CSCI 110", uvic, course("CSC 110", 3.0),
                    alternatives=[[course("CSC 110", 3.0)], [unassigned("CSC", 1, 1.5)]])
        repo = world(institution(uvic, "units", 1.5), TO_CAPU, last)
        answer = transfer(repo, uvic, done(IPC))
        (suggestion,) = answer.suggested
        assert (suggestion.credits, suggestion.tc, suggestion.unknown_credits) == (1.5, 3.0, False)
        assert answer.total_credits == 0.0 and answer.total_tc == 0.0

    def test_three_links_through_other_provinces(self):
        repo = world(rule("SK:S1", IPC, "SK:USASK", course("CMPT 140")),
                     rule("BC:B1", "SK:USASK:CMPT 140", "BC:CAPU", course("CSCI 110")),
                     TO_UBC)
        answer = transfer(repo, UBC, done(IPC))
        assert chains(answer) == [("SK:S1", "BC:B1", "BC:88220")]
        assert answer.suggested[0].via == ("SK:USASK:CMPT 140", "BC:CAPU:CSCI 110")

    def test_shorter_chains_come_first_and_duplicates_are_dropped(self):
        repo = world(TO_CAPU, TO_UBC,
                     rule("SK:S1", IPC, "SK:USASK", course("CMPT 140"), course("CMPT 141")),
                     rule("BC:B1", "SK:USASK:CMPT 140", "BC:CAPU", course("CSCI 110")))
        assert chains(transfer(repo, UBC, done(IPC))) == [
            ("BC:88216", "BC:88220"), ("SK:S1", "BC:B1", "BC:88220")]

    def test_the_first_link_must_apply_to_the_learner(self):
        strict = rule("BC:88216", IPC, "BC:CAPU", course("CSCI 110"), min_grade="80")
        assert transfer(world(strict, TO_UBC), UBC, done(IPC, "78")).suggested == ()

    def test_later_links_must_be_in_force_on_the_completion_date(self):
        closed = rule("BC:88220", "BC:CAPU:CSCI 110", UBC, course("CPSC 110"), end="2015-12-31")
        assert transfer(world(TO_CAPU, closed), UBC, done(IPC, on="2016-04")).suggested == ()
        assert chains(transfer(world(TO_CAPU, closed), UBC, done(IPC, on="2015-04"))) == [
            ("BC:88216", "BC:88220")]

    def test_later_links_read_their_minimum_through_their_own_scale(self):
        later = rule("BC:88220", "BC:CAPU:CSCI 110", UBC, course("CPSC 110"), min_grade="B")
        assert transfer(world(TO_CAPU, later), UBC, done(IPC, "70")).suggested == ()
        assert chains(transfer(world(TO_CAPU, later), UBC, done(IPC, "72"))) == [
            ("BC:88216", "BC:88220")]

    def test_a_link_needing_partners_is_not_followed(self):
        pair = rule("BC:88220", ["BC:CAPU:CSCI 110", "BC:CAPU:CSCI 111"], UBC, course("CPSC 110"))
        assert transfer(world(TO_CAPU, pair), UBC, done(IPC)).suggested == ()

    def test_only_no_agreement_credentials_get_suggestions(self):
        direct = rule("BC:D1", IPC, UBC, course("CPSC 100"), min_grade="90")
        answer = transfer(world(TO_CAPU, TO_UBC, direct), UBC, done(IPC, "78"))
        assert reasons(answer) == {IPC: "below_min_grade"} and answer.suggested == ()


class TestSuggestionsFromTheLinkIndex:
    """Every chain into the receiver is judged, however wide the search on the way."""

    def test_a_wide_fan_out_hides_no_chain(self):
        wide = rule("BC:W", IPC, "BC:CAPU", *(course(f"CSCI {n}") for n in range(100, 180)))
        last = rule("BC:Z", "BC:CAPU:CSCI 179", UBC, unassigned("CPSC", 1))
        assert chains(transfer(world(wide, last), UBC, done(IPC))) == [("BC:W", "BC:Z")]

    def test_any_one_of_starts_from_the_credential_the_learner_has(self):
        either = rule("BC:E", ["ON:SENE:OTHER 1", IPC], "BC:CAPU", course("CSCI 110"), any_n=1)
        answer = transfer(world(either, TO_UBC), UBC, done(IPC))
        assert chains(answer) == [("BC:E", "BC:88220")] and answer.suggested[0].sending == (IPC,)

    def test_at_most_ten_per_credential_shortest_then_by_rule_ids(self):
        firsts = [rule(f"BC:F{n:02d}", IPC, "BC:CAPU", course(f"CSCI {n}")) for n in range(12)]
        seconds = [rule(f"BC:S{n:02d}", f"BC:CAPU:CSCI {n}", UBC, unassigned("CPSC", 1))
                   for n in range(12)]
        answer = transfer(world(*firsts, *seconds), UBC, done(IPC))
        assert chains(answer) == [(f"BC:F{n:02d}", f"BC:S{n:02d}") for n in range(10)]

    def test_a_link_failing_the_learner_drops_only_its_chains(self):
        strict = rule("BC:F00", IPC, "BC:CAPU", course("CSCI 0"), min_grade="90")
        other = rule("BC:F01", IPC, "BC:CAPU", course("CSCI 1"))
        ends = [rule(f"BC:S{n:02d}", f"BC:CAPU:CSCI {n}", UBC, unassigned("CPSC", 1))
                for n in range(2)]
        answer = transfer(world(strict, other, *ends), UBC, done(IPC, "80"))
        assert chains(answer) == [("BC:F01", "BC:S01")]


class CountingReader(InMemoryEquivalencyRepository):
    """The in-memory repository counting ``rules_from`` calls."""

    calls = 0

    def rules_from(self, credential_ids, receiving_institution=None):
        self.calls += 1
        return super().rules_from(credential_ids, receiving_institution)


class TestSuggestionFetching:
    """Rules are fetched once per chain depth, whatever the number of credentials."""

    def test_one_fetch_per_level(self):
        repo = CountingReader()
        for inst in ("BC:CAPU", "BC:UBCV"):
            repo.upsert_institution(institution(inst))
        sources = [f"ON:SENE:IPC{n}" for n in range(100, 130)]
        for n, source in enumerate(sources):
            repo.upsert_credential(credential(source))
            repo.upsert_rule(rule(f"BC:X{n:03d}", source, "BC:CAPU", course(f"CSCI {n}")))
            repo.upsert_rule(rule(f"BC:Y{n:03d}", f"BC:CAPU:CSCI {n}", UBC, course(f"CPSC {n}")))
        answer = transfer(repo, UBC, *(done(s) for s in sources))
        assert len(answer.suggested) == len(sources)
        assert repo.calls <= 1 + 3


class TestNoLoopsBackHome:
    """A credential of the receiving institution is its own already: a chain that leaves it
    and comes back (to the same course or another) is a loop, not a pathway."""

    OUT = rule("BC:131", "BC:CAPU:MATH 100", "BC:DOUG", course("MATH 1100"))
    BACK = rule("BC:132", "BC:DOUG:MATH 1100", "BC:CAPU", course("MATH 100"))
    BACK_TO_ANOTHER = rule("BC:133", "BC:DOUG:MATH 1100", "BC:CAPU", course("MATH 101"))

    def test_not_back_to_itself(self):
        repo = world(institution("BC:DOUG"), self.OUT, self.BACK)
        answer = transfer(repo, "BC:CAPU", done("BC:CAPU:MATH 100"))
        assert reasons(answer) == {"BC:CAPU:MATH 100": "no_agreement"}
        assert answer.suggested == ()

    def test_not_back_to_another_course_of_its_own_institution(self):
        repo = world(institution("BC:DOUG"), self.OUT, self.BACK_TO_ANOTHER)
        assert transfer(repo, "BC:CAPU", done("BC:CAPU:MATH 100")).suggested == ()

    def test_the_same_chain_still_serves_a_learner_from_elsewhere(self):
        repo = world(institution("BC:DOUG"), self.OUT, self.BACK,
                     rule("ON:1", "ON:SENE:MTH140", "BC:DOUG", course("MATH 1100")))
        answer = transfer(repo, "BC:CAPU", done("ON:SENE:MTH140"), done("BC:CAPU:MATH 100"))
        assert chains(answer) == [("ON:1", "BC:132")]
