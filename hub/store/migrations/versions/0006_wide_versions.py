"""On PostgreSQL, versions and ingest counters become 64-bit (``BIGINT``).

The events carry a province's version as ``int64``: a province that versions
its records by time (epoch milliseconds) sends versions past 2**31, which a
32-bit ``INTEGER`` column refused, so such an event ended as a dead letter on
PostgreSQL while SQLite applied it. The per-province counters of
``transferhub status`` get the same width: at full rate a hub would pass 2**31
events in a day.

SQLite's ``INTEGER`` is already 64-bit: nothing to do there (the tables keep
``INTEGER``, see ``hub.store.sql.tables.WIDE_INT``). On PostgreSQL each
``ALTER`` rewrites its table and the indexes on it, inside the upgrade's one
transaction.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_WIDENED = {
    "institution": ("version",),
    "credential": ("version",),
    "rule": ("version",),
    "rule_sending": ("version",),
    "rule_link": ("version",),
    "inbox": ("version",),
    "province_stats": ("applied", "duplicate", "stale", "dead_lettered"),
}


def _alter(to: sa.types.TypeEngine, was: sa.types.TypeEngine) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in _WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, type_=to, existing_type=was)


def upgrade() -> None:
    """``INTEGER`` to ``BIGINT`` on PostgreSQL."""
    _alter(sa.BigInteger(), sa.Integer())


def downgrade() -> None:
    """Back to ``INTEGER`` (fails if a value no longer fits)."""
    _alter(sa.Integer(), sa.BigInteger())
