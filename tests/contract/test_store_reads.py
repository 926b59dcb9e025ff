"""Store contract: what the query engine reads (every store)."""

from __future__ import annotations

from datetime import date

from hub.domain.model import CredentialKind, Grant, GrantKind, Rule, StackLink
from hub.store.ports import Store
from tests.contract.builders import course, institution, rule


def write(store: Store, *items: object) -> None:
    """Commit institutions, credentials and rules in one unit of work."""
    with store.unit_of_work() as uow:
        for item in items:
            kind = type(item).__name__
            getattr(uow.equivalencies, f"upsert_{kind.lower()}")(item)
        uow.commit()


class TestInstitutions:
    """Institutions are read back whole, listed by id, and filtered by province."""

    def test_reads_back_what_was_stored(self, store: Store) -> None:
        stored = institution("BC:UVIC", name="University of Victoria")
        write(store, stored)
        with store.reader() as repo:
            assert repo.get_institution("BC:UVIC") == stored
            assert repo.get_institution("BC:NONE") is None

    def test_default_grading_stays_default(self, store: Store) -> None:
        from hub.domain.model import Institution

        write(store, Institution("SK:USASK", "U of S"))
        with store.reader() as repo:
            found = repo.get_institution("SK:USASK")
        assert found is not None and found.grading is None

    def test_a_new_version_or_institution_is_seen_by_the_next_reader(self, store: Store) -> None:
        write(store, institution("BC:UBCV", name="Old"))
        for _ in range(2):  # the second read may come from a cache
            with store.reader() as repo:
                assert repo.get_institution("BC:UBCV").name == "Old"  # type: ignore[union-attr]
                assert repo.get_institution("BC:SFU") is None
        write(store, institution("BC:UBCV", version=2, name="New"), institution("BC:SFU"))
        with store.reader() as repo:
            assert repo.get_institution("BC:UBCV").name == "New"  # type: ignore[union-attr]
            assert repo.get_institution("BC:SFU") is not None

    def test_lists_by_id_and_by_province(self, store: Store) -> None:
        write(store, institution("ON:YORK"), institution("BC:UBCV"), institution("BC:CAPU"))
        with store.reader() as repo:
            assert [i.id for i in repo.list_institutions()] == ["BC:CAPU", "BC:UBCV", "ON:YORK"]
            assert [i.id for i in repo.list_institutions("BC")] == ["BC:CAPU", "BC:UBCV"]
            assert repo.list_institutions("SK") == []


class TestCredentials:
    """Credentials round-trip; queries see only known, unretired ones."""

    def test_round_trips_every_field(self, store: Store) -> None:
        from hub.domain.model import Credential

        micro = Credential(id="ON:HUMB:MC-DA-01", kind=CredentialKind.MICRO_CREDENTIAL,
                           title="Data Cleaning", value=28.0, subject=None, level=None,
                           stacks_into=(StackLink("ON:HUMB:CERT-DA", 28.0),),
                           competencies=("data-cleaning", "spreadsheets"),
                           valid_from=date(2021, 9, 1), valid_to=None, version=4)
        write(store, micro)
        with store.reader() as repo:
            assert repo.get_credential(micro.id) == micro
            assert repo.get_credentials([micro.id]) == {micro.id: micro}

    def test_no_value_stays_no_value_not_zero(self, store: Store) -> None:
        """A stacking answer says a target's requirement is unknown from this None."""
        from hub.domain.model import Credential

        diploma = Credential(id="ON:HUMB:DIP-X", kind=CredentialKind.DIPLOMA, value=None)
        nothing = Credential(id="ON:HUMB:DIP-0", kind=CredentialKind.DIPLOMA, value=0.0)
        write(store, diploma, nothing)
        with store.reader() as repo:
            assert repo.get_credential(diploma.id).value is None  # type: ignore[union-attr]
            assert repo.get_credential(nothing.id).value == 0.0  # type: ignore[union-attr]

    def test_get_credentials_skips_unknown_and_retired(self, store: Store) -> None:
        write(store, course("BC:CAPU:ENGL 100"), course("BC:CAPU:ENGL 101"))
        with store.unit_of_work() as uow:
            uow.equivalencies.retire_credential("BC:CAPU:ENGL 101", 2)
            uow.commit()
        with store.reader() as repo:
            found = repo.get_credentials(["BC:CAPU:ENGL 100", "BC:CAPU:ENGL 101", "BC:X:Y"])
            assert list(found) == ["BC:CAPU:ENGL 100"]
            retired = repo.get_credential("BC:CAPU:ENGL 101")
            assert retired is not None and retired.retired and retired.version == 2
            assert repo.get_credential("BC:X:Y") is None

    def test_retired_among_names_those_once_known(self, store: Store) -> None:
        write(store, course("BC:CAPU:ENGL 100"), course("BC:CAPU:ENGL 101"))
        with store.unit_of_work() as uow:
            uow.equivalencies.retire_credential("BC:CAPU:ENGL 101", 2)
            uow.equivalencies.retire_credential("BC:CAPU:NEVER 1", 2)  # never seen
            uow.commit()
        with store.reader() as repo:
            assert repo.retired_among(["BC:CAPU:ENGL 100", "BC:CAPU:ENGL 101", "BC:X:Y",
                                       "BC:CAPU:NEVER 1"]) == {"BC:CAPU:ENGL 101"}
            assert repo.retired_among([]) == set()

    def test_stacking_into_follows_the_records(self, store: Store) -> None:
        cert = "ON:HUMB:CERT-DA"
        write(store, course("ON:HUMB:MC-1", stacks_into=(StackLink(cert, 28.0),)),
              course("ON:HUMB:MC-2", stacks_into=(StackLink(cert, 14.0),)),
              course("ON:HUMB:MC-3", stacks_into=(StackLink("ON:HUMB:OTHER", 1.0),)))
        with store.reader() as repo:
            assert [c.id for c in repo.stacking_into(cert)] == ["ON:HUMB:MC-1", "ON:HUMB:MC-2"]
        with store.unit_of_work() as uow:
            uow.equivalencies.retire_credential("ON:HUMB:MC-1", 2)
            uow.equivalencies.upsert_credential(course("ON:HUMB:MC-2", version=2))
            uow.commit()
        with store.reader() as repo:
            assert repo.stacking_into(cert) == []


