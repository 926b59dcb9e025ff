"""SQL stores: the query path uses its indexes (the plan, not a stopwatch, is asserted).

Each read is run for real while its SQL is captured, then the same statement
with the same parameters is explained on the same database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, event

from hub.domain.model import Rule, StackLink
from hub.store.factory import open_store
from hub.store.ports import EquivalencyRepository, Removal
from hub.store.sql.unit_of_work import SqlStore
from hub.store.sql.writes import _link_rows
from tests.contract.builders import course, institution, link, rule

TRANSCRIPT = [f"BC:CAPU:C {n}" for n in range(40)]


@pytest.fixture
def sql_store(sql_url: str) -> Iterator[SqlStore]:
    """A SQL store holding a few hundred rules and credentials."""
    store = open_store(sql_url)
    assert isinstance(store, SqlStore)
    with store.unit_of_work() as uow:
        uow.equivalencies.apply_institutions([institution("BC:UBCV"), institution("BC:SFU")])
        uow.equivalencies.apply_credentials(
            [course(f"BC:CAPU:C {n}", stacks_into=(StackLink(f"BC:CAPU:CERT {n % 30}", 3.0),))
             for n in range(300)])
        uow.equivalencies.apply_rules(
            [rule(f"BC:{n}", (f"BC:CAPU:C {n % 300}",), to=("BC:UBCV", "BC:SFU")[n % 2])
             for n in range(600)]
            # links of pathways: CAPU -> SFU -> DOUG -> UBCV
            + [link(f"BC:L{n}", f"BC:CAPU:C {n % 300}", "BC:SFU", f"S {n % 50}")
               for n in range(300)]
            + [link(f"BC:M{n}", f"BC:SFU:S {n % 50}", "BC:DOUG", f"D {n % 20}")
               for n in range(100)]
            + [link(f"BC:N{n}", f"BC:{inst}:{code} {n % 20}", "BC:UBCV")
               for n in range(40) for inst, code in (("SFU", "S"), ("DOUG", "D"))])
        uow.commit()
    with store._writer.connect() as conn:  # what autovacuum / a DBA would have done
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    yield store
    store.close()


def plans(store: SqlStore, read: Callable[[EquivalencyRepository], object]) -> list[str]:
    """The query plan of every statement ``read`` runs, as text."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any,
                _context: Any, _many: bool) -> None:
        captured.append((statement, parameters))

    with store.reader() as repo:
        conn: Connection = repo._conn  # type: ignore[attr-defined]
        event.listen(conn, "before_cursor_execute", capture)
        try:
            read(repo)
        finally:
            event.remove(conn, "before_cursor_execute", capture)
        assert captured, "the read ran no statement"
        found = []
        for statement, parameters in captured:
            if conn.dialect.name == "sqlite":
                rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                found.append("\n".join(str(row[-1]) for row in rows))
            else:
                # A tiny table is cheapest to scan; forbid that to see what the planner can use.
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
                rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
                found.append("\n".join(str(row[0]) for row in rows))
        return found


class TestReadPathIndexes:
    """Transcript-sized reads go through indexes, never a scan of the rules."""

    def test_rules_from_uses_the_credential_receiving_index(self, sql_store: SqlStore) -> None:
        named, *by_id = plans(sql_store, lambda repo: repo.rules_from(TRANSCRIPT, "BC:UBCV"))
        assert "ix_rule_sending_credential_receiving" in named
        for plan in (named, *by_id):  # then whole rows of the rules not decoded before
            assert "SCAN rule\n" not in plan + "\n" and "Seq Scan on rule " not in plan

    def test_rules_from_any_institution_uses_it_too(self, sql_store: SqlStore) -> None:
        named, *_ = plans(sql_store, lambda repo: repo.rules_from(TRANSCRIPT))
        assert "ix_rule_sending_credential_receiving" in named

    def test_equivalents_to_a_province_uses_the_index_range(self, sql_store: SqlStore) -> None:
        named, *_ = plans(sql_store, lambda repo: repo.equivalents("BC:CAPU:C 1", "BC"))
        assert "ix_rule_sending_credential_receiving" in named

    def test_named_by_rules_uses_the_index(self, sql_store: SqlStore) -> None:
        plan, = plans(sql_store, lambda repo: repo.named_by_rules(TRANSCRIPT))
        assert "ix_rule_sending_credential_receiving" in plan

    def test_credentials_and_institutions_by_primary_key(self, sql_store: SqlStore) -> None:
        # (In between, a reader fingerprints the small institution table once.)
        credentials, *_, institution = plans(
            sql_store, lambda repo: (repo.get_credentials(TRANSCRIPT),
                                     repo.get_institution("BC:UBCV")))
        for plan in (credentials, institution):
            assert "SCAN" not in plan.replace("Index Scan", "").replace("Index Only Scan", "")

    def test_stacking_into_uses_the_target_index(self, sql_store: SqlStore) -> None:
        plan, = plans(sql_store, lambda repo: repo.stacking_into("BC:CAPU:CERT 7"))
        assert "ix_stack_link_target" in plan

    def test_chains_to_follows_the_link_key_and_rules_by_id(self, sql_store: SqlStore) -> None:
        def read(repo: EquivalencyRepository) -> None:
            found = repo.chains_to(TRANSCRIPT, "BC:UBCV")
            assert found  # the plan of a query that finds chains
            repo.get_rules({rid for chains in found.values() for c in chains for rid in c})

        chains, by_id = plans(sql_store, read)
        assert "rule_link_pkey" in chains or "USING PRIMARY KEY" in chains
        assert "SCAN l" not in chains and "Seq Scan" not in chains
        assert "SCAN rule" not in by_id and "Seq Scan" not in by_id


