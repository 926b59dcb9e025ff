"""Pausing the garbage collector around batches changes no item and no error."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from adapters.base.collect import collection_paused, paused_batches


def _produced(n: int, fail: bool, seen: list[bool]) -> Iterator[int]:
    for i in range(n):
        seen.append(gc.isenabled())
        yield i
    if fail:
        raise ValueError("export ended badly")


class TestPausedBatches:
    """Items come out unchanged and in order, produced with collection off."""

    def test_items_in_order_produced_paused_consumed_enabled(self) -> None:
        seen: list[bool] = []
        consumed = []
        for item in paused_batches(_produced(7, False, seen), size=3):
            consumed.append((item, gc.isenabled()))
        assert [i for i, _ in consumed] == list(range(7))
        assert all(enabled for _, enabled in consumed)
        assert seen and not any(seen)
        assert gc.isenabled()

    def test_an_error_comes_after_the_items_before_it(self) -> None:
        got = []
        with pytest.raises(ValueError, match="ended badly"):
            for item in paused_batches(_produced(5, True, []), size=3):
                got.append(item)
        assert got == [0, 1, 2, 3, 4]
        assert gc.isenabled()


class TestCollectionPaused:
    """The caller's collector setting is restored, even when it was off."""

    def test_restores_the_previous_setting(self) -> None:
        with collection_paused():
            assert not gc.isenabled()
        assert gc.isenabled()
        gc.disable()
        try:
            with collection_paused():
                pass
            assert not gc.isenabled()
        finally:
            gc.enable()
