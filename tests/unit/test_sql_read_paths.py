"""The SQL reader's two ways of reading rules answer alike (SQLite and PostgreSQL).

``rules_from`` reads (id, version) keys and then the rows not decoded before
while the shared cache serves most rules, and whole rows in one statement
while it does not; ``get_rules`` reads rules the cache lacks with driver SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from hub.domain.model import Grant, GrantKind, Rule
from hub.store.factory import open_store
from hub.store.ports import Removal, Store

SENDING = [f"BC:CAPU:ENGL {n}" for n in range(100, 106)]


def rules() -> list[Rule]:
    made = []
    for n, course in enumerate(SENDING):
        for to in ("BC:UBCV", "BC:SFU"):
            made.append(Rule(
                id=f"BC:{to[3:]}-{n}", version=n + 1, sending=(course, SENDING[0]),
                receiving_institution=to, outcome=GrantKind.COURSE,
                alternatives=((Grant(GrantKind.COURSE, 3.0, f"ENGL {n}"),),),
                any_n=1 if n % 2 else None, min_grade="C" if n % 3 else None,
                effective_start=date(2015, 9, 1), effective_end=date(2030, 1, n + 1),
                notes=f"note {n}" if n % 2 else None, notation=f"ENGL 1{n} (3)"))
    return made


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = (f"sqlite:///{tmp_path / 'hub.db'}" if request.param == "sqlite"
           else str(request.getfixturevalue("pg_url")))
    opened = open_store(url)
    with opened.unit_of_work() as uow:
        uow.equivalencies.apply_rules([*rules(), Removal("BC:SFU-5", 99)])
        uow.commit()
    try:
        yield opened
    finally:
        opened.close()


def read(store: Store, missed: float) -> tuple[list[Rule], list[Rule], dict[str, Rule]]:
    store._rules.missed = missed  # type: ignore[attr-defined]  # force one way of reading
    with store.reader() as reader:
        return (reader.rules_from(SENDING), reader.rules_from(SENDING[1:3], "BC:UBCV"),
                reader.get_rules(["BC:UBCV-1", "BC:SFU-5", "BC:NONE", "BC:SFU-2"]))


def test_both_ways_of_reading_rules_answer_what_was_written(store: Store) -> None:
    written = {rule.id: rule for rule in rules() if rule.id != "BC:SFU-5"}
    expected = ([written[rid] for rid in sorted(written)],
                [written["BC:UBCV-1"], written["BC:UBCV-2"]],
                {rid: written[rid] for rid in ("BC:UBCV-1", "BC:SFU-2")})
    cold = read(store, missed=1.0)  # nothing decoded yet: whole rows in one statement
    assert cold == expected
    assert read(store, missed=1.0) == expected  # whole rows again, now from the cache
    store._rules._rules.clear()  # type: ignore[attr-defined]
    assert read(store, missed=0.0) == expected  # keys, then rows the cache lacks
    assert read(store, missed=0.0) == expected  # keys only
    assert all(type(r.effective_end) is date for r in read(store, missed=0.0)[0])