class TestIndexRowsFollowTheRules:
    """Index rows are replaced with their rule: none is left behind by a change."""

    def test_index_rows_are_exactly_those_of_the_unrevoked_rules(self, sql_url: str) -> None:
        a, b, c = "BC:CAPU:A 1", "BC:CAPU:B 1", "BC:CAPU:C 1"
        steps: list[list[Rule | Removal]] = [
            [rule("BC:1", (a, b)), link("BC:L", a, "BC:SFU", "S 1"), rule("BC:2", (a,))],
            # the sending set, the receiving institution and where a link leads all change
            [rule("BC:1", (b, c), to="BC:SFU", version=2),
             link("BC:L", (a, b), "BC:DOUG", "D 2", version=2)],
            [Removal("BC:2", 2), rule("BC:1", (c,), version=3), link("BC:L", b, "BC:SFU",
                                                                      version=3)],
            [rule("BC:2", (b, b, c), version=3), Removal("BC:L", 4), Removal("BC:GONE", 1)],
            [link("BC:L", c, "BC:UBCV", "U 1", version=5), rule("BC:1", (a,), version=2)],
        ]
        store = open_store(sql_url)
        assert isinstance(store, SqlStore)
        current: dict[str, Rule | Removal] = {}
        try:
            for number, step in enumerate(steps):
                with store.unit_of_work() as uow:
                    if number % 2:  # batched and one by one: the same writes
                        uow.equivalencies.apply_rules(step)
                    else:
                        for item in step:
                            if isinstance(item, Removal):
                                uow.equivalencies.revoke_rule(item.id, item.version)
                            else:
                                uow.equivalencies.upsert_rule(item)
                    uow.commit()
                for item in step:
                    if item.id not in current or item.version > current[item.id].version:
                        current[item.id] = item
                live = [r for r in current.values() if isinstance(r, Rule)]
                with store._writer.connect() as conn:
                    sending = set(conn.exec_driver_sql(
                        "SELECT credential_id, receiving_institution, rule_id, version "
                        "FROM rule_sending").all())
                    links = set(conn.exec_driver_sql(
                        "SELECT rule_id, sending_credential, receiving_institution, "
                        "granted_credential, version FROM rule_link").all())
                assert sending == {(cid, r.receiving_institution, r.id, r.version)
                                   for r in live for cid in r.sending}, f"after step {number}"
                assert links == {row for r in live for row in _link_rows(r)}, (
                    f"after step {number}")
                assert links, "the links were not exercised"
        finally:
            store.close()


def test_refreshed_statistics_tell_the_planner_what_the_tables_hold(sql_url: str) -> None:
    """PostgreSQL's ANALYZE (a no-op on SQLite): after it, the rule tables are no longer
    the never-analyzed tables the planner guesses about (reltuples -1)."""
    from hub.store.factory import open_store
    from tests.contract.builders import rule
    from tests.contract.test_store_reads import write

    store = open_store(sql_url)
    try:
        write(store, *(rule(f"BC:{n}") for n in range(50)))
        store.refresh_statistics()
        if not sql_url.startswith("postgresql"):
            return
        from sqlalchemy import create_engine, text

        engine = create_engine(sql_url)
        try:
            with engine.connect() as conn:
                rows = dict(conn.execute(text(
                    "select relname, reltuples from pg_class "
                    "where relname in ('rule', 'rule_sending')")).all())
        finally:
            engine.dispose()
        assert rows == {"rule": 50, "rule_sending": 50}
    finally:
        store.close()
