"""Pausing Python's cyclic garbage collector around a batch of allocations.

Reading and diffing an export allocates millions of small container objects
(rows, records, tuples, protobuf bodies) that all live until their chunk is
done. The collector, triggered every 700 such allocations, walks them and every
long-lived cache again and again and frees nothing: a third of the adapter's
time on a million-row export. A batch of bounded size paused this way is
collected once when the pause ends, so memory stays bounded; nothing here
creates reference cycles that would need collecting sooner.
"""

from __future__ import annotations

import gc
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def collection_paused() -> Iterator[None]:
    """No automatic cyclic collection inside the block (the caller's setting is restored)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def paused_batches(items: Iterator[T], size: int = 2000) -> Iterator[T]:
    """``items`` unchanged, produced ``size`` at a time with collection paused.

    Only the producer's own work is paused: the consumer runs between batches
    with collection on. An error the producer raises comes after the items it
    produced before it, as without batches.
    """
    while True:
        batch: list[T] = []
        error: BaseException | None = None
        with collection_paused():
            try:
                batch.extend(itertools.islice(items, size))
            except Exception as raised:  # kept until the items before it are out
                error = raised
        yield from batch
        if error is not None:
            raise error
        if not batch:
            return