class TestRules:
    """Rules round-trip whole and are found from any credential they name."""

    def test_round_trips_every_field(self, store: Store) -> None:
        full = Rule(
            id="BC:88214", version=3, sending=("BC:CAPU:CSCI 110", "BC:CAPU:CSCI 111"),
            receiving_institution="BC:KPU", outcome=GrantKind.COURSE,
            alternatives=(
                (Grant(GrantKind.COURSE, 3.0, code="SOCI 1240", subject="SOCI", level=1,
                       designation="Q/B-Sci"),
                 Grant(GrantKind.UNASSIGNED, None, subject="GEN", level=2)),
                (Grant(GrantKind.BLOCK, 0.0, program="BBA"),),
            ),
            any_n=1, min_grade="C+", effective_start=date(2018, 9, 1),
            effective_end=date(2023, 8, 31), notes="Precludes credit for SOCI 1100",
            notation="KPU SOCI 1240 (3) or KPU SOCI 2XXX (3)")
        write(store, full)
        with store.reader() as repo:
            assert repo.rules_from(["BC:CAPU:CSCI 111"]) == [full]

    def test_each_rule_once_by_id_for_the_receiving_institution(self, store: Store) -> None:
        pair = ("BC:CAPU:A 1", "BC:CAPU:B 1")
        write(store, rule("BC:2", pair), rule("BC:1", ("BC:CAPU:A 1",)),
              rule("BC:3", ("BC:CAPU:A 1",), to="BC:SFU"), rule("BC:4", ("BC:CAPU:C 1",)))
        with store.reader() as repo:
            assert [r.id for r in repo.rules_from(pair)] == ["BC:1", "BC:2", "BC:3"]
            assert [r.id for r in repo.rules_from(pair, "BC:UBCV")] == ["BC:1", "BC:2"]
            assert [r.id for r in repo.rules_from(["BC:CAPU:B 1", "BC:CAPU:B 1"])] == ["BC:2"]
            assert repo.rules_from([]) == []
            assert repo.rules_from(["BC:CAPU:Z 9"], "BC:UBCV") == []

    def test_rules_may_name_credentials_the_hub_has_not_seen(self, store: Store) -> None:
        write(store, rule("SK:1", ("BC:CAPU:ENGL 100",), to="SK:USASK"))
        with store.reader() as repo:
            assert repo.get_credentials(["BC:CAPU:ENGL 100"]) == {}
            assert repo.named_by_rules(["BC:CAPU:ENGL 100", "BC:CAPU:X 1"]) == {
                "BC:CAPU:ENGL 100"}

    def test_equivalents_by_institution_or_province(self, store: Store) -> None:
        engl = "BC:CAPU:ENGL 100"
        write(store, rule("BC:1", (engl,), to="BC:UBCV"), rule("BC:2", (engl,), to="BC:SFU"),
              rule("SK:1", (engl,), to="SK:USASK"), rule("BC:3", ("BC:CAPU:X 1",)))
        with store.reader() as repo:
            assert [r.id for r in repo.equivalents(engl)] == ["BC:1", "BC:2", "SK:1"]
            assert [r.id for r in repo.equivalents(engl, "BC:SFU")] == ["BC:2"]
            assert [r.id for r in repo.equivalents(engl, "BC")] == ["BC:1", "BC:2"]
            assert [r.id for r in repo.equivalents(engl, "SK")] == ["SK:1"]
            assert repo.equivalents(engl, "ON") == []

    def test_counts_what_is_in_force(self, store: Store) -> None:
        write(store, institution("BC:UBCV"), institution("BC:SFU"), course("BC:CAPU:A 1"),
              course("BC:CAPU:B 1"), rule("BC:1"), rule("BC:2"), rule("BC:3"))
        with store.unit_of_work() as uow:
            uow.equivalencies.retire_credential("BC:CAPU:B 1", 2)
            uow.equivalencies.revoke_rule("BC:3", 2)
            uow.equivalencies.revoke_rule("BC:404", 1)
            uow.commit()
        with store.reader() as repo:
            assert repo.counts() == {"institutions": 2, "credentials": 1, "rules": 2}
