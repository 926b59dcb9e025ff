"""SQL stores: migrations create and keep the schema; failures are the store's errors."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text
from structlog.testing import capture_logs

from hub.domain.model import GrantKind, Rule
from hub.store.errors import StoreCorrupt, StoreUnavailable, StoreUrlInvalid
from hub.store.factory import normalise_url, open_store
from hub.store.ports import Removal, Store
from hub.store.sql.migrate import alembic_config, current_revision, upgrade
from hub.store.sql.tables import metadata
from tests.contract.builders import link as chain_link
from tests.contract.builders import rule


@pytest.fixture
def engine(sql_url: str) -> Iterator[Engine]:
    """A plain engine on the same database, to look at it from outside the store."""
    plain = create_engine(normalise_url(sql_url))
    yield plain
    plain.dispose()


def _chain() -> list[Rule]:
    """ON:SENE:IPC144 to CAPU CSCI 110, and CSCI 110 on to UBCV: one two-rule chain."""
    return [chain_link("BC:X", "ON:SENE:IPC144", "BC:CAPU", "csci  110"),
            chain_link("BC:Y", "BC:CAPU:CSCI 110", "BC:UBCV")]


def _store_with(sql_url: str, records: list[Rule | Removal]) -> Store:
    """The store at ``sql_url``, open, with ``records`` applied and committed."""
    store = open_store(sql_url)
    with store.unit_of_work() as uow:
        uow.equivalencies.apply_rules(records)
        uow.commit()
    return store


def head() -> str | None:
    """The newest revision of the hub's migrations."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


class TestMigrations:
    """Opening a store brings the schema to head, once, without losing data."""

    def test_fresh_database_is_upgraded_to_head(self, sql_url: str, engine: Engine) -> None:
        assert current_revision(engine) is None
        open_store(sql_url).close()
        assert current_revision(engine) == head() == "0008"

    def test_migrations_build_exactly_the_tables_the_code_uses(
            self, sql_url: str, engine: Engine) -> None:
        open_store(sql_url).close()
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []

    def test_reopening_keeps_the_data(self, sql_url: str) -> None:
        store = open_store(sql_url)
        with store.unit_of_work() as uow:
            uow.equivalencies.upsert_rule(rule("BC:1"))
            uow.ledger.save_offset("hub", "t", 0, 7)
            uow.commit()
        store.close()
        store = open_store(sql_url)
        with store.reader() as repo:
            assert [r.id for r in repo.rules_from(["BC:CAPU:ENGL 100"])] == ["BC:1"]
        with store.unit_of_work() as uow:
            assert uow.ledger.offsets("hub") == {("t", 0): 7}
        store.close()

    def test_hubs_starting_together_upgrade_once(self, sql_url: str, engine: Engine) -> None:
        with ThreadPoolExecutor(max_workers=4) as pool:
            stores = list(pool.map(lambda _: open_store(sql_url), range(4)))
        for store in stores:
            store.close()
        assert current_revision(engine) == head()

    def test_upgrading_a_0001_database_keeps_and_fills_its_rules(
            self, sql_url: str, engine: Engine) -> None:
        upgrade(engine, "0001")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO rule (id, version, revoked, receiving_institution, sending, outcome,"
                " alternatives) VALUES ('BC:1', 5, false, 'BC:UBCV', '[\"BC:CAPU:A 1\"]',"
                " 'no_credit', '[]')"))
            conn.execute(text("INSERT INTO rule_sending VALUES ('BC:1', 'BC:CAPU:A 1', 'BC:UBCV')"))
        store = open_store(sql_url)
        with store.reader() as repo:
            assert [(r.id, r.version) for r in repo.rules_from(["BC:CAPU:A 1"])] == [("BC:1", 5)]
        store.close()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version FROM rule_sending")).scalar_one() == 5

    def test_upgrading_a_0002_database_indexes_its_links(
            self, sql_url: str, engine: Engine) -> None:
        store = _store_with(sql_url, [
            *_chain(),
            chain_link("BC:ONE", ("BC:CAPU:CSCI 110", "BC:CAPU:B 2"), "BC:UBCV", any_n=1),
            chain_link("BC:ALL", ("BC:CAPU:CSCI 110", "BC:CAPU:B 2"), "BC:UBCV"),
            chain_link("BC:NO", "BC:CAPU:CSCI 110", "BC:UBCV", outcome=GrantKind.NO_CREDIT),
            chain_link("BC:GONE", "BC:CAPU:CSCI 110", "BC:UBCV"),
            Removal("BC:GONE", 2)])
        with store.reader() as repo:
            expected = repo.chains_to(["ON:SENE:IPC144"], "BC:UBCV")
        store.close()
        assert expected == {"ON:SENE:IPC144": [("BC:X", "BC:ONE"), ("BC:X", "BC:Y")]}
        with engine.begin() as conn:
            indexed = conn.execute(text("SELECT * FROM rule_link ORDER BY rule_id")).all()
            command.downgrade(alembic_config(conn), "0002")
        store = open_store(sql_url)  # upgrades to head, filling rule_link from the rules
        with store.reader() as repo:
            assert repo.chains_to(["ON:SENE:IPC144"], "BC:UBCV") == expected
        store.close()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT * FROM rule_link ORDER BY rule_id")).all() == indexed

    def test_upgrading_a_0004_database_keeps_every_rule_and_its_index_rows(
            self, sql_url: str, engine: Engine) -> None:
        _store_with(sql_url, [*_chain(), rule("BC:1"), rule("BC:GONE"),
                              Removal("BC:GONE", 2)]).close()
        tables = ("rule", "rule_sending", "rule_link")
        with engine.begin() as conn:
            before = {name: conn.execute(text(f"SELECT * FROM {name} ORDER BY 1, 2")).all()
                      for name in tables}
            command.downgrade(alembic_config(conn), "0004")
        assert all(before.values())
        with capture_logs() as logs:
            store = open_store(sql_url)  # 0005 rebuilds rule on SQLite
        assert {"event": "store schema upgrade", "from_revision": "0004",
                "to_revision": head(), "log_level": "info"} in logs
        with store.reader() as repo:
            assert repo.chains_to(["ON:SENE:IPC144"], "BC:UBCV") == {
                "ON:SENE:IPC144": [("BC:X", "BC:Y")]}
            assert [r.id for r in repo.rules_from(["BC:CAPU:ENGL 100"])] == ["BC:1"]
        store.close()
        with engine.connect() as conn:
            after = {name: conn.execute(text(f"SELECT * FROM {name} ORDER BY 1, 2")).all()
                     for name in tables}
            if conn.dialect.name == "sqlite":
                ddl = conn.execute(text(
                    "SELECT sql FROM sqlite_master WHERE name = 'rule'")).scalar_one()
                assert ddl.rstrip().endswith("WITHOUT ROWID")
        assert after == before

    def test_upgrading_a_0005_database_keeps_its_rows_and_widens_versions(
            self, sql_url: str, engine: Engine) -> None:
        _store_with(sql_url, [*_chain(), rule("BC:1"), Removal("BC:GONE", 2)]).close()
        tables = ("rule", "rule_sending", "rule_link", "province_stats")
        with engine.begin() as conn:
            before = {name: conn.execute(text(f"SELECT * FROM {name} ORDER BY 1, 2")).all()
                      for name in tables}
            command.downgrade(alembic_config(conn), "0005")
        store = open_store(sql_url)  # 0006 widens the columns on PostgreSQL
        with engine.connect() as conn:
            assert {name: conn.execute(text(f"SELECT * FROM {name} ORDER BY 1, 2")).all()
                    for name in tables} == before
        with store.unit_of_work() as uow:
            assert uow.equivalencies.upsert_rule(rule("BC:1", version=2**40))
            uow.commit()
        with store.reader() as repo:
            assert [r.version for r in repo.rules_from(["BC:CAPU:ENGL 100"])] == [2**40]
        store.close()

    def test_database_from_a_newer_hub_is_refused(self, sql_url: str, engine: Engine) -> None:
        open_store(sql_url).close()
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(StoreCorrupt, match="9999"):
            open_store(sql_url)


