"""A partition fenced twice at the same first offset is another log's: read from 0.

A topic deleted and made again on the same Kafka cluster leaves the store's offsets past
the new log's end: the seek to them is out of range, Kafka resets the consumer to the
earliest record, and every batch from there is below the stored offset. Fencing took
that for another replica's work, for ever (a reviewer). A replica that is merely behind
is fenced once, then reads on from the store's offset. (The embedded broker cannot play
this part: past its end it answers nothing at all, and its end offsets fall short of the
end, so they cannot tell either.)
"""

from __future__ import annotations

from hub.ingest.consumer import Ingest
from hub.ingest.errors import Fenced
from hub.ingest.settings import IngestSettings
from hub.store.memory_ledger import InMemoryStore

TP = ("transferhub.events.bc", 0)


def _stored(store: InMemoryStore) -> dict[tuple[str, int], int]:
    with store.unit_of_work() as uow:
        return uow.ledger.offsets("transferhub-hub")


def _ingest() -> tuple[Ingest, InMemoryStore]:
    store = InMemoryStore()
    with store.unit_of_work() as uow:
        uow.ledger.save_offset("transferhub-hub", *TP, 500)
        uow.commit()
    return Ingest(store, IngestSettings.of("127.0.0.1:9")), store


async def test_fenced_twice_at_the_same_offset_reads_the_partition_from_zero() -> None:
    ingest, store = _ingest()
    await ingest._another_log(Fenced({TP: 500}, {TP: 0}))
    assert _stored(store) == {TP: 500}          # once: maybe only behind another replica
    await ingest._another_log(Fenced({TP: 500}, {TP: 0}))
    assert _stored(store) == {TP: 0}            # the seek to 500 did not hold


async def test_a_replica_behind_another_is_fenced_at_new_offsets_and_keeps_them() -> None:
    ingest, store = _ingest()
    await ingest._another_log(Fenced({TP: 500}, {TP: 120}))
    await ingest._another_log(Fenced({TP: 650}, {TP: 500}))   # read on, behind again
    assert _stored(store) == {TP: 500}
