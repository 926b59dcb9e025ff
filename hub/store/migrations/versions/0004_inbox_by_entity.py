"""``inbox`` keyed by (entity_key, version, event_id) instead of the event id alone.

Event ids are UUIDv5: random, so each batch's inbox rows landed on as many
different index pages as it had events, and writing those pages was about a
third of the ingest's commit time. Leading with the entity keeps a batch's rows
together. The three columns name exactly what the event id names (an id is
derived from its event type, entity and version), so the inbox answers the
same questions; its rows are copied as they are.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.store.sql.types import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_COLUMNS = "entity_key, version, event_id, province, outcome, applied_at"


def _rebuild(primary_key: list[str]) -> None:
    """Recreate ``inbox`` with ``primary_key``, keeping every row."""
    op.rename_table("inbox", "inbox_previous")
    if op.get_bind().dialect.name == "postgresql":
        # Constraint names are per schema there: free the old one for the new table.
        op.execute("ALTER TABLE inbox_previous RENAME CONSTRAINT inbox_pkey TO inbox_previous_pkey")
    op.create_table(
        "inbox",
        sa.Column("entity_key", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("province", sa.String(2), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("applied_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint(*primary_key, name="inbox_pkey"),
        sqlite_with_rowid=False,
    )
    op.execute(f"INSERT INTO inbox ({_COLUMNS}) SELECT {_COLUMNS} FROM inbox_previous")
    op.drop_table("inbox_previous")


def upgrade() -> None:
    """Key the inbox by entity, version and event id."""
    _rebuild(["entity_key", "version", "event_id"])


def downgrade() -> None:
    """Key the inbox by event id again."""
    _rebuild(["event_id"])
