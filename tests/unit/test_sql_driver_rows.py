"""On SQLite a reader runs its statements through the driver's own connection.

The rows then skip SQLAlchemy's result types (dates come as ISO text), so the
same reads are answered again with a statement listener attached, which sends
every statement through SQLAlchemy instead, and both answers must be equal.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from hub.domain.model import Credential, CredentialKind, Grant, GrantKind, Rule
from hub.store.errors import StoreUnavailable
from hub.store.factory import open_store
from hub.store.sql.fetch import driver_rows
from hub.store.sql.unit_of_work import SqlStore
from tests.contract.builders import institution

SENDING = [f"BC:CAPU:ENGL {n}" for n in range(100, 104)]


def _rule(n: int, sending: str, to: str, code: str) -> Rule:
    return Rule(id=f"BC:R{n}", version=n + 1, sending=(sending,), receiving_institution=to,
                outcome=GrantKind.COURSE, alternatives=((Grant(GrantKind.COURSE, 3.0, code),),),
                min_grade="C" if n % 2 else None, effective_start=date(2015, 9, 1),
                effective_end=date(2030, 1, n + 1), notes=f"note {n}")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    opened = open_store(f"sqlite:///{tmp_path / 'hub.db'}")
    assert isinstance(opened, SqlStore)
    with opened.unit_of_work() as uow:
        uow.equivalencies.apply_institutions([institution("BC:UBCV"), institution("BC:SFU")])
        uow.equivalencies.apply_credentials([
            Credential(id=c, kind=CredentialKind.COURSE, title=c, value=3.0,
                       valid_from=date(2021, 9, 1), valid_to=date(2031, 8, 31), version=1)
            for c in SENDING])
        uow.equivalencies.apply_rules(
            [_rule(n, c, "BC:UBCV", f"ENGL {n}") for n, c in enumerate(SENDING)]
            + [_rule(10 + n, c, "BC:SFU", f"S {n}") for n, c in enumerate(SENDING)]
            + [_rule(20 + n, f"BC:SFU:S {n}", "BC:UBCV", f"X {n}") for n in range(4)])
        uow.commit()
    try:
        yield opened
    finally:
        opened.close()


def _reads(store: SqlStore, listened: bool) -> tuple[object, ...]:
    with store.reader() as reader:
        conn = reader._conn  # type: ignore[attr-defined]
        seen: list[str] = []

        def listen(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
            seen.append(statement)

        if listened:
            event.listen(conn, "before_cursor_execute", listen)
        chains = reader.chains_to(SENDING, "BC:UBCV")
        answers = (reader.get_institution("BC:UBCV"), reader.rules_from(SENDING, "BC:UBCV"),
                   reader.rules_from(SENDING), chains,
                   reader.get_rules([rid for found in chains.values() for c in found
                                     for rid in c]),
                   reader.get_credentials([*SENDING, "BC:X:Y"]),
                   reader.named_by_rules([*SENDING, "BC:X:Y"]))
        if listened:
            event.remove(conn, "before_cursor_execute", listen)
            assert len(seen) >= len(answers)  # every read went through SQLAlchemy
    return answers


class TestDriverRows:
    """Reads straight through SQLite's driver answer as SQLAlchemy's would."""

    def test_driver_and_sqlalchemy_answer_alike(self, store: SqlStore) -> None:
        store._rules.limit = 0  # type: ignore[attr-defined]  # decode every time
        direct, through = _reads(store, listened=False), _reads(store, listened=True)
        assert direct == through
        assert direct[3] and direct[5] and direct[1][0].effective_end == date(2030, 1, 1)
        assert direct[5][SENDING[0]].valid_from == date(2021, 9, 1)

    def test_a_driver_error_is_the_stores_error(self, store: SqlStore) -> None:
        with pytest.raises(StoreUnavailable), store.reader() as reader:
            driver_rows(reader._conn, "SELECT id FROM no_such_table", [])  # type: ignore[attr-defined]
