"""On SQLite, ``rule`` becomes a ``WITHOUT ROWID`` table, clustered by rule id.

A rowid table keyed by text is two B-trees: the key's index, which gives the
rowid, and the table, which gives the row. Every rule a query reads by id
(``get_rules``, and the rules ``rules_from`` finds) was two descents, and at a
million rules both land on pages no other rule of the query shares. Clustered
by id, a read is one descent and a write one B-tree instead of two. Measured
in one process on copies of the query benchmark's 1,000,000-rule store, both
vacuumed and queried in turns with the 10,000-rule one: p50 4.23/4.44/4.40 ms
as it was, 4.15/4.11/4.06 ms clustered (p50(1M)/p50(10k) 1.89/1.96/1.88x
against 1.85/1.81/1.73x). Writes did not suffer: two fresh stores filled in
turns, 20,000 rules a batch, wrote 1,000,000 rules at 23,216/s as they were
and 23,704/s clustered.

SQLite cannot change a table to ``WITHOUT ROWID`` in place: the table is
rebuilt. The hub's connections enforce foreign keys, and the migration runs
inside the upgrade's transaction, where that cannot be switched off, so
dropping the old table would delete, by cascade, every ``rule_sending`` and
``rule_link`` row. Their rows are set aside first, in plain tables of the
same file (a temporary table would hold them in memory: ``temp_store=MEMORY``),
and put back once the new ``rule`` has taken the name (their ``REFERENCES
rule`` then names it). All of it is one transaction: a hub stopped halfway
leaves the database as it was. Measured on the query benchmark's 1,000,000-rule
store: 24 s, peak RSS 642 MiB (762 MiB with the rows set aside in memory).

PostgreSQL keeps rows in a heap whatever the key: nothing to do there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_RULE_COLUMNS = """
    id VARCHAR(128) NOT NULL,
    version INTEGER NOT NULL,
    revoked BOOLEAN NOT NULL,
    receiving_institution VARCHAR(16) NOT NULL,
    sending VARCHAR NOT NULL,
    outcome VARCHAR(20) NOT NULL,
    any_n INTEGER,
    min_grade VARCHAR,
    effective_start DATE,
    effective_end DATE,
    notes VARCHAR,
    notation VARCHAR,
    alternatives VARCHAR NOT NULL,
    PRIMARY KEY (id)
"""
_NAMES = ("id, version, revoked, receiving_institution, sending, outcome, any_n, min_grade, "
          "effective_start, effective_end, notes, notation, alternatives")
_CHILDREN = ("rule_sending", "rule_link")


def _rebuild(rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for child in _CHILDREN:
        op.execute(f"CREATE TABLE {child}_kept AS SELECT * FROM {child}")
        op.execute(f"DELETE FROM {child}")
    op.execute(f"CREATE TABLE rule_rebuilt ({_RULE_COLUMNS})"
               + ("" if rowid else " WITHOUT ROWID"))
    op.execute(f"INSERT INTO rule_rebuilt ({_NAMES}) SELECT {_NAMES} FROM rule ORDER BY id")
    op.execute("DROP TABLE rule")
    op.execute("ALTER TABLE rule_rebuilt RENAME TO rule")
    for child in _CHILDREN:
        op.execute(f"INSERT INTO {child} SELECT * FROM {child}_kept")
        op.execute(f"DROP TABLE {child}_kept")


def upgrade() -> None:
    """Cluster ``rule`` by id on SQLite."""
    _rebuild(rowid=False)


def downgrade() -> None:
    """Back to a rowid ``rule`` table on SQLite."""
    _rebuild(rowid=True)
