"""Reads answer the same on a PostgreSQL database whose collation is a language's.

The test database sorts text as ``C``; production databases are often created
with ``en_US.UTF-8`` or an ICU locale, where punctuation and case sort
otherwise. The province filter of ``equivalents`` was a range of text
(``>= 'BC:'`` and ``< 'BC;'``): under ICU's en-US, ``;`` sorts before ``:`` and the
range held nothing, so ``transferhub equivalents … --to BC`` answered no rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from hub.store.ports import Store
from tests.conftest import PG_ADMIN_URL
from tests.contract.builders import rule
from tests.contract.test_store_reads import write


@pytest.fixture
def icu_store(admin: Any) -> Iterator[Store]:
    """A store on a fresh PostgreSQL database collated by ICU's en-US."""
    import psycopg

    from hub.store.factory import open_store

    name = f"th_icu_{uuid.uuid4().hex[:10]}"
    try:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 LOCALE_PROVIDER icu '
                      "ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'")
    except psycopg.Error as exc:   # a server built without ICU
        pytest.skip(f"this PostgreSQL cannot make an ICU database: {exc}")
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    store = open_store(f"{base}/{name}")
    try:
        yield store
    finally:
        store.close()
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = %s", (name,))
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.mark.postgres
class TestLanguageCollation:
    """A language's collation changes no answer."""

    def test_equivalents_by_province(self, icu_store: Store) -> None:
        engl = "BC:CAPU:ENGL 100"
        write(icu_store, rule("BC:1", (engl,), to="BC:UBCV"), rule("BC:2", (engl,), to="BC:SFU"),
              rule("SK:1", (engl,), to="SK:USASK"), rule("BC:3", (engl,), to="BC:UBCO"))
        with icu_store.reader() as repo:
            assert [r.id for r in repo.equivalents(engl, "BC")] == ["BC:1", "BC:2", "BC:3"]
            assert [r.id for r in repo.equivalents(engl, "SK")] == ["SK:1"]
            assert repo.equivalents(engl, "B") == []   # a prefix of a province is none

    def test_rules_come_in_code_point_order(self, icu_store: Store) -> None:
        engl = "BC:CAPU:ENGL 100"
        write(icu_store, *(rule(rid, (engl,)) for rid in ("BC:a-2", "BC:B1", "BC:a1", "BC:_9")))
        with icu_store.reader() as repo:
            assert [r.id for r in repo.equivalents(engl)] == sorted(
                ["BC:a-2", "BC:B1", "BC:a1", "BC:_9"])
