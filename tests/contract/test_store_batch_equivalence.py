"""Store contract: a batch of changes equals the same changes one unit of work each.

The ingest writes a batch of events through ``apply_credentials`` and
``apply_rules``; single events would write through the same repository one by
one. Whatever the batching, every row (every column) and every applied/stale
flag must come out the same: an upsert and a later retirement or revocation of
the same entity in one batch keep the upserted content, flagged removed, just
as they do when the removal comes in a later batch.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from hub.domain.model import Credential, CredentialKind, Rule, StackLink
from hub.store.factory import open_store
from hub.store.memory import InMemoryEquivalencyRepository
from hub.store.ports import Removal, Store
from tests.contract.builders import course, link, rule
from tests.contract.conftest import ALL_STORES

# Every table that holds equivalency data (the ingest ledger's tables are not compared).
ENTITY_TABLES = ("institution", "credential", "stack_link", "rule", "rule_sending", "rule_link")

Change = Any  # Credential | Rule | Removal


def _pg_database(request: pytest.FixtureRequest) -> str:
    """A second fresh PostgreSQL database (the first is ``pg_url``), dropped afterwards."""
    import psycopg

    from tests.conftest import PG_ADMIN_URL

    first = str(request.getfixturevalue("pg_url"))
    name = f"th_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE datname = %s", (name,))
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()

    request.addfinalizer(drop)
    return first.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=ALL_STORES)
def two_stores(request: pytest.FixtureRequest) -> Iterator[tuple[Store, Store]]:
    """Two fresh, empty stores of one kind: one written in batches, one change at a time."""
    if request.param == "memory":
        urls = ["memory://", "memory://"]
    elif request.param == "sqlite":
        tmp_path = request.getfixturevalue("tmp_path")
        urls = [f"sqlite:///{tmp_path / 'batched.db'}", f"sqlite:///{tmp_path / 'single.db'}"]
    else:
        urls = [str(request.getfixturevalue("pg_url")), _pg_database(request)]
    stores = [open_store(url) for url in urls]
    try:
        yield stores[0], stores[1]
    finally:
        for opened in stores:
            opened.close()


def _memory_rows(repo: InMemoryEquivalencyRepository) -> dict[str, Any]:
    """Everything the in-memory repository keeps, empty index entries left out."""
    state: dict[str, Any] = {}
    for name, value in vars(repo).items():
        if name == "_lock":
            continue
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if v or not isinstance(v, set)}
        state[name] = value
    return state


def rows(store: Store) -> dict[str, Any]:
    """Every row of every equivalency table (all columns), sorted; or the in-memory state."""
    url = getattr(store, "url", None)
    if url is None:
        with store.reader() as repo:
            return _memory_rows(repo)  # type: ignore[arg-type]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {table: sorted(
                (tuple(row) for row in conn.execute(text(f'SELECT * FROM "{table}"'))), key=repr)
                for table in ENTITY_TABLES}
    finally:
        engine.dispose()


def _credential(cid: str, version: int, chance: random.Random) -> Credential:
    """A credential whose content tells its version apart (title, stacking, sometimes kind)."""
    stacks = (StackLink(f"BC:CAPU:CERT {chance.randrange(3)}", float(version)),)
    made = course(cid, version=version, title=f"Title v{version}",
                  stacks_into=stacks if chance.random() < 0.6 else (),
                  retired=chance.random() < 0.1)
    if chance.random() < 0.2:
        return Credential(id=cid, kind=CredentialKind.CERTIFICATE, title=f"Certificate v{version}",
                          value=60.0, valid_from=date(2020, 9, 1), version=version,
                          retired=made.retired)
    return made


def _rule(rid: str, version: int, chance: random.Random) -> Rule:
    """A rule whose content tells its version apart (a link, or a plain rule)."""
    sending = f"BC:CAPU:C {chance.randrange(4)}"
    if chance.random() < 0.5:
        return link(rid, sending, "BC:SFU", f"S {version}", version=version)
    made = rule(rid, (sending,), version=version, credits=float(version), notes=f"v{version}")
    if chance.random() < 0.1:
        made = rule(rid, (sending,), version=version, credits=float(version), revoked=True)
    return made


def _sequence(chance: random.Random, ids: list[str], make: Any) -> list[Change]:
    """A few upserts and removals of ``ids`` with random (often repeated) versions."""
    changes: list[Change] = []
    for _ in range(chance.randrange(1, 8)):
        eid, version = chance.choice(ids), chance.randrange(1, 6)
        if chance.random() < 0.4:
            changes.append(Removal(eid, version))
        else:
            changes.append(make(eid, version, chance))
    return changes


def _apply(store: Store, kind: str, changes: list[Change], one_by_one: bool) -> list[bool]:
    """Apply ``changes`` in one unit of work, or each in its own; their flags."""
    if not one_by_one:
        with store.unit_of_work() as uow:
            flags = list(getattr(uow.equivalencies, f"apply_{kind}")(changes))
            uow.commit()
        return flags
    flags = []
    for change in changes:
        with store.unit_of_work() as uow:
            repo = uow.equivalencies
            if kind == "credentials":
                applied = (repo.retire_credential(change.id, change.version)
                           if isinstance(change, Removal) else repo.upsert_credential(change))
            else:
                applied = (repo.revoke_rule(change.id, change.version)
                           if isinstance(change, Removal) else repo.upsert_rule(change))
            uow.commit()
        flags.append(applied)
    return flags


class TestABatchEqualsOneByOne:
    """Random sequences, with and without a version stored before, batched and not."""

    @pytest.mark.parametrize("kind", ["credentials", "rules"])
    def test_random_sequences_leave_the_same_rows_and_flags(
            self, two_stores: tuple[Store, Store], kind: str) -> None:
        batched, single = two_stores
        chance = random.Random(f"batch-equals-one-by-one-{kind}")
        make = _credential if kind == "credentials" else _rule
        for trial in range(60):
            ids = ([f"BC:T{trial}:C {n}" for n in range(3)] if kind == "credentials"
                   else [f"BC:{trial}-{n}" for n in range(3)])
            before = _sequence(chance, ids, make) if chance.random() < 0.5 else []
            changes = _sequence(chance, ids, make)
            for store in (batched, single):
                _apply(store, kind, before, one_by_one=False)
            flags = _apply(batched, kind, changes, one_by_one=False)
            expected = _apply(single, kind, changes, one_by_one=True)
            assert flags == expected, (trial, before, changes)
        assert rows(batched) == rows(single)

    @pytest.mark.parametrize("stored", [False, True])
    def test_a_retirement_after_an_upsert_in_one_batch_keeps_the_record(
            self, two_stores: tuple[Store, Store], stored: bool) -> None:
        batched, single = two_stores
        cid = "BC:CAPU:ENGL 100"
        for store in (batched, single):
            if stored:
                _apply(store, "credentials", [course(cid, version=1, title="Old")], False)
        changes = [course(cid, version=2, title="New"), Removal(cid, 3)]
        assert _apply(batched, "credentials", changes, one_by_one=False) == [True, True]
        assert _apply(single, "credentials", changes, one_by_one=True) == [True, True]
        for store in (batched, single):
            with store.reader() as repo:
                assert repo.get_credential(cid) == course(cid, version=3, title="New",
                                                          retired=True)
        assert rows(batched) == rows(single)

    def test_a_revocation_after_an_upsert_in_one_batch_keeps_the_content(
            self, two_stores: tuple[Store, Store]) -> None:
        batched, single = two_stores
        changes = [link("BC:1", "BC:CAPU:C 1", "BC:SFU", "S 1", version=1), Removal("BC:1", 2),
                   rule("BC:1", version=1), Removal("BC:1", 3)]
        assert _apply(batched, "rules", changes, one_by_one=False) == [True, True, False, True]
        assert _apply(single, "rules", changes, one_by_one=True) == [True, True, False, True]
        assert rows(batched) == rows(single)
