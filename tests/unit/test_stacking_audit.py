"""An audit of the stacking query and the equivalents lookup, by hand-worked cases.

MODEL.md "A stacking query" and CLI.md (``stack``, ``equivalents``). Each case
states the arithmetic a registrar would do. Choices the contract leaves open,
as this suite pins them (``hub.domain.stacking``'s docstring says the same):

- over-completion: ``earned`` is what the learner has (not capped at
  ``required``), ``remaining`` never goes below 0;
- a credential listed twice in the transcript is refused (``InvalidQuery`` on
  the second item), as in the transfer query;
- a course or micro-credential is no target (``InvalidQuery`` on ``target``);
  an unknown or retired target is ``NotFound`` on ``target``;
- through a rule, only a ``course`` grant whose receiving credential's record
  stacks into the target counts, with that record's link value (in the
  target's unit), not the grant's credits. ``unassigned`` and ``block`` grants
  name no credential whose record could say it stacks, so they count nothing;
- alternatives: the institution chooses which alternative it grants, so a rule
  counts the stacking value of the alternative that stacks least (what the
  learner can rely on), whatever order the alternatives are listed in;
- a credential record's ``valid_from``/``valid_to`` are not applied to the
  completion date (MODEL.md puts no date condition on stacking);
- ``counted`` is in credential-id order, then by what it counts as, whatever
  the transcript's order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from transfer_world import block, course, credential, done, institution, rule, unassigned
from transfer_world import world as base_world

from hub.api.query import QueryServicer
from hub.domain.answers import StackAnswer, StackQuery
from hub.domain.errors import InvalidQuery, NotFound
from hub.domain.model import Credential
from hub.domain.stacking import answer_stack
from hub.domain.transfer import answer_transfer
from hub.store.factory import open_store
from hub.store.memory import InMemoryEquivalencyRepository
from hub.store.ports import Removal, Store
from transferhub.hub.v1 import query_service_pb2 as pb

HUMB, SENE = "ON:HUMB", "ON:SENE"
CERT, DIP = "ON:HUMB:CERT-DA", "ON:HUMB:DIP-DA"
MC1, MC2, MC3, MC4 = (f"ON:HUMB:MC-DA-0{n}" for n in range(1, 5))
COMM = "ON:HUMB:COMM 101"  # a Humber course that stacks into nothing
S1, S2, S3 = "ON:SENE:DAT 101", "ON:SENE:DAT 102", "ON:SENE:DAT 103"


def world(*more) -> InMemoryEquivalencyRepository:
    """Humber (hours) with a 112-hour certificate and an 840-hour diploma; Seneca sends."""
    return base_world(
        institution(HUMB, "hours", 42), institution(SENE, "hours", 42),
        credential(CERT, 112, kind="certificate"), credential(DIP, 840, kind="diploma"),
        credential(MC1, 28, [(CERT, 28), (DIP, 14)], "micro-credential"),
        credential(MC2, 28, [(CERT, 28)], "micro-credential"),
        credential(MC3, 28, [(CERT, 28)], "micro-credential"),
        credential(MC4, 28, [(CERT, 28)], "micro-credential"),
        credential(COMM, 42), credential(S1, 42), credential(S2, 42), credential(S3, 42),
        *more)


def stack(repo, *completed, target: str = CERT) -> StackAnswer:
    return answer_stack(repo, StackQuery(target, tuple(completed)))


def summary(answer: StackAnswer) -> tuple[float, float, float]:
    return answer.required, answer.earned, answer.remaining


def counted(answer: StackAnswer) -> list[tuple[str, float, str | None, str | None]]:
    return [(c.credential, c.value, c.via_rule, c.counts_as) for c in answer.counted]


class TestOwnRecords:
    """Completed credentials whose own record stacks into the target."""

    def test_exact_completion(self):
        """4 x 28 = 112 of 112: nothing remains."""
        answer = stack(world(), done(MC1), done(MC2), done(MC3), done(MC4))
        assert (answer.unit, *summary(answer)) == ("hours", 112.0, 112.0, 0.0)

    def test_over_completion_earned_is_not_capped_remaining_never_negative(self):
        """112 + 28 = 140 earned of 112 required: remaining 0, not -28."""
        repo = world(credential("ON:HUMB:MC-DA-05", 28, [(CERT, 28)], "micro-credential"))
        answer = stack(repo, done(MC1), done(MC2), done(MC3), done(MC4),
                       done("ON:HUMB:MC-DA-05"))
        assert summary(answer) == (112.0, 140.0, 0.0)

    def test_one_micro_credential_stacks_into_two_targets_with_each_links_value(self):
        """MC1 is worth 28 toward the certificate and 14 toward the diploma."""
        assert summary(stack(world(), done(MC1))) == (112.0, 28.0, 84.0)
        assert summary(stack(world(), done(MC1), target=DIP)) == (840.0, 14.0, 826.0)
        # MC2 says nothing of the diploma: it counts toward the certificate only.
        assert counted(stack(world(), done(MC1), done(MC2), target=DIP)) == [
            (MC1, 14.0, None, None)]

    def test_a_credential_listed_twice_is_refused(self):
        with pytest.raises(InvalidQuery) as caught:
            stack(world(), done(MC1, on="2021-04"), done(MC2), done(MC1, on="2022-04"))
        assert caught.value.field == "completed[2].credential"

    @pytest.mark.parametrize("target", [COMM, MC1])
    def test_a_course_or_micro_credential_is_no_target(self, target):
        with pytest.raises(InvalidQuery) as caught:
            stack(world(), done(MC2), target=target)
        assert caught.value.field == "target"

    def test_an_unknown_or_retired_target_is_not_found(self):
        repo = world()
        repo.retire_credential(DIP, 2)
        for target in ("ON:HUMB:CERT-XX", DIP):
            with pytest.raises(NotFound) as caught:
                stack(repo, done(MC1), target=target)
            assert caught.value.field == "target"

    def test_a_target_with_no_value_requires_nothing(self):
        repo = world(credential("ON:HUMB:CERT-ZZ", None, kind="certificate"),
                     credential("ON:HUMB:MC-ZZ", 10, [("ON:HUMB:CERT-ZZ", 10)]))
        assert summary(stack(repo, done("ON:HUMB:MC-ZZ"), target="ON:HUMB:CERT-ZZ")) == (
            0.0, 10.0, 0.0)

    def test_valid_from_and_valid_to_are_not_applied_to_the_completion_date(self):
        """Pinned as is: completed in 2019, before the record's 2021-09-01 valid_from, and
        the 2020 completion after its valid_to, still count (see the report's doubt)."""
        early = replace(credential("ON:HUMB:MC-DA-06", 28, [(CERT, 28)], "micro-credential"),
                        valid_from=date(2021, 9, 1))
        late = replace(credential("ON:HUMB:MC-DA-07", 28, [(CERT, 28)], "micro-credential"),
                       valid_to=date(2019, 12, 31))
        answer = stack(world(early, late), done("ON:HUMB:MC-DA-06", on="2019-04"),
                       done("ON:HUMB:MC-DA-07", on="2020-04"))
        assert answer.earned == 56.0

    def test_counted_order_is_by_credential_whatever_the_transcript_order(self):
        forward = stack(world(), done(MC1), done(MC2), done(MC3))
        backward = stack(world(), done(MC3), done(MC2), done(MC1))
        assert counted(forward) == counted(backward) == [
            (MC1, 28.0, None, None), (MC2, 28.0, None, None), (MC3, 28.0, None, None)]

    def test_another_institutions_record_that_stacks_counts_only_through_a_rule(self):
        """Seneca's own record says it stacks into Humber's certificate: that decides nothing
        at Humber ("Completed credentials from other institutions count through the transfer
        rules into the target's institution first"). An earlier choice counted it directly,
        in Seneca's unit whatever the target's; a black-box registrar disagreed."""
        repo = world(credential("ON:SENE:MC-X", 28, [(CERT, 21)], "micro-credential"))
        answer = stack(repo, done("ON:SENE:MC-X"))
        assert counted(answer) == []
        assert [(n.credential, n.reason) for n in answer.not_counted] == [
            ("ON:SENE:MC-X", "no_agreement")]


class TestThroughRules:
    """Other institutions' credentials count through the rules into Humber first."""

    def test_a_course_grant_that_stacks_counts_with_the_links_value(self):
        """S1 -> MC3 (granted as 42 hours): the certificate counts MC3's link, 28, not 42."""
        repo = world(rule("ON:R1", S1, HUMB, course("MC-DA-03", 42)))
        answer = stack(repo, done(MC1), done(S1))
        assert summary(answer) == (112.0, 56.0, 56.0)
        assert counted(answer) == [(MC1, 28.0, None, None), (S1, 28.0, "ON:R1", MC3)]

    def test_a_transferred_course_that_does_not_stack_counts_nothing(self):
        repo = world(rule("ON:R1", S1, HUMB, course("COMM 101", 42)))
        assert answer_transfer_total(repo, S1) == 42.0  # it does transfer
        assert stack(repo, done(S1)).counted == ()

    @pytest.mark.parametrize("grant", [unassigned("DAT", 1, 42), block("BA Data", 112)])
    def test_unassigned_grants_and_blocks_toward_another_program_count_nothing(self, grant):
        """No credential record of Humber says an unassigned grant stacks, and the block is
        toward another program than the target."""
        repo = world(rule("ON:R1", S1, HUMB, grant))
        assert answer_transfer_total(repo, S1) > 0
        assert summary(stack(repo, done(S1))) == (112.0, 0.0, 112.0)

    @pytest.mark.parametrize("program", ["CERT-DA", "cert-da", "Data  Analytics certificate"])
    def test_a_block_toward_the_target_counts_its_credits(self, program):
        """MODEL.md's block is "a diploma toward a degree": a block whose program names the
        target (its code or its title, whatever the case and spacing) counts toward it."""
        titled = replace(credential(CERT, 112, kind="certificate"), version=2,
                         title="Data Analytics Certificate")
        repo = world(titled, rule("ON:R1", S1, HUMB, block(program, 100)))
        answer = stack(repo, done(S1), done(MC1))
        assert summary(answer) == (112.0, 128.0, 0.0)
        assert counted(answer) == [(MC1, 28.0, None, None), (S1, 100.0, "ON:R1", CERT)]

    def test_a_block_alternative_counts_only_if_every_alternative_stacks_as_much(self):
        """The institution picks the alternative: the rule adds what its least-stacking one
        adds, a block toward the target against a course that stacks 28."""
        repo = world(rule("ON:R1", S1, HUMB, alternatives=[[block("CERT-DA", 100)],
                                                          [course("MC-DA-03", 28)]]))
        assert counted(stack(repo, done(S1))) == [(S1, 28.0, "ON:R1", MC3)]
        both = world(rule("ON:R1", S1, HUMB, block("CERT-DA", 100), course("MC-DA-03", 28)))
        assert summary(stack(both, done(S1))) == (112.0, 128.0, 0.0)   # granted together

    def test_a_rule_whose_min_grade_fails_counts_nothing(self):
        repo = world(rule("ON:R1", S1, HUMB, course("MC-DA-03", 28), min_grade="70"))
        assert stack(repo, done(S1, "65")).earned == 0.0
        assert stack(repo, done(S1, "70")).earned == 28.0

    def test_a_rule_whose_effective_window_fails_counts_nothing(self):
        repo = world(rule("ON:R1", S1, HUMB, course("MC-DA-03", 28),
                          start="2019-09-01", end="2022-08-31"))
        assert stack(repo, done(S1, on="2019-08")).earned == 0.0
        assert stack(repo, done(S1, on="2022-09")).earned == 0.0
        assert stack(repo, done(S1, on="2022-08")).earned == 28.0

    @pytest.mark.parametrize("order", [0, 1])
    def test_alternatives_count_what_the_learner_can_rely_on_in_any_order(self, order):
        """MC3 (28) or COMM 101 (28): Humber may grant COMM 101, which stacks into
        nothing, so the learner can rely on 0 toward the certificate, whichever is listed
        first."""
        alts = [[course("MC-DA-03", 28)], [course("COMM 101", 28)]]
        repo = world(rule("ON:R1", S1, HUMB, alternatives=alts[order:] + alts[:order]))
        assert summary(stack(repo, done(S1))) == (112.0, 0.0, 112.0)

    @pytest.mark.parametrize("order", [0, 1])
    def test_alternatives_that_all_stack_count_the_least(self, order):
        """MC2 (14) & MC3 (14) or MC4 (28), alike in credits: the links are worth 56 and
        28, and the learner relies on 28, whichever is listed first."""
        alts = [[course("MC-DA-02", 14), course("MC-DA-03", 14)], [course("MC-DA-04", 28)]]
        repo = world(rule("ON:R1", S1, HUMB, alternatives=alts[order:] + alts[:order]))
        assert counted(stack(repo, done(S1))) == [(S1, 28.0, "ON:R1", MC4)]

    @pytest.mark.parametrize("order", [0, 1])
    def test_an_alternative_already_held_relies_on_nothing_more(self, order):
        """MC1 or MC2 and the learner holds MC1: Humber may grant MC1 again, so 0 more."""
        alts = [[course("MC-DA-01", 28)], [course("MC-DA-02", 28)]]
        repo = world(rule("ON:R1", S1, HUMB, alternatives=alts[order:] + alts[:order]))
        assert counted(stack(repo, done(MC1), done(S1))) == [(MC1, 28.0, None, None)]

    def test_an_any_n_rule_counts_once_naming_its_first_credential(self):
        """Any 2 of S1, S2, S3 -> MC3: S1 and S3 qualify, MC3 counts 28, carried by S1
        (S3, used with it, is listed for 0)."""
        repo = world(rule("ON:R1", (S1, S2, S3), HUMB, course("MC-DA-03", 28), any_n=2))
        answer = stack(repo, done(S3), done(S1))
        assert counted(answer) == [(S1, 28.0, "ON:R1", MC3), (S3, 0.0, "ON:R1", MC3)]
        assert stack(repo, done(S3)).earned == 0.0

    def test_one_course_granted_as_two_that_stack_counts_both_in_order(self):
        repo = world(rule("ON:R1", S1, HUMB, course("MC-DA-03", 28), course("MC-DA-02", 28)))
        assert counted(stack(repo, done(S1))) == [
            (S1, 28.0, "ON:R1", MC2), (S1, 28.0, "ON:R1", MC3)]

    def test_units_are_the_target_institutions(self):
        """CAPU ENGL 100 (3 credits) -> UVic ENGL 135 (1.5 units), which stacks into UVic's
        certificate with 1.5: the answer is 1.5 of 6 units, not 3 credits."""
        uvic_cert = "BC:UVIC:CERT-WR"
        repo = world(institution("BC:UVIC", "units", 1.5),
                     credential(uvic_cert, 6, kind="certificate"),
                     credential("BC:UVIC:ENGL 135", 1.5, [(uvic_cert, 1.5)]),
                     rule("BC:9001", "BC:CAPU:ENGL 100", "BC:UVIC", course("ENGL 135", 1.5)))
        answer = stack(repo, done("BC:CAPU:ENGL 100"), target=uvic_cert)
        assert (answer.unit, *summary(answer)) == ("units", 6.0, 1.5, 4.5)


def answer_transfer_total(repo, cid: str) -> float:
    from hub.domain.answers import TransferQuery
    return answer_transfer(repo, TransferQuery(HUMB, (done(cid),))).total_credits


# -- equivalents, through the servicer's ListEquivalents over each store ---------------

A, B = "BC:CAPU:ENGL 100", "BC:CAPU:ENGL 101"


def _equivalent_rules():
    return [
        rule("BC:300", A, "BC:UBCV", course("ENGL 110"), version=1, start="2015-09-01"),
        rule("BC:300", A, "BC:UBCV", course("ENGL 111"), version=3, start="2018-09-01",
             end="2023-08-31"),
        rule("BC:200", A, "BC:SFU", unassigned("ENGL", 1), min_grade="C"),
        rule("BC:100", (A, B), "BC:UVIC", course("ENGL 135", 1.5)),
        rule("SK:SKTCG-1", A, "SK:UREGINA", unassigned("ENGL", 1)),
        rule("BC:400", A, "BC:KPU", course("ENGL 1100")),
        rule("BC:500", B, "BC:UBCV", course("ENGL 112")),  # from another credential
    ]


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = open_store("memory://" if request.param == "memory"
                        else f"sqlite:///{tmp_path / 'hub.db'}")
    with opened.unit_of_work() as uow:
        repo = uow.equivalencies
        for iid in ("BC:CAPU", "BC:UBCV", "BC:SFU", "BC:UVIC", "BC:KPU", "SK:UREGINA"):
            repo.apply_institutions([institution(iid)])
        repo.apply_credentials([Credential(A), Credential(B)])
        newer, older = _equivalent_rules()[1], _equivalent_rules()[0]
        # The newer version first: the older arrives late and must not replace it.
        repo.apply_rules([newer, older, *_equivalent_rules()[2:], Removal("BC:400", 2)])
        uow.commit()
    try:
        yield opened
    finally:
        opened.close()


class _Aborted(Exception):
    pass


class _Context:
    async def abort(self, code, message):
        raise _Aborted(code, message)


def list_equivalents(store: Store, cred: str, to: str = "") -> pb.ListEquivalentsResponse:
    servicer = QueryServicer(store, _EXECUTOR, transfer=None, stack=None)  # type: ignore[arg-type]
    return asyncio.run(servicer.ListEquivalents(
        pb.ListEquivalentsRequest(credential=cred, to=to), _Context()))


_EXECUTOR = ThreadPoolExecutor(max_workers=1)


class TestEquivalents:
    def test_every_rule_from_a_credential_with_provenance_in_rule_id_order(self, store):
        response = list_equivalents(store, A.lower())
        assert response.credential == A
        assert [(e.rule, e.province, e.version, e.receiving_institution, e.effective_start,
                 e.effective_end, list(getattr(e, "from"))) for e in response.equivalents] == [
            ("BC:100", "BC", 1, "BC:UVIC", "", "", [A, B]),
            ("BC:200", "BC", 1, "BC:SFU", "", "", [A]),
            # version 3 kept although version 1 arrived after it; its window is listed.
            ("BC:300", "BC", 3, "BC:UBCV", "2018-09-01", "2023-08-31", [A]),
            ("SK:SKTCG-1", "SK", 1, "SK:UREGINA", "", "", [A]),
        ]  # BC:400 revoked; BC:500 starts from another credential
        assert response.equivalents[1].min_grade == "C"
        assert [g.code for g in response.equivalents[2].grants] == ["ENGL 111"]

    def test_to_an_institution_or_a_province(self, store):
        def rules(to):
            return [e.rule for e in list_equivalents(store, A, to).equivalents]
        assert rules("BC:UBCV") == ["BC:300"]
        assert rules("bc") == ["BC:100", "BC:200", "BC:300"]
        assert rules("SK") == ["SK:SKTCG-1"]
        assert rules("BC:KPU") == []  # known institution, its one rule revoked
        with pytest.raises(_Aborted) as caught:   # a province it has nothing of
            rules("AB")
        assert caught.value.args[1] == "to: the hub has no institution in province AB"

    def test_unknown_to_institution_or_credential_is_not_found(self, store):
        with pytest.raises(_Aborted) as caught:
            list_equivalents(store, A, "BC:UBVC")
        assert "BC:UBVC" in caught.value.args[1]
        with pytest.raises(_Aborted) as caught:
            list_equivalents(store, "BC:CAPU:NOPE 1")
        assert "NOPE" in caught.value.args[1]
