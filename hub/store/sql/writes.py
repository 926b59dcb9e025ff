"""Version-checked batched writes: a batch of changes in a handful of statements.

For a batch: one select of the stored versions, the order of the batch
replayed in Python (:func:`hub.domain.model.supersedes`) to find each item's
flag and each entity's winner, then one multi-row upsert per kind of change
and, for the winners only, a replacement of their index rows
(``rule_sending``, ``stack_link``). The upsert re-checks the version in its
``ON CONFLICT … WHERE`` so a concurrent writer on PostgreSQL can never make an
older version win; ``RETURNING`` says which rows really changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, delete, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite

from hub.domain.model import Credential, Institution, Rule, supersedes
from hub.store.ports import Removal
from hub.store.sql import tables as t
from hub.store.sql.codec import credential_values, institution_values, rule_values
from hub.store.sql.reads import chunks

Values = dict[str, Any]


@dataclass(frozen=True, slots=True)
class EntityKind:
    """How one versioned entity is written: its table, tombstone flag and index rows."""

    table: Table
    removed: str | None
    values: Callable[[Any], Values]
    tombstone: Callable[[Removal], Values]
    children: Table | None = None
    child_key: str = ""
    child_rows: Callable[[Any], list[Values]] = lambda _: []


TOMBSTONE_KIND = ""  # a credential retired before the hub ever saw it


def _credential_tombstone(removal: Removal) -> Values:
    institution = ":".join(removal.id.split(":", 2)[:2])
    return {"id": removal.id, "institution": institution, "kind": TOMBSTONE_KIND, "title": "",
            "version": removal.version, "retired": True}


def _rule_tombstone(removal: Removal) -> Values:
    return {"id": removal.id, "version": removal.version, "revoked": True,
            "receiving_institution": "", "sending": "[]", "outcome": "no_credit",
            "alternatives": "[]"}


def _stack_rows(cred: Credential) -> list[Values]:
    if cred.retired:
        return []
    targets = {link.target: link.value for link in cred.stacks_into}
    return [{"credential_id": cred.id, "target": k, "value": v} for k, v in targets.items()]


def _sending_rows(rule: Rule) -> list[Values]:
    if rule.revoked:
        return []
    return [{"rule_id": rule.id, "credential_id": c,
             "receiving_institution": rule.receiving_institution}
            for c in dict.fromkeys(rule.sending)]


INSTITUTIONS = EntityKind(t.institution, None, institution_values, lambda _: {})
CREDENTIALS = EntityKind(t.credential, "retired", credential_values, _credential_tombstone,
                         t.stack_link, "credential_id", _stack_rows)
RULES = EntityKind(t.rule, "revoked", rule_values, _rule_tombstone,
                   t.rule_sending, "rule_id", _sending_rows)


def _is_removal(kind: EntityKind, item: object) -> bool:
    return isinstance(item, Removal) or bool(kind.removed and getattr(item, kind.removed))


@cache
def _statements(dialect: str, kind: EntityKind) -> tuple[Any, Any, Any, Any]:
    """(stored versions, upsert, tombstone upsert, delete index rows) for a dialect."""
    table = kind.table
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    removed = table.c[kind.removed] if kind.removed else None
    versions = select(table.c.id, table.c.version,
                      removed if removed is not None else true()).where(
        table.c.id.in_(bindparam("ids", expanding=True)))

    def upsert(columns: list[str]) -> Any:
        stmt = insert(table)
        newer = table.c.version < stmt.excluded.version
        if removed is not None:
            # Same version: a removal wins over an upsert, never the reverse.
            newer = or_(newer, and_(table.c.version == stmt.excluded.version,
                                    stmt.excluded[kind.removed] == true(), removed != true()))
        return stmt.on_conflict_do_update(
            index_elements=[table.c.id],
            set_={name: stmt.excluded[name] for name in columns},
            where=newer,
        ).returning(table.c.id)

    everything = [c.name for c in table.columns if c.name != "id"]
    tombstone = upsert(["version", kind.removed]) if kind.removed else None
    drop = None
    if kind.children is not None:
        key = kind.children.c[kind.child_key]
        drop = delete(kind.children).where(key.in_(bindparam("ids", expanding=True)))
    return versions, upsert(everything), tombstone, drop


def apply_versioned(conn: Connection, kind: EntityKind, items: Sequence[Any]) -> list[bool]:
    """Apply ``items`` (entities or ``Removal``s) in order; True where one changed the store."""
    if not items:
        return []
    versions, upsert, tombstone, drop = _statements(conn.dialect.name, kind)
    stored: dict[str, tuple[int, bool]] = {}
    for part in chunks(list({item.id: None for item in items})):
        for key, version, removed in conn.execute(versions, {"ids": part}):
            stored[key] = (version, bool(removed) if kind.removed else False)
    existed = set(stored)
    flags: list[bool] = []
    winners: dict[str, int] = {}
    for index, item in enumerate(items):
        change = (item.version, _is_removal(kind, item))
        old = stored.get(item.id)
        applies = old is None or supersedes(change[0], change[1], old[0], old[1])
        flags.append(applies)
        if applies:
            stored[item.id] = change
            winners[item.id] = index
    if not winners:
        return flags
    chosen = [items[i] for i in winners.values()]
    full = [kind.values(item) for item in chosen if not isinstance(item, Removal)]
    bare = [kind.tombstone(item) for item in chosen if isinstance(item, Removal)]
    changed: set[str] = set()
    for rows, stmt in ((full, upsert), (bare, tombstone)):
        for part in chunks(rows, 1000):
            changed.update(conn.execute(stmt, part).scalars())
    for key, index in winners.items():
        if key not in changed:  # a concurrent writer stored a newer version first
            flags[index] = False
    if kind.children is not None:
        _replace_children(conn, kind, drop, [k for k in changed if k in existed],
                          [item for item in chosen if item.id in changed])
    return flags


def _replace_children(conn: Connection, kind: EntityKind, drop: Any, stale: list[str],
                      chosen: list[Any]) -> None:
    for part in chunks(stale):
        conn.execute(drop, {"ids": part})
    rows = [row for item in chosen if not isinstance(item, Removal)
            for row in kind.child_rows(item)]
    assert kind.children is not None
    for part in chunks(rows, 1000):
        conn.execute(kind.children.insert(), part)


def apply_institutions(conn: Connection, items: Sequence[Institution]) -> list[bool]:
    """Upsert institutions in order; one flag per item."""
    return apply_versioned(conn, INSTITUTIONS, items)


def apply_credentials(conn: Connection, items: Sequence[Credential | Removal]) -> list[bool]:
    """Upsert or retire credentials in order; one flag per item."""
    return apply_versioned(conn, CREDENTIALS, items)


def apply_rules(conn: Connection, items: Sequence[Rule | Removal]) -> list[bool]:
    """Upsert or revoke rules in order; one flag per item."""
    return apply_versioned(conn, RULES, items)
