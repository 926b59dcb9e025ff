"""``rule_link``: links of inferred pathways, so a query reads only chains that arrive.

The transfer query's suggestions used to read every rule leaving a credential,
then every rule leaving what those granted; this table lets one join find the
rule ids of complete chains into the receiving institution. Existing rules are
indexed here, in pages by id.

The rule of what a link is (:mod:`hub.domain.links`) is repeated here on the
stored JSON, not imported: a migration must keep meaning what it meant.

Revision ID: 0003
Revises: 0002
Create Date: 2026-01-03
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PAGE = 10_000
_NOT_GRANTING = ("no_credit", "assessment")


def _link_rows(rule: Any) -> Iterator[dict[str, str]]:
    """The ``rule_link`` rows of one stored, unrevoked rule (none unless it is a link)."""
    sending = list(dict.fromkeys(json.loads(rule.sending)))
    alternatives = json.loads(rule.alternatives)
    if (rule.outcome in _NOT_GRANTING or not alternatives
            or not (len(sending) == 1 or rule.any_n == 1)):
        return
    # A grant is [kind, credits, code, …] (hub.store.sql.codec); codes as credential ids do.
    granted = sorted({f"{rule.receiving_institution}:{' '.join(g[2].upper().split())}"
                      for alt in alternatives for g in alt
                      if g[0] == "course" and len(g) > 2 and g[2]}) or [""]
    for cid in sending:
        for target in granted:
            yield {"sending_credential": cid, "receiving_institution": rule.receiving_institution,
                   "granted_credential": target, "rule_id": rule.id, "version": rule.version}


def upgrade() -> None:
    """Create ``rule_link`` and fill it from the unrevoked rules."""
    link = op.create_table(
        "rule_link",
        sa.Column("sending_credential", sa.String(64), primary_key=True),
        sa.Column("receiving_institution", sa.String(16), primary_key=True),
        sa.Column("granted_credential", sa.String(), primary_key=True),
        sa.Column("rule_id", sa.String(128),
                  sa.ForeignKey("rule.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_rule_link_rule_id", "rule_link", ["rule_id"])
    rule = sa.table("rule", *(sa.column(name) for name in (
        "id", "version", "revoked", "sending", "any_n", "outcome", "alternatives",
        "receiving_institution")))
    page = (sa.select(rule).where(rule.c.id > sa.bindparam("after"), rule.c.revoked == sa.false())
            .order_by(rule.c.id).limit(PAGE))
    conn = op.get_bind()
    after = ""
    while True:
        rules = conn.execute(page, {"after": after}).all()
        if not rules:
            break
        rows = [row for r in rules for row in _link_rows(r)]
        if rows:
            conn.execute(sa.insert(link), rows)
        after = rules[-1].id


def downgrade() -> None:
    """Drop ``rule_link``."""
    op.drop_index("ix_rule_link_rule_id", "rule_link")
    op.drop_table("rule_link")
