"""Dead letters are listed a page at a time, and a page says when more follow.

An operator with 3,010 dead letters saw the oldest 100 (at most 1,000) and nothing
said there were more: the newest could not be found.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import pytest

from hub.api.operator import OperatorServicer
from hub.store.memory_ledger import InMemoryStore
from tests.unit.test_deadletter_publish import _replayable
from transferhub.cli import deadletters
from transferhub.hub.v1 import operator_service_pb2 as pb


def _list(store: InMemoryStore, **request: Any) -> pb.ListDeadLettersResponse:
    servicer = OperatorServicer(store, None)   # type: ignore[arg-type]
    return asyncio.run(servicer.ListDeadLetters(pb.ListDeadLettersRequest(**request), None))  # type: ignore[arg-type]


class TestPages:
    """``after_id`` reads on from a page's last id; ``more`` says whether to."""

    def test_every_letter_once_over_the_pages(self) -> None:
        store = _replayable(7)
        pages, after = [], 0
        while True:
            page = _list(store, limit=3, after_id=after)
            pages.append([x.offset for x in page.dead_letters])
            if not page.more:
                break
            after = page.dead_letters[-1].id
        assert pages == [[0, 1, 2], [3, 4, 5], [6]]

    def test_a_full_last_page_says_no_more(self) -> None:
        page = _list(_replayable(3), limit=3)
        assert len(page.dead_letters) == 3 and not page.more

    def test_a_negative_after_id_is_refused(self) -> None:
        from hub.domain.errors import InvalidQuery

        servicer = OperatorServicer(_replayable(1), None)   # type: ignore[arg-type]
        with pytest.raises(InvalidQuery) as refused:
            asyncio.run(servicer.ListDeadLetters.__wrapped__(   # type: ignore[attr-defined]
                servicer, pb.ListDeadLettersRequest(after_id=-1), None))
        assert refused.value.field == "after_id"


def test_the_cli_says_more_follow_and_where(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    asked: list[pb.ListDeadLettersRequest] = []

    def fake_call(address: str, stub: type, method: str, request: Any) -> Any:
        asked.append(request)
        return _list(_replayable(5), limit=request.limit, after_id=request.after_id)

    monkeypatch.setattr(deadletters, "call", fake_call)
    monkeypatch.setattr(deadletters, "checked_address", lambda args: "127.0.0.1:1")
    args = argparse.Namespace(limit=2, all=False, after=0, json=False, hub=None)
    assert deadletters.run_list(args) == 0
    out = capsys.readouterr().out
    assert "more dead letters follow: --after 2 lists the next ones" in out
    assert deadletters.run_list(argparse.Namespace(**{**vars(args), "after": 4,
                                                      "json": True})) == 0
    import json
    doc = json.loads(capsys.readouterr().out)
    assert [x["id"] for x in doc["dead_letters"]] == [5] and doc["more"] is False
    assert [r.after_id for r in asked] == [0, 4]
    assert deadletters.run_list(argparse.Namespace(**{**vars(args), "all": True})) == 0
    assert "--after 2 --all lists the next ones" in capsys.readouterr().out
