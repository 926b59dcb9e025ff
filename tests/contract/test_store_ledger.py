"""Store contract: the ingest ledger (every store)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from hub.store.factory import open_store
from hub.store.ports import DeadLetter, InboxKey, Store

T0 = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)


def letter(offset: int, key: bytes | None = b"BC:88213", reason: str = "undecodable") -> DeadLetter:
    """A dead letter from partition 0 of the BC topic."""
    return DeadLetter(id=None, topic="transferhub.events.bc", partition=0, offset=offset,
                      key=key, value=b"\x00\xffpayload", reason=reason, province="BC",
                      event_id=f"ev-{offset}", recorded_at=T0 + timedelta(seconds=offset))


class TestInbox:
    """The inbox remembers which events were applied."""

    def test_seen_are_the_recorded_events(self, store: Store) -> None:
        e1, e2, e3 = (InboxKey("BC:1", 1, "e1"), InboxKey("BC:1", 1, "e2"),
                      InboxKey("BC:2", 1, "e3"))
        with store.unit_of_work() as uow:
            assert uow.ledger.seen([e1, e2]) == set()
            uow.ledger.record_applied("e1", "BC", "BC:1", 1, "applied", T0)
            uow.ledger.record_applied("e1", "BC", "BC:1", 1, "applied", T0)
            assert uow.ledger.seen([e1, e2]) == {e1}
            uow.ledger.record_applied("e2", "BC", "BC:1", 1, "stale", T0)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.ledger.seen([e1, e2, e3, e1]) == {e1, e2}
            assert uow.ledger.seen([]) == set()

    def test_an_event_is_found_by_its_entity_and_version_too(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.ledger.record_applied("e1", "BC", "BC:1", 1, "applied", T0)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.ledger.seen([InboxKey("BC:1", 2, "e1"), InboxKey("BC:9", 1, "e1")]) == set()

    def test_two_entities_sharing_an_event_id_are_told_apart(self, store: Store) -> None:
        # A spoofed event reusing another entity's id must not pass for it (or it for it).
        ontario, bc = InboxKey("ON:1", 1, "e1"), InboxKey("BC:1", 1, "e1")
        with store.unit_of_work() as uow:
            uow.ledger.record_applied("e1", "ON", "ON:1", 1, "applied", T0)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.ledger.seen([bc, ontario]) == {ontario}
            uow.ledger.record_applied("e1", "BC", "BC:1", 1, "applied", T0)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.ledger.seen([bc, ontario]) == {bc, ontario}

    def test_a_large_batch_is_one_look_up(self, store: Store) -> None:
        keys = [InboxKey(f"BC:{n}", n % 3 + 1, f"e{n}") for n in range(5_000)]
        with store.unit_of_work() as uow:
            for key in keys[::2]:
                uow.ledger.record_applied(key.event_id, "BC", key.entity_key, key.version,
                                          "applied", T0)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.ledger.seen(keys) == set(keys[::2])


class TestOffsets:
    """Offsets are kept per consumer group, topic and partition; the last saved wins."""

    def test_saved_offsets_per_group(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.ledger.save_offset("hub", "transferhub.events.bc", 0, 10)
            uow.ledger.save_offset("hub", "transferhub.events.bc", 1, 3)
            uow.ledger.save_offset("other", "transferhub.events.bc", 0, 99)
            uow.commit()
        with store.unit_of_work() as uow:
            uow.ledger.save_offset("hub", "transferhub.events.bc", 0, 12)
            uow.ledger.save_offset("hub", "transferhub.events.bc", 0, 15)
            assert uow.ledger.offsets("hub") == {("transferhub.events.bc", 0): 15,
                                                 ("transferhub.events.bc", 1): 3}
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.ledger.offsets("hub")[("transferhub.events.bc", 0)] == 15
            assert uow.ledger.offsets("other") == {("transferhub.events.bc", 0): 99}
            assert uow.ledger.offsets("nobody") == {}

    def test_offsets_beyond_32_bits(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.ledger.save_offset("hub", "t", 0, 2**40)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.ledger.offsets("hub") == {("t", 0): 2**40}


class TestOffsetsLog:
    """A group's offsets count positions in one broker log, named by the cluster's id."""

    def _saved(self, store: Store, log: str) -> str | None:
        with store.unit_of_work() as uow:
            replaced = uow.ledger.adopt_log("hub", log)
            uow.ledger.save_offset("hub", "transferhub.events.bc", 0, 10)
            uow.commit()
        return replaced

    def test_the_first_log_is_adopted_and_keeps_the_offsets(self, store: Store) -> None:
        assert self._saved(store, "cluster-a") is None
        with store.unit_of_work() as uow:
            assert uow.ledger.adopt_log("hub", "cluster-a") is None
            assert uow.ledger.offsets("hub") == {("transferhub.events.bc", 0): 10}

    def test_another_log_drops_that_groups_offsets_and_names_the_old_one(
            self, store: Store) -> None:
        self._saved(store, "cluster-a")
        with store.unit_of_work() as uow:
            uow.ledger.adopt_log("other", "cluster-a")
            uow.ledger.save_offset("other", "transferhub.events.bc", 0, 7)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.ledger.adopt_log("hub", "cluster-b") == "cluster-a"
            assert uow.ledger.offsets("hub") == {}
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.ledger.offsets("hub") == {}
            assert uow.ledger.offsets("other") == {("transferhub.events.bc", 0): 7}
            assert uow.ledger.adopt_log("hub", "cluster-b") is None

    def test_a_rolled_back_adoption_keeps_the_offsets(self, store: Store) -> None:
        self._saved(store, "cluster-a")
        with store.unit_of_work() as uow:
            assert uow.ledger.adopt_log("hub", "cluster-b") == "cluster-a"
        with store.unit_of_work() as uow:
            assert uow.ledger.offsets("hub") == {("transferhub.events.bc", 0): 10}
            assert uow.ledger.adopt_log("hub", "cluster-a") is None


class TestDeadLetters:
    """Dead letters are kept oldest first with their bytes, and can be marked replayed."""

    def test_kept_oldest_first_with_ids(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            for offset in (5, 6, 7):
                uow.ledger.add_dead_letter(letter(offset, key=None if offset == 6 else b"k"))
            uow.commit()
        with store.unit_of_work() as uow:
            found = uow.ledger.dead_letters()
            assert [d.offset for d in found] == [5, 6, 7]
            assert len({d.id for d in found}) == 3 and all(d.id is not None for d in found)
            assert found[1].key is None and found[0].key == b"k"
            assert found[0].value == b"\x00\xffpayload" and found[0].event_id == "ev-5"
            assert found[2].recorded_at == T0 + timedelta(seconds=7)
            assert found[2].recorded_at.tzinfo is not None
            assert [d.offset for d in uow.ledger.dead_letters(limit=2)] == [5, 6]

    def test_replayed_are_hidden_unless_asked(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            for offset in (1, 2, 3):
                uow.ledger.add_dead_letter(letter(offset))
            first, second, _ = uow.ledger.dead_letters()
            uow.ledger.mark_replayed([first.id, second.id])  # type: ignore[list-item]
            uow.commit()
        with store.unit_of_work() as uow:
            assert [d.offset for d in uow.ledger.dead_letters()] == [3]
            every = uow.ledger.dead_letters(include_replayed=True)
            assert [(d.offset, d.replayed) for d in every] == [(1, True), (2, True), (3, False)]

    def test_read_a_page_at_a_time_after_an_id(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            for offset in range(1, 8):
                uow.ledger.add_dead_letter(letter(offset))
            uow.commit()
        with store.unit_of_work() as uow:
            first = uow.ledger.dead_letters(limit=3)
            rest = uow.ledger.dead_letters(limit=3, after_id=first[-1].id)  # type: ignore[arg-type]
            last = uow.ledger.dead_letters(limit=3, after_id=rest[-1].id)  # type: ignore[arg-type]
            assert [[d.offset for d in page] for page in (first, rest, last)] == [
                [1, 2, 3], [4, 5, 6], [7]]
            assert uow.ledger.dead_letters(after_id=last[-1].id) == []  # type: ignore[arg-type]


class TestReplayClaims:
    """A replay claims the dead letters it re-drives; another replay gets none of them."""

    def _three(self, store: Store) -> list[int]:
        with store.unit_of_work() as uow:
            for offset in (1, 2, 3):
                uow.ledger.add_dead_letter(letter(offset))
            uow.commit()
        with store.unit_of_work() as uow:
            return [d.id for d in uow.ledger.dead_letters() if d.id is not None]

    def _claim(self, store: Store, ids: list[int], now: datetime,
               again: bool = False) -> list[int]:
        with store.unit_of_work() as uow:
            claimed = uow.ledger.claim_replay(ids, now=now, until=now + timedelta(minutes=15),
                                              again=again)
            uow.commit()
        return claimed

    def test_a_claimed_letter_is_not_claimed_again_until_given_back(self, store: Store) -> None:
        a, b, c = self._three(store)
        assert self._claim(store, [a, b], T0) == [a, b]
        assert self._claim(store, [a, b, c], T0) == [c]          # a and b are held
        assert self._claim(store, [a, b, c], T0, again=True) == []
        with store.unit_of_work() as uow:
            uow.ledger.release_replay([a])
            uow.ledger.mark_replayed([b])
            uow.commit()
        assert self._claim(store, [a, b, c], T0) == [a]           # b is replayed now
        assert self._claim(store, [b], T0, again=True) == [b]     # unless named again

    def test_a_claim_runs_out(self, store: Store) -> None:
        a, b, _ = self._three(store)
        assert self._claim(store, [a], T0) == [a]
        assert self._claim(store, [a, b], T0 + timedelta(minutes=14)) == [b]
        assert self._claim(store, [a], T0 + timedelta(minutes=15)) == [a]

    def test_a_claim_left_uncommitted_is_no_claim(self, store: Store) -> None:
        a, _, _ = self._three(store)
        with store.unit_of_work() as uow:
            assert uow.ledger.claim_replay([a], now=T0, until=T0 + timedelta(minutes=15)) == [a]
        assert self._claim(store, [a], T0) == [a]


class TestStats:
    """Per-province counters add up across units; the latest event time is kept."""

    def test_counters_accumulate(self, store: Store) -> None:
        later = T0 + timedelta(hours=1)
        with store.unit_of_work() as uow:
            uow.ledger.bump_stats("BC", applied=2, last_event_at=later)
            uow.ledger.bump_stats("BC", duplicate=1, last_event_at=T0)
            uow.ledger.bump_stats("ON", stale=1)
            uow.commit()
        with store.unit_of_work() as uow:
            # An aware time in another zone: the same instant compares as it should.
            uow.ledger.bump_stats("BC", applied=1, dead_lettered=4,
                                  last_event_at=T0.astimezone(timezone(timedelta(hours=-6))))
            uow.commit()
        with store.unit_of_work() as uow:
            stats = uow.ledger.stats()
        assert stats["BC"] == {"applied": 3, "duplicate": 1, "stale": 0, "dead_lettered": 4,
                               "last_event_at": later}
        assert stats["ON"] == {"applied": 0, "duplicate": 0, "stale": 1, "dead_lettered": 0,
                               "last_event_at": None}


def test_replays_at_once_from_several_hubs_share_the_letters_out(sql_url: str) -> None:
    """Several stores on one database (several hubs) claim at the same moment: every
    letter goes to exactly one of them."""
    stores = [open_store(sql_url) for _ in range(4)]
    try:
        with stores[0].unit_of_work() as uow:
            for offset in range(300):
                uow.ledger.add_dead_letter(letter(offset))
            uow.commit()
        with stores[0].unit_of_work() as uow:
            ids = [d.id for d in uow.ledger.dead_letters(limit=1000) if d.id is not None]
        start = threading.Barrier(len(stores))
        won: list[list[int]] = [[] for _ in stores]
        errors: list[BaseException] = []

        def claim(n: int) -> None:
            try:
                start.wait()
                for part in (ids[::3], ids[1::3], ids[2::3], ids[::-1]):
                    with stores[n].unit_of_work() as uow:
                        won[n] += uow.ledger.claim_replay(part, now=T0,
                                                          until=T0 + timedelta(minutes=15))
                        uow.commit()
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=claim, args=(n,)) for n in range(len(stores))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        if errors:
            pytest.fail(f"a claim failed: {errors[0]!r}")
        every = [i for claimed in won for i in claimed]
        assert sorted(every) == sorted(ids)   # each letter claimed once, none twice
    finally:
        for store in stores:
            store.close()
