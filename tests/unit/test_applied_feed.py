"""The watch feed drops for a slow watcher, never waits for it, and says how many it dropped.

A watcher that takes notices more slowly than the ingest publishes them loses
the oldest (memory stays bounded, the ingest never waits); the next notice it
takes carries ``missed``, the number lost just before it, so that what it was
shown plus what it missed is what was published (a monitor once showed 38,135
lines for 40,027 events applied, and nothing said so).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from hub.api.operator import AppliedNotice
from hub.ingest.feed import AppliedFeed

WHEN = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)


def notices(start: int, n: int, province: str = "BC") -> list[AppliedNotice]:
    return [AppliedNotice(f"e{i}", province, f"{province}:{i}", 1, "applied", WHEN,
                          "rule_upserted") for i in range(start, start + n)]


async def take(watch, n: int) -> list[AppliedNotice]:  # type: ignore[no-untyped-def]
    return [await asyncio.wait_for(anext(watch), 1) for _ in range(n)]


async def listening(feed: AppliedFeed, province: str = ""):  # type: ignore[no-untyped-def]
    """A watch already waiting for its first notice, and that first notice to come."""
    watch = feed.watch(province)
    first = asyncio.ensure_future(anext(watch))
    await asyncio.sleep(0)
    assert feed.watchers == 1
    return watch, first


def waiting(feed: AppliedFeed) -> int:
    """How many notices the one watcher has not taken yet."""
    (watcher,) = feed._watchers
    return len(watcher.notices)


async def test_a_watcher_that_fell_behind_is_told_how_many_it_missed() -> None:
    feed = AppliedFeed(buffer=10)
    watch, first = await listening(feed)
    feed.publish(notices(0, 25))                   # 25 while the watcher is away: 10 kept
    got = [await first, *await take(watch, 9)]
    assert [n.event_id for n in got] == [f"e{i}" for i in range(15, 25)]
    # e0..e14 were dropped: said once, on the notice that follows them.
    assert [n.missed for n in got] == [15] + [0] * 9
    feed.publish(notices(25, 3))                   # caught up: nothing more is missed
    assert [n.missed for n in await take(watch, 3)] == [0, 0, 0]
    await watch.aclose()


async def test_shown_plus_missed_is_what_was_published() -> None:
    """Bursts larger and smaller than the buffer, a reader taking a few after each."""
    feed = AppliedFeed(buffer=50)
    watch, first = await listening(feed)
    published = 0
    for burst in (7, 120, 3, 400, 49, 51, 2):
        feed.publish(notices(published, burst))
        published += burst
        if first is not None:
            got, first = [await first], None
        got.extend(await take(watch, min(4, waiting(feed))))
    got.extend(await take(watch, waiting(feed)))
    assert sum(n.missed for n in got) > 0
    assert len(got) + sum(n.missed for n in got) == published
    ids = [int(n.event_id[1:]) for n in got]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)   # in order, none twice
    # Each gap in the ids is exactly the number the notice after it says it missed.
    assert all(b - a - 1 == n.missed for a, b, n in zip(ids, ids[1:], got[1:], strict=False))
    await watch.aclose()


async def test_missed_counts_only_the_watchers_own_province() -> None:
    """A BC watcher is never told it missed ON's events: it would not have been shown them."""
    feed = AppliedFeed(buffer=5)
    watch, first = await listening(feed, "BC")
    for i in range(20):   # BC and ON interleaved: 20 BC, 20 ON
        feed.publish(notices(i, 1, "BC") + notices(100 + i, 1, "ON"))
    got = [await first, *await take(watch, 4)]
    assert {n.province for n in got} == {"BC"}
    assert len(got) + sum(n.missed for n in got) == 20


async def test_publishing_never_waits_and_memory_stays_bounded() -> None:
    feed = AppliedFeed(buffer=100)
    watch, first = await listening(feed)
    for start in range(0, 100_000, 1000):   # no reader at all: publish returns each time
        feed.publish(notices(start, 1000))
    assert waiting(feed) == 100
    got = [await first, *await take(watch, 99)]
    assert len(got) + sum(n.missed for n in got) == 100_000
    await watch.aclose()
    assert feed.watchers == 0


async def test_closing_ends_a_watch_with_notices_still_waiting() -> None:
    feed = AppliedFeed(buffer=10)
    watch, first = await listening(feed)
    feed.publish(notices(0, 30))
    await first
    feed.close()
    assert [n async for n in watch] == []
    assert [n async for n in feed.watch()] == []   # a watch begun after the close ends at once
