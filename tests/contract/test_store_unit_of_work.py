"""Store contract: units of work are atomic; readers see whole units only (every store)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from hub.store.ports import InboxKey, Store
from tests.contract.builders import rule

ENGL = "BC:CAPU:ENGL 100"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def write_unit(store: Store, n: int, commit: bool = True) -> None:
    """One unit: rule ``BC:n``, its inbox entry and an offset."""
    with store.unit_of_work() as uow:
        uow.equivalencies.upsert_rule(rule(f"BC:{n}"))
        uow.ledger.record_applied(f"e{n}", "BC", f"BC:{n}", 1, "applied", T0)
        uow.ledger.save_offset("hub", "t", 0, n)
        if commit:
            uow.commit()


def rule_ids(store: Store) -> list[str]:
    """Ids of the rules from ENGL, as a new reader sees them."""
    with store.reader() as repo:
        return [r.id for r in repo.rules_from([ENGL])]


class TestAtomicity:
    """Nothing of a unit is kept unless it commits."""

    def test_leaving_without_commit_keeps_nothing(self, store: Store) -> None:
        write_unit(store, 1, commit=False)
        assert rule_ids(store) == []
        with store.unit_of_work() as uow:
            assert uow.ledger.seen([InboxKey("BC:1", 1, "e1")]) == set()
            assert uow.ledger.offsets("hub") == {}

    def test_an_error_rolls_back_and_propagates_unchanged(self, store: Store) -> None:
        with pytest.raises(ZeroDivisionError), store.unit_of_work() as uow:
            uow.equivalencies.upsert_rule(rule("BC:1"))
            uow.ledger.record_applied("e1", "BC", "BC:1", 1, "applied", T0)
            uow.ledger.bump_stats("BC", applied=1)
            _ = 1 / 0
        assert rule_ids(store) == []
        with store.unit_of_work() as uow:
            assert uow.ledger.seen([InboxKey("BC:1", 1, "e1")]) == set()
            assert uow.ledger.stats() == {}

    def test_rollback_discards_only_what_followed_the_last_commit(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.equivalencies.upsert_rule(rule("BC:1"))
            uow.commit()
            uow.equivalencies.upsert_rule(rule("BC:2"))
            uow.ledger.record_applied("e2", "BC", "BC:2", 1, "applied", T0)
            uow.rollback()
            assert uow.ledger.seen([InboxKey("BC:2", 1, "e2")]) == set()
            uow.equivalencies.upsert_rule(rule("BC:3"))
            uow.commit()
        assert rule_ids(store) == ["BC:1", "BC:3"]

    def test_a_rolled_back_version_never_comes_back(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.equivalencies.upsert_rule(rule("BC:1", version=5, credits=1.0))
            with store.reader() as repo:
                assert repo.rules_from([ENGL]) == []
            assert uow.equivalencies.rules_from([ENGL])[0].alternatives[0][0].credits == 1.0
            uow.rollback()
            uow.equivalencies.upsert_rule(rule("BC:1", version=5, credits=2.0))
            uow.commit()
        for _ in range(2):  # the second read may come from a cache: it must agree
            with store.reader() as repo:
                assert repo.rules_from([ENGL]) == [rule("BC:1", version=5, credits=2.0)]

    def test_a_unit_reads_its_own_writes(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.equivalencies.upsert_rule(rule("BC:1"))
            assert [r.id for r in uow.equivalencies.rules_from([ENGL])] == ["BC:1"]


class TestIsolation:
    """A reader sees one committed snapshot, never part of a unit."""

    def test_uncommitted_writes_are_invisible_to_readers(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.equivalencies.upsert_rule(rule("BC:1"))
            assert rule_ids(store) == []
            uow.commit()
            assert rule_ids(store) == ["BC:1"]

    def test_a_reader_keeps_its_snapshot(self, store: Store) -> None:
        write_unit(store, 1)
        with store.reader() as repo:
            assert repo.counts()["rules"] == 1
            write_unit(store, 2)
            # Same reader: still the state it started with, whole.
            assert [r.id for r in repo.rules_from([ENGL])] == ["BC:1"]
            assert repo.named_by_rules([ENGL]) == {ENGL}
            assert repo.counts()["rules"] == 1
        assert rule_ids(store) == ["BC:1", "BC:2"]

    def test_readers_on_threads_never_see_half_a_unit(self, store: Store) -> None:
        """Each unit adds two rules; every snapshot holds an even number of them."""
        done = threading.Event()

        def writer() -> None:
            try:
                for n in range(0, 40, 2):
                    with store.unit_of_work() as uow:
                        uow.equivalencies.upsert_rule(rule(f"BC:{n}"))
                        uow.equivalencies.upsert_rule(rule(f"BC:{n + 1}"))
                        uow.commit()
            finally:
                done.set()

        def reader() -> set[int]:
            sizes = set()
            while not done.is_set():
                with store.reader() as repo:
                    sizes.add(len(repo.rules_from([ENGL])))
            return sizes

        with ThreadPoolExecutor(max_workers=3) as pool:
            readers = [pool.submit(reader) for _ in range(2)]
            pool.submit(writer).result(timeout=60)
            seen = set().union(*(r.result(timeout=60) for r in readers))
        assert all(size % 2 == 0 for size in seen), seen
        assert len(rule_ids(store)) == 40

    def test_writers_on_threads_queue_and_all_commit(self, store: Store) -> None:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda n: write_unit(store, n), range(12)))
        assert len(rule_ids(store)) == 12
        with store.unit_of_work() as uow:
            keys = [InboxKey(f"BC:{n}", 1, f"e{n}") for n in range(12)]
            assert uow.ledger.seen(keys) == set(keys)
