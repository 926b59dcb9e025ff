"""Rule versions on ``rule_sending``, so a query finds (rule, version) from the index alone.

Readers reuse rules decoded before, by (id, version); with the version in the
``(credential_id, receiving_institution, version)`` index they learn which
rules a transcript names without reading the rules themselves.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add and fill ``rule_sending.version``; widen the credential index with it."""
    op.add_column("rule_sending",
                  sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE rule_sending SET version ="
               " (SELECT rule.version FROM rule WHERE rule.id = rule_sending.rule_id)")
    op.drop_index("ix_rule_sending_credential_receiving", "rule_sending")
    op.create_index("ix_rule_sending_credential_receiving", "rule_sending",
                    ["credential_id", "receiving_institution", "version"])


def downgrade() -> None:
    """Back to the index without versions."""
    op.drop_index("ix_rule_sending_credential_receiving", "rule_sending")
    op.create_index("ix_rule_sending_credential_receiving", "rule_sending",
                    ["credential_id", "receiving_institution"])
    op.drop_column("rule_sending", "version")
