"""The PostgreSQL store on databases set up as operators set them up, not as the test one is.

The test database is reached as the superuser with the server's defaults. Production
databases have a role that may not own its database (PostgreSQL 15 grants no CREATE on
schema ``public`` to all), defaults an operator set (``ALTER DATABASE … SET DateStyle``,
``default_transaction_read_only``), and a password in the store URL.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import make_url

from hub.ingest.deliveries import Delivery, read
from hub.ingest.isolating import apply_isolating
from hub.store.errors import StoreRefused
from hub.store.factory import open_store
from tests.integration.ingest_helpers import rule, upserted


@pytest.fixture
def role(admin: object) -> Iterator[str]:
    """A login role with no privilege beyond PUBLIC's, dropped afterwards."""
    name = f"th_role_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE ROLE "{name}" LOGIN')   # type: ignore[attr-defined]
    try:
        yield name
    finally:
        admin.execute(f'DROP ROLE IF EXISTS "{name}"')   # type: ignore[attr-defined]


def _database(pg_url: str) -> str:
    return str(make_url(pg_url).database)


@pytest.mark.postgres
class TestOperatorsDatabases:

    def test_a_role_that_may_not_create_tables_is_refused_clearly(
            self, pg_url: str, role: str) -> None:
        url = make_url(pg_url).set(username=role).render_as_string(hide_password=False)
        with pytest.raises(StoreRefused, match="permission denied for schema public"):
            open_store(url)

    def test_a_read_only_database_is_refused_clearly(self, pg_url: str, admin: object) -> None:
        admin.execute(f'ALTER DATABASE "{_database(pg_url)}" '   # type: ignore[attr-defined]
                      "SET default_transaction_read_only = on")
        with pytest.raises(StoreRefused, match="read-only"):
            open_store(pg_url)

    def test_a_database_whose_datestyle_is_not_iso_reads_times(
            self, pg_url: str, admin: object) -> None:
        admin.execute(f'ALTER DATABASE "{_database(pg_url)}" '   # type: ignore[attr-defined]
                      "SET DateStyle = 'SQL, DMY'")
        store = open_store(pg_url)
        at = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
        try:
            with store.unit_of_work() as uow:
                uow.ledger.bump_stats("BC", applied=1, last_event_at=at)
                uow.commit()
            with store.unit_of_work() as uow:
                assert uow.ledger.stats()["BC"]["last_event_at"] == at
        finally:
            store.close()

    def test_a_short_statement_timeout_does_not_cancel_the_ingest_for_ever(
            self, pg_url: str, admin: object) -> None:
        """An operator's ``statement_timeout`` shorter than a batch's statements cancelled
        every try of the same batch: the ingest retried it for ever."""
        admin.execute(f'ALTER DATABASE "{_database(pg_url)}" '   # type: ignore[attr-defined]
                      "SET statement_timeout = '1ms'")
        store = open_store(pg_url)   # the migrations are the writer's too
        try:
            batch = read([Delivery("transferhub.events.bc", 0, i, key, value)
                          for i, (_, key, value)
                          in enumerate(upserted(rule(n), 1) for n in range(1, 3001))])
            report = apply_isolating(store, "g", batch)
            assert report.counts()["BC"]["applied"] == 3000
            with store.unit_of_work() as uow:
                assert uow.equivalencies.counts()["rules"] == 3000
        finally:
            store.close()

    def test_a_role_the_database_refuses_dead_letters_no_event(
            self, pg_url: str, role: str, admin: object) -> None:
        """Tables made by another role, this one granted rows but not TEMP on the database
        (revoked from PUBLIC): every event was dead-lettered as ``store_rejected``."""
        open_store(pg_url).close()   # the schema, made by its owner
        database = _database(pg_url)
        admin.execute(f'REVOKE TEMP ON DATABASE "{database}" FROM PUBLIC')   # type: ignore[attr-defined]
        import psycopg

        owner = psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True)
        try:
            owner.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public '
                          f'TO "{role}"')
            owner.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
        finally:
            owner.close()
        url = make_url(pg_url).set(username=role).render_as_string(hide_password=False)
        store = open_store(url)
        try:
            batch = read([Delivery("transferhub.events.bc", 0, i, key, value) for i, (_, key, value)
                          in enumerate(upserted(rule(n), 1) for n in range(1, 9))])
            with pytest.raises(Exception, match="permission denied"):
                apply_isolating(store, "g", batch)
            with store.unit_of_work() as uow:
                assert uow.ledger.dead_letters() == []
                assert uow.ledger.offsets("g") == {}
        finally:
            store.close()
            # the role's privileges go before the role (dropped by its fixture)
            owner = psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True)
            owner.execute(f'DROP OWNED BY "{role}"')
            owner.close()


def test_serve_never_prints_the_stores_password() -> None:
    """A store URL's password stays out of what ``serve`` prints (the store cannot be
    reached here: nothing listens on port 1)."""
    done = subprocess.run(
        [sys.executable, "-m", "transferhub.cli.main", "serve",
         "--db", "postgresql://hub:s3cr3t-pw@127.0.0.1:1/hub", "--grpc", "127.0.0.1:0",
         "--metrics", "", "--kafka", "127.0.0.1:1"],
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stderr
    assert "127.0.0.1:1/hub" in done.stderr
    assert "s3cr3t-pw" not in done.stdout + done.stderr
