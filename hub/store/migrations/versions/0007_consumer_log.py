"""``consumer_log``: the broker log each consumer group's offsets count positions in.

A group's offsets are positions in one broker's log. The embedded broker keeps
its log in memory: restarted, it starts every partition again from 0, and a
read past a partition's end answers nothing rather than an error, so a store
holding the old positions would skip the new log's first events. The hub
records the cluster id its offsets were read from (the embedded broker takes a
new one each start) and drops the group's offsets when the log changes.
A store from before this revision has no row: its offsets are kept, and the
first cluster seen is adopted.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``consumer_log``."""
    op.create_table(
        "consumer_log",
        sa.Column("consumer_group", sa.String(128), nullable=False),
        sa.Column("cluster_id", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("consumer_group"),
    )


def downgrade() -> None:
    """Drop ``consumer_log``."""
    op.drop_table("consumer_log")
