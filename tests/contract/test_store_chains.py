"""Store contract: chains of links into an institution, and rules by id (every store)."""

from __future__ import annotations

from hub.domain.model import Grant, GrantKind, Rule
from hub.store.ports import Removal, Store
from tests.contract.builders import link

IPC = "ON:SENE:IPC144"
UBC = "BC:UBCV"


def write(store: Store, *changes: Rule | Removal) -> None:
    """Apply rules and revocations in one batch, committed."""
    with store.unit_of_work() as uow:
        uow.equivalencies.apply_rules(list(changes))
        uow.commit()


def chains(store: Store, *ids: str, to: str = UBC,
           max_links: int = 3) -> dict[str, list[tuple[str, ...]]]:
    with store.reader() as repo:
        return repo.chains_to(list(ids), to, max_links)


TO_CAPU = link("BC:X", IPC, "BC:CAPU", "CSCI 110")
TO_UBC = link("BC:Y", "BC:CAPU:CSCI 110", UBC)


class TestChains:
    """Only complete chains of two or three links into the receiver come back, by origin."""

    def test_two_links(self, store: Store) -> None:
        write(store, TO_CAPU, TO_UBC)
        assert chains(store, IPC) == {IPC: [("BC:X", "BC:Y")]}
        assert chains(store, IPC, to="BC:SFU") == {}
        assert chains(store, "BC:CAPU:CSCI 110") == {}  # one link is an agreement

    def test_three_links_shorter_first_then_by_rule_ids(self, store: Store) -> None:
        write(store, TO_CAPU, TO_UBC,
              link("SK:S2", IPC, "SK:USASK", "CMPT 141"),
              link("SK:S1", IPC, "SK:USASK", "CMPT 140"),
              link("BC:B1", "SK:USASK:CMPT 140", "BC:CAPU", "CSCI 110"),
              link("BC:B2", "SK:USASK:CMPT 141", "BC:CAPU", "CSCI 110"))
        assert chains(store, IPC) == {IPC: [("BC:X", "BC:Y"), ("SK:S1", "BC:B1", "BC:Y"),
                                            ("SK:S2", "BC:B2", "BC:Y")]}
        assert chains(store, IPC, max_links=2) == {IPC: [("BC:X", "BC:Y")]}

    def test_each_origin_gets_its_own_chains(self, store: Store) -> None:
        other = "ON:SENE:IPC155"
        write(store, TO_CAPU, TO_UBC, link("BC:Z", other, "BC:CAPU", "CSCI 110"))
        assert chains(store, IPC, other, "ON:SENE:NONE 1") == {
            IPC: [("BC:X", "BC:Y")], other: [("BC:Z", "BC:Y")]}

    def test_a_course_granted_in_any_alternative_leads_on(self, store: Store) -> None:
        either = Rule(id="BC:X", version=1, sending=(IPC,), receiving_institution="BC:CAPU",
                      outcome=GrantKind.UNASSIGNED,
                      alternatives=((Grant(GrantKind.UNASSIGNED, 3.0, subject="CSCI"),),
                                    (Grant(GrantKind.COURSE, 3.0, code="csci  110"),)))
        write(store, either, TO_UBC)
        assert chains(store, IPC) == {IPC: [("BC:X", "BC:Y")]}

    def test_a_link_granting_no_course_ends_a_chain_only(self, store: Store) -> None:
        write(store, link("BC:X", IPC, "BC:CAPU"), TO_UBC)
        assert chains(store, IPC) == {}

    def test_no_credential_is_visited_twice(self, store: Store) -> None:
        back = "BC:CAPU:BACK 1"
        write(store,
              # IPC -> CAPU:BACK 1 -> back to IPC's own credential -> UBC
              link("BC:C1", IPC, "BC:CAPU", "BACK 1"),
              link("ON:C2", back, "ON:SENE", "IPC144"),
              link("BC:C3", IPC, UBC),
              # IPC -> CAPU:SELF 1 -> itself -> UBC
              link("BC:S1", IPC, "BC:CAPU", "SELF 1"),
              link("BC:S2", "BC:CAPU:SELF 1", "BC:CAPU", "SELF 1"),
              link("BC:S3", "BC:CAPU:SELF 1", UBC))
        assert chains(store, IPC) == {IPC: [("BC:S1", "BC:S3")]}
        assert chains(store, back) == {back: [("ON:C2", "BC:C3"), ("ON:C2", "BC:S1", "BC:S3")]}

    def test_a_chain_does_not_pass_through_the_receiver(self, store: Store) -> None:
        write(store, link("BC:R1", IPC, UBC, "CPSC 100"), link("BC:R2", "BC:UBCV:CPSC 100", UBC))
        assert chains(store, IPC) == {}

    def test_only_links_a_single_credential_satisfies(self, store: Store) -> None:
        pair = ("BC:CAPU:CSCI 110", "BC:CAPU:CSCI 111")
        write(store, TO_CAPU,
              link("BC:ALL", pair, UBC, "CPSC 1"),
              link("BC:TWO", pair, UBC, "CPSC 2", any_n=2),
              link("BC:ONE", pair, UBC, "CPSC 3", any_n=1),
              link("BC:DUP", ("BC:CAPU:CSCI 110",) * 2, UBC, "CPSC 4"),
              link("BC:NO", "BC:CAPU:CSCI 110", UBC, outcome=GrantKind.NO_CREDIT),
              link("BC:AS", "BC:CAPU:CSCI 110", UBC, outcome=GrantKind.ASSESSMENT))
        assert chains(store, IPC) == {IPC: [("BC:X", "BC:DUP"), ("BC:X", "BC:ONE")]}

    def test_revocation_removes_the_links(self, store: Store) -> None:
        write(store, TO_CAPU, TO_UBC)
        write(store, Removal("BC:Y", 2))
        assert chains(store, IPC) == {}
        write(store, link("BC:Y", "BC:CAPU:CSCI 110", UBC, version=3))
        assert chains(store, IPC) == {IPC: [("BC:X", "BC:Y")]}

    def test_a_new_version_replaces_where_a_link_leads(self, store: Store) -> None:
        write(store, TO_CAPU, TO_UBC, link("BC:W", "BC:CAPU:CSCI 120", UBC))
        write(store, link("BC:X", IPC, "BC:CAPU", "CSCI 120", version=2))
        assert chains(store, IPC) == {IPC: [("BC:X", "BC:W")]}
        write(store, link("BC:X", IPC, "BC:CAPU", "CSCI 110", version=1))  # late, ignored
        assert chains(store, IPC) == {IPC: [("BC:X", "BC:W")]}
        write(store, link("BC:W", "BC:CAPU:CSCI 120", "BC:SFU", version=2))
        assert chains(store, IPC) == {}

    def test_single_writes_keep_the_links_too(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.equivalencies.upsert_rule(TO_CAPU)
            uow.equivalencies.upsert_rule(TO_UBC)
            uow.equivalencies.revoke_rule("BC:X", 2)
            uow.equivalencies.upsert_rule(link("BC:V", IPC, "BC:CAPU", "CSCI 110"))
            uow.commit()
        assert chains(store, IPC) == {IPC: [("BC:V", "BC:Y")]}

    def test_nothing_asked_nothing_found(self, store: Store) -> None:
        write(store, TO_CAPU, TO_UBC)
        assert chains(store) == {}
        assert chains(store, IPC, max_links=1) == {}


class TestRulesById:
    """Rules are read back whole by id; unknown and revoked ones are left out."""

    def test_reads_unrevoked_rules_by_id(self, store: Store) -> None:
        write(store, TO_CAPU, TO_UBC, link("BC:GONE", IPC, UBC))
        write(store, Removal("BC:GONE", 2))
        for _ in range(2):  # the second read may come from a cache
            with store.reader() as repo:
                assert repo.get_rules(["BC:Y", "BC:X", "BC:GONE", "BC:NONE", "BC:X"]) == {
                    "BC:X": TO_CAPU, "BC:Y": TO_UBC}
                assert repo.get_rules([]) == {}

    def test_a_new_version_is_read(self, store: Store) -> None:
        write(store, TO_CAPU)
        with store.reader() as repo:
            assert repo.get_rules(["BC:X"])["BC:X"].version == 1
        newer = link("BC:X", IPC, "BC:CAPU", "CSCI 120", version=2)
        write(store, newer)
        with store.reader() as repo:
            assert repo.get_rules(["BC:X"]) == {"BC:X": newer}

    def test_rules_on_chains_are_read_at_the_version_the_chain_names(self, store: Store) -> None:
        def on_chains() -> dict[str, Rule]:
            with store.reader() as repo:
                found = repo.chains_to([IPC], UBC)
                return repo.get_rules({rid for c in found[IPC] for rid in c})

        write(store, TO_CAPU, TO_UBC)
        assert on_chains() == {"BC:X": TO_CAPU, "BC:Y": TO_UBC}
        assert on_chains() == {"BC:X": TO_CAPU, "BC:Y": TO_UBC}  # now from a cache
        newer = link("BC:Y", "BC:CAPU:CSCI 110", UBC, "CPSC 110", version=2)
        write(store, newer)
        assert on_chains() == {"BC:X": TO_CAPU, "BC:Y": newer}
