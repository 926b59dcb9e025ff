"""``dead_letter.replay_claimed_until``: a replay claims the letters it re-drives.

Two replays at once (two hubs on one PostgreSQL, or an operator who ran it
twice) both read the same unreplayed letters and both produced them back to
their topics, so every letter was applied once and counted a duplicate once
more. A replay now claims its letters with one conditional update before it
sends any, and another replay skips what is claimed until the claim runs out
(a replay that died holding it). A store from before this revision has no
claims: every letter is free.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.store.sql.types import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable ``dead_letter.replay_claimed_until``."""
    op.add_column("dead_letter", sa.Column("replay_claimed_until", UtcDateTime(), nullable=True))


def downgrade() -> None:
    """Drop ``dead_letter.replay_claimed_until``."""
    with op.batch_alter_table("dead_letter") as batch:
        batch.drop_column("replay_claimed_until")
