"""Store contract: changes are ordered by version, never by arrival (every store)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from hub.domain.model import Credential, Rule, supersedes
from hub.store.memory_ledger import InMemoryStore
from hub.store.ports import InboxKey, Removal, Store
from tests.contract.builders import course, institution, link, rule

T0 = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)

ENGL, WRIT = "BC:CAPU:ENGL 100", "BC:CAPU:WRIT 100"


def rules_from(store: Store, *ids: str) -> list[Rule]:
    """The rules a query would find from ``ids``."""
    with store.reader() as repo:
        return repo.rules_from(ids)


class TestRuleVersions:
    """A higher version replaces; older ones are ignored; revocation removes."""

    def test_higher_version_replaces_the_sending_set(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            assert uow.equivalencies.upsert_rule(rule("BC:1", (ENGL,), version=1))
            assert uow.equivalencies.upsert_rule(rule("BC:1", (WRIT,), version=2, credits=4.0))
            uow.commit()
        assert rules_from(store, ENGL) == []
        assert rules_from(store, WRIT) == [rule("BC:1", (WRIT,), version=2, credits=4.0)]

    def test_older_version_arriving_late_is_ignored(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            assert uow.equivalencies.upsert_rule(rule("BC:1", (WRIT,), version=3))
            assert not uow.equivalencies.upsert_rule(rule("BC:1", (ENGL,), version=2))
            assert not uow.equivalencies.upsert_rule(rule("BC:1", (ENGL,), version=3))
            uow.commit()
        assert [r.version for r in rules_from(store, ENGL, WRIT)] == [3]
        assert rules_from(store, ENGL) == []

    def test_revocation_removes_as_though_never_granted(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.equivalencies.upsert_rule(rule("BC:1", (ENGL,), version=1))
            assert uow.equivalencies.revoke_rule("BC:1", 2)
            uow.commit()
        assert rules_from(store, ENGL) == []
        with store.reader() as repo:
            assert repo.named_by_rules([ENGL]) == set()
            assert repo.equivalents(ENGL) == []

    def test_revocation_keeps_out_older_upserts(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            assert uow.equivalencies.revoke_rule("BC:1", 2)  # never seen: a tombstone
            assert not uow.equivalencies.upsert_rule(rule("BC:1", version=1))
            assert not uow.equivalencies.upsert_rule(rule("BC:1", version=2))
            assert not uow.equivalencies.revoke_rule("BC:1", 2)
            uow.commit()
        assert rules_from(store, ENGL) == []

    def test_revocation_at_the_same_version_wins(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.equivalencies.upsert_rule(rule("BC:1", version=2))
            assert uow.equivalencies.revoke_rule("BC:1", 2)
            uow.commit()
        assert rules_from(store, ENGL) == []

    def test_higher_upsert_reinstates_a_revoked_rule(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.equivalencies.upsert_rule(rule("BC:1", version=1))
            uow.equivalencies.revoke_rule("BC:1", 2)
            assert uow.equivalencies.upsert_rule(rule("BC:1", version=3))
            uow.commit()
        assert rules_from(store, ENGL) == [rule("BC:1", version=3)]
        with store.reader() as repo:
            assert repo.counts()["rules"] == 1

    def test_the_order_holds_across_units_of_work(self, store: Store) -> None:
        for change in (rule("BC:1", version=5), rule("BC:1", (WRIT,), version=4)):
            with store.unit_of_work() as uow:
                uow.equivalencies.upsert_rule(change)
                uow.commit()
        assert rules_from(store, ENGL) == [rule("BC:1", version=5)]


class TestCredentialAndInstitutionVersions:
    """Retirement and versions of credentials and institutions follow the same order."""

    def test_retired_credential_keeps_out_older_upserts(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.equivalencies.upsert_credential(course(ENGL, version=1))
            assert uow.equivalencies.retire_credential(ENGL, 2)
            assert not uow.equivalencies.upsert_credential(course(ENGL, version=2))
            assert not uow.equivalencies.retire_credential(ENGL, 1)
            uow.commit()
        with store.reader() as repo:
            assert repo.get_credentials([ENGL]) == {}
            retired = repo.get_credential(ENGL)
            assert retired is not None and retired.retired and retired.title == "Writing"

    def test_higher_upsert_reinstates_a_retired_credential(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.equivalencies.retire_credential(ENGL, 2)  # never seen: a tombstone
            assert not uow.equivalencies.upsert_credential(course(ENGL, version=1))
            assert uow.equivalencies.upsert_credential(course(ENGL, version=3, title="New"))
            uow.commit()
        with store.reader() as repo:
            assert repo.get_credentials([ENGL]) == {ENGL: course(ENGL, version=3, title="New")}

    def test_credential_retired_before_it_was_seen_is_unknown(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.equivalencies.retire_credential(ENGL, 2)
            uow.commit()
        with store.reader() as repo:
            assert repo.get_credential(ENGL) is None

    def test_institution_versions(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            assert uow.equivalencies.upsert_institution(institution(version=2, name="New"))
            assert not uow.equivalencies.upsert_institution(institution(version=1, name="Old"))
            assert not uow.equivalencies.upsert_institution(institution(version=2, name="Dup"))
            uow.commit()
        with store.reader() as repo:
            found = repo.get_institution("BC:UBCV")
        assert found is not None and found.name == "New"



class TestVersionsBeyond32Bits:
    """A province's version is the event's int64 (epoch milliseconds, say): every store keeps it."""

    BIG = 2**40

    def test_rules_credentials_and_institutions_keep_64_bit_versions(self, store: Store) -> None:
        big = self.BIG
        with store.unit_of_work() as uow:
            assert uow.equivalencies.upsert_institution(institution(version=big))
            assert uow.equivalencies.upsert_credential(course(ENGL, version=big))
            assert uow.equivalencies.upsert_rule(rule("BC:1", (ENGL,), version=big))
            assert uow.equivalencies.upsert_rule(rule("BC:2", (ENGL,), version=big))
            assert uow.equivalencies.revoke_rule("BC:2", big + 1)
            uow.commit()
        with store.unit_of_work() as uow:
            assert not uow.equivalencies.upsert_rule(rule("BC:1", (WRIT,), version=big - 1))
            assert not uow.equivalencies.upsert_rule(rule("BC:2", (ENGL,), version=big))
            assert uow.equivalencies.upsert_rule(rule("BC:1", (ENGL,), version=2**63 - 1))
            uow.commit()
        assert rules_from(store, ENGL) == [rule("BC:1", (ENGL,), version=2**63 - 1)]
        with store.reader() as repo:
            assert repo.get_credentials([ENGL])[ENGL].version == big
            found = repo.get_institution("BC:UBCV")
            assert found is not None and found.version == big
            assert repo.chains_to([ENGL], "BC:UBCV") == {}

    def test_the_inbox_keeps_64_bit_versions(self, store: Store) -> None:
        key = InboxKey("BC:1", self.BIG, "e1")
        with store.unit_of_work() as uow:
            uow.ledger.record_applied("e1", "BC", "BC:1", self.BIG, "applied", T0)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.ledger.seen([key, InboxKey("BC:1", 1, "e1")]) == {key}

    def test_province_counters_go_past_32_bits(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.ledger.bump_stats("BC", applied=2**31 - 1, duplicate=2**31, stale=2**32,
                                  dead_lettered=2**33)
            uow.ledger.bump_stats("BC", applied=1)
            uow.commit()
        with store.unit_of_work() as uow:
            stats = uow.ledger.stats()["BC"]
        assert (stats["applied"], stats["duplicate"], stats["stale"], stats["dead_lettered"]) == (
            2**31, 2**31, 2**32, 2**33)


def _oracle(changes: list[Rule | Removal]) -> tuple[list[bool], dict[str, Rule | None]]:
    """What single writes one after another answer, and the rules left in force."""
    marks: dict[str, tuple[int, bool]] = {}
    flags, kept = [], {}
    for change in changes:
        removal = isinstance(change, Removal)
        old = marks.get(change.id)
        applies = old is None or supersedes(change.version, removal, *old)
        flags.append(applies)
        if applies:
            marks[change.id] = (change.version, removal)
            kept[change.id] = None if removal else change
    return flags, kept  # type: ignore[return-value]


class TestBatches:
    """A batch answers and stores exactly what the same single writes in order would."""

    def test_batched_rules_match_single_writes(self, store: Store) -> None:
        chance = random.Random(20260101)
        changes: list[Rule | Removal] = []
        for _ in range(300):
            rid = f"BC:{chance.randrange(25)}"
            version = chance.randrange(1, 6)
            if chance.random() < 0.25:
                changes.append(Removal(rid, version))
            else:
                sending = (f"BC:CAPU:C {chance.randrange(10)}",)
                changes.append(rule(rid, sending, version=version))
        flags, kept = _oracle(changes)
        with store.unit_of_work() as uow:
            assert uow.equivalencies.apply_rules(changes[:150]) == flags[:150]
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.equivalencies.apply_rules(changes[150:]) == flags[150:]
            uow.commit()
        expected = sorted((r for r in kept.values() if r is not None), key=lambda r: r.id)
        everything = [f"BC:CAPU:C {n}" for n in range(10)]
        assert rules_from(store, *everything) == expected

    def test_batched_credentials_match_single_writes(self, store: Store) -> None:
        changes: list[Credential | Removal] = [
            course(ENGL, version=2), Removal(ENGL, 1), course(ENGL, version=1),
            Removal(WRIT, 3), course(WRIT, version=3), course(WRIT, version=4),
            course(ENGL, version=2), Removal(ENGL, 2)]
        with store.unit_of_work() as uow:
            flags = uow.equivalencies.apply_credentials(changes)
            assert uow.equivalencies.apply_institutions(
                [institution(version=1), institution(version=1)]) == [True, False]
            uow.commit()
        assert flags == [True, False, False, True, False, True, False, True]
        with store.reader() as repo:
            assert repo.get_credentials([ENGL, WRIT]) == {WRIT: course(WRIT, version=4)}


def _big_batch(seed: int, size: int, ids: int) -> list[Rule | Removal]:
    """``size`` changes to ``ids`` rules: upserts (links among them), revocations, ties."""
    chance = random.Random(seed)
    changes: list[Rule | Removal] = []
    for _ in range(size):
        rid = f"BC:{chance.randrange(ids)}"
        version = chance.randrange(1, 5)
        pick = chance.random()
        if pick < 0.2:
            changes.append(Removal(rid, version))
        elif pick < 0.6:
            changes.append(link(rid, f"BC:CAPU:C {chance.randrange(40)}", "BC:SFU",
                                f"S {chance.randrange(40)}", version=version))
        elif pick < 0.8:
            changes.append(link(rid, f"BC:SFU:S {chance.randrange(40)}", "BC:UBCV",
                                version=version))
        else:
            sending = tuple(f"BC:CAPU:C {chance.randrange(40)}" for _ in range(2))
            changes.append(rule(rid, sending, to="BC:UBCV", version=version))
    return changes


class TestLargeBatches:
    """Batches of thousands answer and store what single writes in order would."""

    def test_thousands_of_changes_in_few_units(self, store: Store) -> None:
        changes = _big_batch(20261129, 4000, 1500)
        flags, kept = _oracle(changes)
        with store.unit_of_work() as uow:
            # Two batches in one unit, then one in the next: each sees the ones before.
            assert uow.equivalencies.apply_rules(changes[:1500]) == flags[:1500]
            assert uow.equivalencies.apply_rules(changes[1500:2500]) == flags[1500:2500]
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.equivalencies.apply_rules(changes[2500:]) == flags[2500:]
            uow.commit()
        origins = [f"BC:CAPU:C {n}" for n in range(40)]
        expected = sorted((r for r in kept.values() if r is not None), key=lambda r: r.id)
        everything = origins + [f"BC:SFU:S {n}" for n in range(40)]
        assert rules_from(store, *everything) == expected
        reference = InMemoryStore()
        with reference.unit_of_work() as uow:
            uow.equivalencies.apply_rules(changes)
            uow.commit()
        with store.reader() as repo, reference.reader() as ref:
            chains = repo.chains_to(origins, "BC:UBCV")
            assert chains == ref.chains_to(origins, "BC:UBCV")
            assert sum(len(found) for found in chains.values()) > 50
            assert repo.get_rules(kept) == ref.get_rules(kept)

    def test_a_batch_as_the_first_write_of_a_unit_commits(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            assert uow.equivalencies.apply_rules([rule("BC:1"), Removal("BC:2", 1)]) == [True,
                                                                                         True]
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.equivalencies.apply_rules([rule("BC:2"), rule("BC:1")]) == [False, False]
        assert rules_from(store, ENGL) == [rule("BC:1")]

    def test_a_rolled_back_batch_leaves_nothing_for_the_next(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.equivalencies.apply_rules([rule(f"BC:{n}") for n in range(50)])
            uow.ledger.record_applied("e1", "BC", "BC:1", 1, "applied", T0)
            uow.rollback()
            assert uow.equivalencies.apply_rules([rule("BC:7", version=2)]) == [True]
            uow.commit()
        assert rules_from(store, ENGL) == [rule("BC:7", version=2)]
        with store.unit_of_work() as uow:
            assert uow.ledger.seen([InboxKey("BC:1", 1, "e1")]) == set()
