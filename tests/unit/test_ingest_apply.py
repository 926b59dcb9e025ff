"""One batch, one unit of work: outcomes, inbox, offsets, dead letters (in-memory store)."""

from __future__ import annotations

import pytest

from hub.ingest.apply import APPLIED, DEAD_LETTERED, DUPLICATE, STALE, apply_batch
from hub.ingest.deliveries import Delivery, read
from hub.ingest.isolating import STORE_REJECTED, apply_isolating, unapplied
from hub.store.errors import StoreUnavailable
from hub.store.memory_ledger import InMemoryStore
from tests.integration.ingest_helpers import revoked, rule, upserted

TOPIC = "transferhub.events.bc"


def _deliveries(*messages: tuple[str, bytes | None, bytes], partition: int = 0,
                start: int = 0) -> list[Delivery]:
    return [Delivery(topic, partition, start + i, key, value)
            for i, (topic, key, value) in enumerate(messages)]


class TestApplyBatch:
    """A batch is applied whole, with what it did recorded beside it."""

    def test_outcomes_offsets_and_counters_commit_together(self) -> None:
        store = InMemoryStore()
        first = upserted(rule(1, 2), 2)
        batch = read(_deliveries(first, first, upserted(rule(1, 1), 1), revoked("BC:2", 1),
                                 (TOPIC, b"k", b"\xffjunk"), start=10))
        report = apply_batch(store, "g", batch)
        assert [o for _, o in report.outcomes] == [APPLIED, DUPLICATE, STALE, APPLIED,
                                                   DEAD_LETTERED]
        with store.unit_of_work() as uow:
            assert uow.ledger.offsets("g") == {(TOPIC, 0): 15}
            stats = uow.ledger.stats()["BC"]
            assert (stats["applied"], stats["duplicate"], stats["stale"],
                    stats["dead_lettered"]) == (2, 1, 1, 1)
            assert [x.offset for x in uow.ledger.dead_letters()] == [14]

    def test_the_same_events_delivered_again_are_all_duplicates(self) -> None:
        # Resent (new offsets): the inbox knows them. The same offsets again are another
        # consumer's work: fenced (tests/contract/test_store_fencing.py).
        store = InMemoryStore()
        events = (upserted(rule(1), 1), upserted(rule(2), 1))
        apply_batch(store, "g", read(_deliveries(*events)))
        again = apply_batch(store, "g", read(_deliveries(*events, start=2)))
        assert [o for _, o in again.outcomes] == [DUPLICATE, DUPLICATE]

    def test_a_rule_may_name_credentials_not_seen_yet(self) -> None:
        store = InMemoryStore()
        apply_batch(store, "g", read(_deliveries(upserted(rule(1), 1))))
        with store.reader() as repo:
            assert [r.id for r in repo.rules_from(["BC:COLL:ENGL 1"])] == ["BC:1"]


class _Failing:
    """A store whose units of work fail with ``error`` when the batch holds ``poison_key``."""

    def __init__(self, error: Exception, poison_key: str | set[str] | None = None) -> None:
        self.inner, self.error = InMemoryStore(), error
        self.poison_keys = {poison_key} if isinstance(poison_key, str) else poison_key
        self.units = 0

    def unit_of_work(self):
        outer = self
        outer.units += 1

        class Unit:
            def __enter__(self):
                self.uow = outer.inner.unit_of_work().__enter__()
                self.equivalencies, self.ledger = self.uow.equivalencies, self.uow.ledger
                original = self.equivalencies.apply_rules

                def apply_rules(changes):
                    if outer.poison_keys is None or any(
                            getattr(c, "id", None) in outer.poison_keys for c in changes):
                        raise outer.error
                    return original(changes)

                self.equivalencies.apply_rules = apply_rules
                return self

            def __exit__(self, *exc):
                return self.uow.__exit__(*exc)

            def commit(self) -> None:
                self.uow.commit()

        return Unit()


