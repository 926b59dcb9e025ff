"""The initial schema: the equivalency model and the ingest ledger.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.store.sql.types import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create every table and index of the store."""
    op.create_table(
        "institution",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("province", sa.String(2), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("credit_unit", sa.String(), nullable=False),
        sa.Column("standard_course", sa.Float(), nullable=False),
        sa.Column("grading", sa.String(), nullable=True),
        sa.Column("sector", sa.String(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_institution_province", "institution", ["province"])
    op.create_table(
        "credential",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("institution", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("subject", sa.String(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("stacks_into", sa.String(), nullable=True),
        sa.Column("competencies", sa.String(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_credential_institution", "credential", ["institution"])
    op.create_table(
        "stack_link",
        sa.Column("credential_id", sa.String(64),
                  sa.ForeignKey("credential.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("target", sa.String(64), primary_key=True),
        sa.Column("value", sa.Float(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_stack_link_target", "stack_link", ["target"])
    op.create_table(
        "rule",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("receiving_institution", sa.String(16), nullable=False),
        sa.Column("sending", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("any_n", sa.Integer(), nullable=True),
        sa.Column("min_grade", sa.String(), nullable=True),
        sa.Column("effective_start", sa.Date(), nullable=True),
        sa.Column("effective_end", sa.Date(), nullable=True),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("notation", sa.String(), nullable=True),
        sa.Column("alternatives", sa.String(), nullable=False),
    )
    op.create_table(
        "rule_sending",
        sa.Column("rule_id", sa.String(128),
                  sa.ForeignKey("rule.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("credential_id", sa.String(64), primary_key=True),
        sa.Column("receiving_institution", sa.String(16), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_rule_sending_credential_receiving", "rule_sending",
                    ["credential_id", "receiving_institution"])
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("province", sa.String(2), nullable=False),
        sa.Column("entity_key", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("applied_at", UtcDateTime(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "consumer_offset",
        sa.Column("consumer_group", sa.String(128), primary_key=True),
        sa.Column("topic", sa.String(255), primary_key=True),
        sa.Column("partition", sa.Integer(), primary_key=True),
        sa.Column("next_offset", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "dead_letter",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=True),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("province", sa.String(2), nullable=True),
        sa.Column("event_id", sa.String(128), nullable=True),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("replayed", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_dead_letter_replayed", "dead_letter", ["replayed"])
    op.create_table(
        "province_stats",
        sa.Column("province", sa.String(2), primary_key=True),
        sa.Column("applied", sa.Integer(), nullable=False),
        sa.Column("duplicate", sa.Integer(), nullable=False),
        sa.Column("stale", sa.Integer(), nullable=False),
        sa.Column("dead_lettered", sa.Integer(), nullable=False),
        sa.Column("last_event_at", UtcDateTime(), nullable=True),
    )


def downgrade() -> None:
    """Drop everything (a development convenience; the hub never downgrades itself)."""
    for table in ("province_stats", "dead_letter", "consumer_offset", "inbox", "rule_sending",
                  "rule", "stack_link", "credential", "institution"):
        op.drop_table(table)
