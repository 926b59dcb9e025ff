"""Version-checked batched writes: a batch of changes in a handful of statements.

For a batch: one select of the stored versions (all keys in one statement),
the order of the batch replayed in Python (:func:`hub.domain.model.supersedes`)
to find each item's flag and each entity's winner, then one upsert per kind of
change (:func:`hub.store.sql.bulk.insert_rows`: ``executemany`` on SQLite,
``COPY`` and one ``INSERT … SELECT`` on PostgreSQL) and, for the winners only,
a replacement of their index rows (``rule_sending`` and ``rule_link``,
``stack_link``), deleted only for entities that existed before. The upsert
re-checks the version in its ``ON CONFLICT … WHERE`` so a concurrent writer
on PostgreSQL can never make an older version win; there ``RETURNING`` says
which rows really changed.

The rows equal those single writes in order would leave: a retirement or
revocation flags the row it finds (version and flag only, the content kept),
so one that wins over an upsert of the same batch is written as that upsert's
row, flagged; only a removal of an entity the batch did not upsert goes out
as a tombstone (which, stored, keeps the stored row's content).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Connection, Table

from hub.domain.links import is_link, leads_to
from hub.domain.model import Credential, Grant, GrantKind, Institution, Rule, supersedes
from hub.store.ports import Removal
from hub.store.sql import tables as t
from hub.store.sql.bulk import Row, by_keys, insert_rows
from hub.store.sql.codec import (
    CREDENTIAL_COLUMNS,
    INSTITUTION_COLUMNS,
    RULE_COLUMNS,
    credential_row,
    institution_row,
    rule_row,
)

TOMBSTONE_KIND = ""  # a credential retired before the hub ever saw it


@dataclass(frozen=True, slots=True)
class IndexRows:
    """Rows kept beside an entity for lookups, replaced whenever the entity changes."""

    table: Table
    columns: tuple[str, ...]  # the first holds the entity's id
    rows: Callable[[Any], list[Row]]


@dataclass(frozen=True, slots=True)
class EntityKind:
    """How one versioned entity is written: its table, tombstone flag and index rows."""

    table: Table
    columns: tuple[str, ...]
    removed: str | None
    row: Callable[[Any], Row]
    tombstone: Callable[[Removal], Row]
    children: tuple[IndexRows, ...] = ()


def _credential_tombstone(removal: Removal) -> Row:
    institution = ":".join(removal.id.split(":", 2)[:2])
    return (removal.id, institution, TOMBSTONE_KIND, "", None, None, None, None, None, None,
            None, removal.version, True)


def _rule_tombstone(removal: Removal) -> Row:
    return (removal.id, removal.version, True, "", "[]", "no_credit", None, None, None, None,
            None, None, "[]")


def _stack_rows(cred: Credential) -> list[Row]:
    if cred.retired:
        return []
    targets = {link.target: link.value for link in cred.stacks_into}
    return [(cred.id, target, value) for target, value in targets.items()]


def _sending_rows(rule: Rule) -> list[Row]:
    if rule.revoked:
        return []
    to, version = rule.receiving_institution, rule.version
    return [(rule.id, cid, to, version) for cid in dict.fromkeys(rule.sending)]


@lru_cache(maxsize=50_000)
def _granted(to: str, alternatives: tuple[tuple[Grant, ...], ...]) -> list[str]:
    # Many rules share a receiver and a grant set: where they lead is worked out once.
    granted = leads_to(Rule(id="", version=0, sending=(), receiving_institution=to,
                            outcome=GrantKind.COURSE, alternatives=alternatives))
    return granted or [""]  # "": a link that can only end a chain


def _link_rows(rule: Rule) -> list[Row]:
    if not is_link(rule):
        return []
    to, version = rule.receiving_institution, rule.version
    try:
        granted = _granted(to, rule.alternatives)
    except TypeError:  # not hashable: no memo
        granted = leads_to(rule) or [""]
    return [(rule.id, cid, to, target, version) for cid in dict.fromkeys(rule.sending)
            for target in granted]


INSTITUTIONS = EntityKind(t.institution, INSTITUTION_COLUMNS, None, institution_row,
                          lambda _: ())
CREDENTIALS = EntityKind(t.credential, CREDENTIAL_COLUMNS, "retired", credential_row,
                         _credential_tombstone, (
                             IndexRows(t.stack_link, ("credential_id", "target", "value"),
                                       _stack_rows),))
RULES = EntityKind(t.rule, RULE_COLUMNS, "revoked", rule_row, _rule_tombstone, (
    IndexRows(t.rule_sending, ("rule_id", "credential_id", "receiving_institution", "version"),
              _sending_rows),
    IndexRows(t.rule_link, ("rule_id", "sending_credential", "receiving_institution",
                            "granted_credential", "version"), _link_rows),
))


@cache
def _statements(kind: EntityKind) -> tuple[str, str, str]:
    """(stored versions ``SELECT``, upsert clause, tombstone upsert clause) of ``kind``.

    The clauses are ``ON CONFLICT`` texts that both databases read alike; they
    re-check the version so that a concurrent writer on PostgreSQL can never
    make an older version win.
    """
    table, removed = _q(kind.table.name), kind.removed
    flag = f"{table}.{_q(removed)}" if removed else "FALSE"
    versions = f"SELECT {table}.{_q('id')}, {table}.{_q('version')}, {flag} FROM {table}"
    newer = f"{table}.{_q('version')} < excluded.{_q('version')}"
    if removed:
        # Same version: a removal wins over an upsert, never the reverse.
        newer += (f" OR ({table}.{_q('version')} = excluded.{_q('version')}"
                  f" AND excluded.{_q(removed)} AND NOT {table}.{_q(removed)})")

    def upsert(columns: list[str]) -> str:
        sets = ", ".join(f"{_q(name)} = excluded.{_q(name)}" for name in columns)
        return f"ON CONFLICT ({_q('id')}) DO UPDATE SET {sets} WHERE {newer}"

    tombstone = upsert(["version", removed]) if removed else ""
    return versions, upsert([c for c in kind.columns if c != "id"]), tombstone


def _q(name: str) -> str:
    return '"' + name + '"'


def apply_versioned(conn: Connection, kind: EntityKind, items: Sequence[Any]) -> list[bool]:
    """Apply ``items`` (entities or ``Removal``s) in order; True where one changed the store."""
    if not items:
        return []
    versions, upsert, tombstone = _statements(kind)
    stored: dict[str, tuple[int, bool]] = {
        key: (version, bool(removed)) for key, version, removed
        in by_keys(conn, versions, kind.table, "id", {item.id: None for item in items})}
    existed = set(stored)
    flags: list[bool] = []
    winners: dict[str, int] = {}
    content: dict[str, Any] = {}  # each entity's last applied upsert in this batch
    removed = kind.removed
    for index, item in enumerate(items):
        bare_removal = isinstance(item, Removal)
        change = (item.version, bare_removal or bool(removed and getattr(item, removed)))
        old = stored.get(item.id)
        applies = old is None or supersedes(change[0], change[1], old[0], old[1])
        flags.append(applies)
        if applies:
            stored[item.id] = change
            winners[item.id] = index
            if not bare_removal:
                content[item.id] = item
    if not winners:
        return flags
    chosen = [items[i] for i in winners.values()]
    full = [kind.row(item) for item in chosen if not isinstance(item, Removal)]
    bare: list[Row] = []
    for item in chosen:
        if isinstance(item, Removal):
            upserted = content.get(item.id)
            if upserted is None:  # the stored row (if any) keeps its content
                bare.append(kind.tombstone(item))
            else:  # one by one, the removal would flag the upsert's row
                full.append(_removed_row(kind, kind.row(upserted), item))
    changed = _upsert(conn, kind, full, upsert) | _upsert(conn, kind, bare, tombstone)
    for key, index in winners.items():
        if key not in changed:  # a concurrent writer stored a newer version first
            flags[index] = False
    written = [item for item in chosen if item.id in changed and not isinstance(item, Removal)]
    replaced = [key for key in changed if key in existed]
    for child in kind.children:
        table, key = child.table, child.columns[0]
        by_keys(conn, f"DELETE FROM {_q(table.name)}", table, key, replaced)
        insert_rows(conn, table, child.columns,
                    [row for item in written for row in child.rows(item)])
    return flags


def _removed_row(kind: EntityKind, row: Row, removal: Removal) -> Row:
    """``row`` as a removal at ``removal.version`` leaves it: flagged, content kept.

    What ``tombstone``'s ``ON CONFLICT`` does to a stored row, done to a row
    an earlier change of the same batch would have stored.
    """
    values = list(row)
    values[kind.columns.index("version")] = removal.version
    values[kind.columns.index(kind.removed)] = True  # type: ignore[arg-type]
    return tuple(values)


def _upsert(conn: Connection, kind: EntityKind, rows: list[Row], conflict: str) -> set[str]:
    """The ids of ``rows`` the version-guarded upsert wrote.

    On SQLite the writer holds the database's write lock from its first
    statement, so the versions read before are still true and every row is
    written; on PostgreSQL ``RETURNING`` says which rows the guard let through.
    """
    if not rows:
        return set()
    found = insert_rows(conn, kind.table, kind.columns, rows, conflict, returning="id")
    return {row[0] for row in rows} if conn.dialect.name == "sqlite" else set(found)


def apply_institutions(conn: Connection, items: Sequence[Institution]) -> list[bool]:
    """Upsert institutions in order; one flag per item."""
    return apply_versioned(conn, INSTITUTIONS, items)


def apply_credentials(conn: Connection, items: Sequence[Credential | Removal]) -> list[bool]:
    """Upsert or retire credentials in order; one flag per item."""
    return apply_versioned(conn, CREDENTIALS, items)


def apply_rules(conn: Connection, items: Sequence[Rule | Removal]) -> list[bool]:
    """Upsert or revoke rules in order; one flag per item."""
    return apply_versioned(conn, RULES, items)
