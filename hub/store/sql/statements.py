"""The statements a SQL reader runs, each built once.

SQLAlchemy Core selects for institutions, credentials and rules (``rules_from``
goes through the ``(credential_id, receiving_institution)`` index of
``rule_sending``); the rules by id in the driver's own SQL
(:func:`rules_by_id`); and the walk along ``rule_link`` that finds chains of
rules (:func:`chains_query`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, bindparam, false, func, or_, select, true

from hub.store.sql import tables as t
from hub.store.sql.codec import RULE_READ_COLUMNS
from hub.store.sql.fetch import chunks, driver_rows, padded

_IDS = bindparam("ids", expanding=True)
_sending = t.rule_sending.c
# A rule's columns in the order ``rule_of_values`` reads them (rows by position, no mapping).
_RULE = select(*(t.rule.c[name] for name in RULE_READ_COLUMNS))


def _rules_where(*conditions: object) -> tuple[Any, Any]:
    """(whole rows, (id, version) only) of the unrevoked rules named under ``conditions``.

    The second reads the ``rule_sending`` index alone: revoked rules have no
    ``rule_sending`` rows, and each row repeats its rule's version.
    """
    named = select(_sending.rule_id).where(*conditions)
    where = (t.rule.c.id.in_(named), t.rule.c.revoked == false())
    return (_RULE.where(*where).order_by(t.rule.c.id),
            select(_sending.rule_id, _sending.version).where(*conditions).distinct())


RULES_FROM = _rules_where(_sending.credential_id.in_(_IDS))
RULES_FROM_TO = _rules_where(_sending.credential_id.in_(_IDS),
                             _sending.receiving_institution == bindparam("to"))
# A province's institutions by their "PROV:" prefix, compared as equal text: a range
# (>= 'BC:' and < 'BC;') follows the database's collation, and under a language's
# (en_US, ICU's en-US: punctuation sorts ';' before ':') it held nothing, so
# `equivalents --to BC` answered no rule on such a PostgreSQL database.
RULES_FROM_PROVINCE = _rules_where(
    _sending.credential_id.in_(_IDS),
    func.substr(_sending.receiving_institution, 1, bindparam("prefix_length"))
    == bindparam("prefix"))
_RULES_BY_ID = _RULE.where(t.rule.c.id.in_(_IDS))
_UNREVOKED_BY_ID = _RULE.where(t.rule.c.id.in_(_IDS), t.rule.c.revoked == false())
NAMED = select(_sending.credential_id).where(_sending.credential_id.in_(_IDS)).distinct()
CREDENTIAL_NAMES = tuple(column.name for column in t.credential.columns)
CREDENTIALS = select(t.credential).where(t.credential.c.id.in_(_IDS),
                                         t.credential.c.retired == false())
CREDENTIAL = select(t.credential).where(t.credential.c.id == bindparam("id"))
RETIRED = select(t.credential.c.id).where(t.credential.c.id.in_(_IDS),
                                          t.credential.c.retired == true(),
                                          t.credential.c.kind != "")
INSTITUTION = select(t.institution).where(t.institution.c.id == bindparam("id"))
INSTITUTIONS = select(t.institution).order_by(t.institution.c.id)
STACKING = (select(t.credential)
            .join(t.stack_link, t.stack_link.c.credential_id == t.credential.c.id)
            .where(t.stack_link.c.target == bindparam("target"),
                   t.credential.c.retired == false())
            .order_by(t.credential.c.id))


@cache
def _by_id_sql(dialect: Any, unrevoked: bool) -> tuple[str, str] | None:
    """(SQL before the id list, one placeholder) reading rules by id, or None.

    Rules not decoded before are read without SQLAlchemy's statement
    machinery (expanding ``IN``, result types): at a million rules a query
    reads a hundred or more such rows, and that machinery costs as much as
    SQLite's own lookups. ``rule_of_values`` converts SQLite's date text.
    """
    placeholder = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
    if placeholder is None:
        return None
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in RULE_READ_COLUMNS)
    where = f"NOT {quote('revoked')} AND " if unrevoked else ""
    head = f"SELECT {columns} FROM {quote(t.rule.name)} WHERE {where}{quote('id')} IN ("
    return head, placeholder


def rules_by_id(conn: Connection, ids: list[str], unrevoked: bool) -> list[Any]:
    """``RULE_READ_COLUMNS`` rows of the rules (unrevoked ones when asked) among ``ids``."""
    sql = _by_id_sql(conn.dialect, unrevoked)
    if sql is None:
        query = _UNREVOKED_BY_ID if unrevoked else _RULES_BY_ID
        return [row for part in chunks(ids) for row in conn.execute(query, {"ids": part}).all()]
    head, placeholder = sql
    rows = []
    for part in chunks(sorted(ids)):
        part = padded(part)
        rows += driver_rows(conn, f"{head}{', '.join([placeholder] * len(part))})", part)
    return rows


@cache
def chains_query(max_links: int) -> Any:
    """(origin, (rule id, version) × ``max_links``) of every chain of 2..``max_links`` links.

    One walk from ``:ids`` into ``:to``: hop ``i`` is ``rule_link`` as ``l{i}``
    and starts where hop ``i - 1`` led. Hops past the second are outer joins,
    taken only from a hop that does not receive at ``:to`` (the last one must),
    so a chain ends at its first hop into ``:to`` and the later columns are
    NULL. The credentials visited (the origin, then where each hop led) are
    pairwise distinct. Rows that end nowhere near ``:to`` are dropped. Walking
    once, instead of one statement per length in a ``UNION ALL``, follows each
    shorter chain's hops once: the longer chains extend them. A chain comes
    once per course its links lead through: the caller drops the repeats,
    because ``DISTINCT`` makes SQLite scan ``l1`` whole.
    """
    hops = [t.rule_link.alias(f"l{i}") for i in range(1, max_links + 1)]
    to = bindparam("to")
    first = hops[0].c
    joined = hops[0].join(hops[1], hops[1].c.sending_credential == first.granted_credential)
    visited = [first.sending_credential, first.granted_credential]
    for i in range(2, max_links):
        before, hop = hops[i - 1].c, hops[i]
        led = before.granted_credential
        on = [hop.c.sending_credential == led, before.receiving_institution != to]
        on += [led != earlier for earlier in visited]
        if i == max_links - 1:
            on.append(hop.c.receiving_institution == to)
        joined = joined.outerjoin(hop, and_(*on))
        visited.append(led)
    where = [first.sending_credential.in_(_IDS), first.receiving_institution != to,
             first.sending_credential != first.granted_credential,
             or_(*(hop.c.receiving_institution == to for hop in hops[1:]))]
    found = [column for i, h in enumerate(hops, 1)
             for column in (h.c.rule_id.label(f"r{i}"), h.c.version.label(f"v{i}"))]
    return select(first.sending_credential.label("origin"), *found).select_from(joined).where(
        *where)