class TestIsolation:
    """A store error is retried when the store is down, pinned to its event when not."""

    def test_store_down_propagates_and_commits_nothing(self) -> None:
        store = _Failing(StoreUnavailable("down"))
        with pytest.raises(StoreUnavailable):
            apply_isolating(store, "g", read(_deliveries(upserted(rule(1), 1))))  # type: ignore[arg-type]
        with store.inner.unit_of_work() as uow:
            assert uow.ledger.offsets("g") == {}

    def test_a_refused_event_becomes_a_dead_letter_and_the_rest_apply(self) -> None:
        store = _Failing(ValueError("check constraint"), poison_key="BC:2")
        batch = read(_deliveries(upserted(rule(1), 1), upserted(rule(2), 1),
                                 upserted(rule(3), 1)))
        report = apply_isolating(store, "g", batch)  # type: ignore[arg-type]
        assert [o for _, o in report.outcomes] == [APPLIED, DEAD_LETTERED, APPLIED]
        with store.inner.unit_of_work() as uow:
            (letter,) = uow.ledger.dead_letters()
            assert letter.reason.startswith(STORE_REJECTED) and "check constraint" in letter.reason
            assert uow.ledger.offsets("g") == {(TOPIC, 0): 3}

    def test_refused_events_are_found_by_halving_not_one_transaction_each(self) -> None:
        store = _Failing(ValueError("check constraint"), poison_key={"BC:7", "BC:500"})
        batch = read(_deliveries(*(upserted(rule(n), 1) for n in range(1, 1025))))
        report = apply_isolating(store, "g", batch)  # type: ignore[arg-type]
        outcomes = [o for _, o in report.outcomes]
        assert [i + 1 for i, o in enumerate(outcomes) if o == DEAD_LETTERED] == [7, 500]
        assert outcomes.count(APPLIED) == 1022
        # One failed try of the whole, then two halvings down to each refused event
        # (a few dozen units of work), far from one per event.
        assert store.units < 60
        with store.inner.unit_of_work() as uow:
            assert uow.ledger.offsets("g") == {(TOPIC, 0): 1024}
            assert [x.offset for x in uow.ledger.dead_letters()] == [6, 499]
            assert uow.ledger.stats()["BC"]["applied"] == 1022


class _DownAt(_Failing):
    """As _Failing, and the store unreachable at its ``down_at``-th unit of work."""

    def __init__(self, down_at: int, **kw: object) -> None:
        super().__init__(ValueError("check constraint"), **kw)  # type: ignore[arg-type]
        self.down_at = down_at

    def unit_of_work(self):
        if self.units + 1 == self.down_at:
            self.units += 1
            raise StoreUnavailable("the database went away")
        return super().unit_of_work()


class TestRetryAfterAPartialFailure:
    """The store down while a refused batch is applied in halves: the retry does the rest."""

    @pytest.mark.parametrize("down_at", [6, 22])  # before / after the refused one is stored
    def test_committed_halves_are_not_counted_or_dead_lettered_twice(self, down_at: int) -> None:
        store = _DownAt(down_at, poison_key="BC:500")
        batch = read(_deliveries(*(upserted(rule(n), 1) for n in range(1, 1025))))
        with pytest.raises(StoreUnavailable):
            apply_isolating(store, "g", batch)  # type: ignore[arg-type]
        with store.inner.unit_of_work() as uow:
            committed = uow.ledger.offsets("g")[(TOPIC, 0)]
        assert 0 < committed < 1024  # some halves committed before the store went away
        rest = unapplied(store, "g", batch)  # type: ignore[arg-type]
        assert [h.delivery.offset for h in rest] == list(range(committed, 1024))
        report = apply_isolating(store, "g", rest)  # type: ignore[arg-type]
        assert DUPLICATE not in {o for _, o in report.outcomes}
        with store.inner.unit_of_work() as uow:
            stats = uow.ledger.stats()["BC"]
            assert (stats["applied"], stats["duplicate"], stats["dead_lettered"]) == (1023, 0, 1)
            assert [x.offset for x in uow.ledger.dead_letters()] == [499]
            assert uow.ledger.offsets("g") == {(TOPIC, 0): 1024}

    def test_nothing_committed_leaves_the_batch_whole(self) -> None:
        store = _DownAt(1)
        batch = read(_deliveries(upserted(rule(1), 1), upserted(rule(2), 1), start=40))
        with pytest.raises(StoreUnavailable):
            apply_isolating(store, "g", batch)  # type: ignore[arg-type]
        assert unapplied(store, "g", batch) == batch  # type: ignore[arg-type]