class TestOpening:
    """URLs map to stores; what cannot be opened says why and whether to retry."""

    def test_default_is_a_sqlite_file_under_dot_transferhub(
            self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        open_store().close()
        assert (tmp_path / ".transferhub" / "hub.db").is_file()

    @pytest.mark.parametrize("url", ["postgresql://u@h/db", "postgres://u@h/db",
                                     "postgresql+psycopg://u@h/db"])
    def test_postgres_urls_use_psycopg_3(self, url: str) -> None:
        assert normalise_url(url) == "postgresql+psycopg://u@h/db"

    @pytest.mark.parametrize("url", ["mysql://u@h/db", "sqlite://", "nonsense"])
    def test_unsupported_url_is_refused(self, url: str) -> None:
        with pytest.raises(StoreUrlInvalid) as caught:
            open_store(url)
        assert not caught.value.retryable

    def test_unreachable_postgres_is_retryable(self) -> None:
        # Port 9 (discard) has nothing listening here: the connection is refused.
        with pytest.raises(StoreUnavailable) as caught:
            open_store("postgresql://postgres:secret@127.0.0.1:9/none")
        assert caught.value.retryable
        assert "secret" not in str(caught.value)

    def test_a_file_that_is_not_a_database_is_corrupt(self, tmp_path: Path) -> None:
        path = tmp_path / "hub.db"
        path.write_bytes(b"this is not a database, " * 100)
        with pytest.raises(StoreCorrupt) as caught:
            open_store(f"sqlite:///{path}")
        assert not caught.value.retryable

    def test_sqlite_runs_in_wal_mode(self, tmp_path: Path) -> None:
        path = tmp_path / "hub.db"
        open_store(f"sqlite:///{path}").close()
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
