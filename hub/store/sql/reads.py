"""The read side of the SQL repository (``EquivalencyReader`` and friends).

Every query is a SQLAlchemy Core select compiled once and answered in one
round-trip, on SQLite straight through the driver (:func:`_rows`: SQLAlchemy's
per-statement work cost as much as SQLite's own); ``rules_from`` goes through the
``(credential_id, receiving_institution)`` index of ``rule_sending`` so its
cost depends on the transcript, never on the number of rules stored.
``chains_to`` joins ``rule_link`` to itself along its primary key
(from a credential, to an institution, on to a credential) and returns rule
ids of complete chains only, with their versions, so that ``get_rules`` then
answers the rules decoded before from the shared cache and reads only the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    false,
    func,
    or_,
    select,
)

from hub.domain.identifiers import INSTITUTION_RE
from hub.domain.model import Credential, Institution, Rule
from hub.store.sql import tables as t
from hub.store.sql.caches import InstitutionCache, RuleCache
from hub.store.sql.codec import RULE_READ_COLUMNS, credential_of, institution_of, rule_of_values

# Below every backend's bound-parameter limit (SQLite's is 32766).
CHUNK = 5000
T = TypeVar("T")

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


_RULES_FROM = _rules_where(_sending.credential_id.in_(_IDS))
_RULES_FROM_TO = _rules_where(_sending.credential_id.in_(_IDS),
                              _sending.receiving_institution == bindparam("to"))
_RULES_FROM_RANGE = _rules_where(_sending.credential_id.in_(_IDS),
                                 _sending.receiving_institution >= bindparam("lo"),
                                 _sending.receiving_institution < bindparam("hi"))
_RULES_BY_ID = _RULE.where(t.rule.c.id.in_(_IDS))
_UNREVOKED_BY_ID = _RULE.where(t.rule.c.id.in_(_IDS), t.rule.c.revoked == false())
_NAMED = select(_sending.credential_id).where(_sending.credential_id.in_(_IDS)).distinct()
_CREDENTIAL_NAMES = tuple(column.name for column in t.credential.columns)
_CREDENTIALS = select(t.credential).where(t.credential.c.id.in_(_IDS),
                                          t.credential.c.retired == false())
_CREDENTIAL = select(t.credential).where(t.credential.c.id == bindparam("id"))
_INSTITUTION = select(t.institution).where(t.institution.c.id == bindparam("id"))
_INSTITUTIONS = select(t.institution).order_by(t.institution.c.id)
_STACKING = (select(t.credential)
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


def _rules_by_id(conn: Connection, ids: list[str], unrevoked: bool) -> list[Any]:
    """``RULE_READ_COLUMNS`` rows of the rules (unrevoked ones when asked) among ``ids``."""
    sql = _by_id_sql(conn.dialect, unrevoked)
    if sql is None:
        query = _UNREVOKED_BY_ID if unrevoked else _RULES_BY_ID
        return [row for part in chunks(ids) for row in conn.execute(query, {"ids": part}).all()]
    head, placeholder = sql
    rows = []
    for part in chunks(sorted(ids)):
        part = _padded(part)
        rows += _driver_rows(conn, f"{head}{', '.join([placeholder] * len(part))})", part)
    return rows


def _driver_rows(conn: Connection, sql: str, values: list[Any]) -> list[Any]:
    """The rows of ``sql`` (the driver's own SQL and parameters) in ``conn``'s transaction.

    On SQLite, once the transaction has begun, straight through the driver's
    connection: SQLAlchemy's ``exec_driver_sql`` adds about 25 µs a statement
    (events, execution context, result wrapper), ``execute`` of a Core
    statement about 70 µs, as much as SQLite's own lookups for a transcript.
    Rows are then plain tuples, without SQLAlchemy's result types (dates stay
    ISO text: the decoders convert them). A driver error is met again through
    ``exec_driver_sql`` (a failed SELECT changes nothing in SQLite), which
    raises it as SQLAlchemy does, so the store translates it as before.
    Elsewhere, before the transaction begins (SQLAlchemy begins it on its
    first statement), or while statements are logged (``echo``) or listened
    to (``*_cursor_execute`` events), through ``exec_driver_sql``.
    """
    dispatch = conn.dispatch
    if (conn.dialect.paramstyle == "qmark" and conn.in_transaction() and not conn._echo
            and not dispatch.before_cursor_execute and not dispatch.after_cursor_execute):
        try:
            return conn.connection.driver_connection.execute(sql, values).fetchall()
        except conn.dialect.loaded_dbapi.Error:
            pass
    return conn.exec_driver_sql(sql, tuple(values)).all()


_EXPANDING = "ids"  # the one list parameter of the statements below (``_IDS``)


@cache
def _driver_form(statement: Any, dialect: Any) -> tuple[str, tuple[Any, ...]] | None:
    """(SQL, parameters in order: a name, or ``None`` for the ids) of a Core statement
    on SQLite, or ``None`` elsewhere or when it needs SQLAlchemy's processing.

    The ids' ``IN`` list is left as ``{}`` to fill with one ``?`` per id;
    constant parameters compiled into the statement keep their values.
    """
    if dialect.paramstyle != "qmark":
        return None
    compiled = statement.compile(dialect=dialect)
    token = f"__[POSTCOMPILE_{_EXPANDING}]"
    text = compiled.string
    expanding = {name for name, bind in compiled.binds.items() if bind.expanding}
    if (compiled._bind_processors or expanding - {_EXPANDING}
            or text.count("__[POSTCOMPILE_") != text.count(token) or "{" in text
            or "}" in text):
        return None
    defaults = compiled.construct_params(
        {bind.key: None for bind in compiled.binds.values() if bind.required})
    order = tuple(None if name == _EXPANDING else (name, defaults.get(name))
                  for name in compiled.positiontup or ())
    return text.replace(token, "{}"), order


def _rows(conn: Connection, statement: Any, params: dict[str, Any]) -> list[Any]:
    """The rows of a Core ``statement`` with ``params`` (``ids``: a non-empty list).

    On SQLite through :func:`_driver_rows` (rows are tuples, dates ISO text),
    elsewhere through ``execute``.
    """
    form = _driver_form(statement, conn.dialect)
    ids = params.get(_EXPANDING, ())
    if form is None or (_EXPANDING in params and not ids):
        return conn.execute(statement, params).all()
    text, order = form
    values: list[Any] = []
    for item in order:
        if item is None:
            values += ids
        else:
            values.append(params.get(item[0], item[1]))
    return _driver_rows(conn, text.format(", ".join(["?"] * len(ids))), values)


@cache
def _chains_query(max_links: int) -> Any:
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


def chunks(items: list[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _padded(ids: list[str], step: int = 16) -> list[str]:
    """``ids`` with the last repeated up to a multiple of ``step`` (an ``IN`` list).

    An ``IN`` of n parameters is a different statement for every n, and
    SQLite's driver keeps only the last 128 prepared: lengths in steps of 16
    keep a reader's statements prepared. Repeats change nothing an ``IN`` matches.
    """
    extra = -len(ids) % step
    return ids + [ids[-1]] * extra if ids and extra else ids


class SqlEquivalencyReader:
    """Reads of the equivalency model over one connection (one snapshot when in a transaction)."""

    def __init__(self, connection: Connection, rule_cache: RuleCache | None = None,
                 institution_cache: InstitutionCache | None = None) -> None:
        """Over ``connection``; caches are given to readers of committed state only."""
        self._conn = connection
        self._cache = rule_cache
        self._institution_cache = institution_cache
        self._institutions: dict[str, Institution | None] | None = None
        # Versions of the rules on chains found in this snapshot, for get_rules.
        self._chain_versions: dict[str, int] = {}

    def get_institution(self, institution_id: str) -> Institution | None:
        """The institution, or ``None`` when the hub has no record of it."""
        memo = self._institutions
        if memo is None and self._institution_cache is not None:
            fingerprint = _rows(self._conn, InstitutionCache.FINGERPRINT, {})[0]
            memo = self._institutions = self._institution_cache.for_fingerprint(*fingerprint)
        if memo is not None and institution_id in memo:
            return memo[institution_id]
        row = self._conn.execute(_INSTITUTION, {"id": institution_id}).mappings().first()
        found = None if row is None else institution_of(row)
        if memo is not None:
            memo[institution_id] = found
        return found

    def list_institutions(self, province: str | None = None) -> list[Institution]:
        """Every institution (of one province when given), by id."""
        query = _INSTITUTIONS
        if province is not None:
            query = query.where(t.institution.c.province == province)
        return [institution_of(row) for row in self._conn.execute(query).mappings()]

    def get_credentials(self, credential_ids: Iterable[str]) -> dict[str, Credential]:
        """The known, unretired credentials among ``credential_ids``, by id."""
        found: dict[str, Credential] = {}
        for part in chunks(_unique(credential_ids)):
            for row in _rows(self._conn, _CREDENTIALS, {"ids": _padded(part)}):
                found[row[0]] = credential_of(dict(zip(_CREDENTIAL_NAMES, row, strict=True)))
        return found

    def get_credential(self, credential_id: str) -> Credential | None:
        """One credential (retired ones too, flagged), or ``None``.

        A credential retired before the hub ever saw it is only a tombstone
        (kind ``""``): the hub has no record of what it was, so ``None``.
        """
        row = self._conn.execute(_CREDENTIAL, {"id": credential_id}).mappings().first()
        return None if row is None or not row["kind"] else credential_of(row)

    def rules_from(self, credential_ids: Iterable[str],
                   receiving_institution: str | None = None) -> list[Rule]:
        """Unrevoked rules naming any of ``credential_ids``, by rule id, each once."""
        ids = _unique(credential_ids)
        if not ids:
            return []
        if receiving_institution is None:
            return self._rules(_RULES_FROM, ids, {})
        return self._rules(_RULES_FROM_TO, ids, {"to": receiving_institution})

    def equivalents(self, credential_id: str, to: str | None = None) -> list[Rule]:
        """Every unrevoked rule from a credential, to an institution or province when given.

        ``to`` is an institution when it has the form ``PROV:INST``, a province otherwise.
        """
        if to is None:
            return self.rules_from([credential_id])
        if INSTITUTION_RE.match(to):
            return self.rules_from([credential_id], to)
        # ';' sorts right after ':' so the range is every "PROV:…" institution.
        return self._rules(_RULES_FROM_RANGE, [credential_id], {"lo": f"{to}:", "hi": f"{to};"})

    def named_by_rules(self, credential_ids: Iterable[str]) -> set[str]:
        """Those of ``credential_ids`` that any unrevoked rule names as sending."""
        named: set[str] = set()
        for part in chunks(_unique(credential_ids)):
            named.update(row[0] for row in _rows(self._conn, _NAMED, {"ids": _padded(part)}))
        return named

    def stacking_into(self, target_id: str) -> list[Credential]:
        """Unretired credentials whose record says they stack into ``target_id``."""
        rows = self._conn.execute(_STACKING, {"target": target_id}).mappings()
        return [credential_of(row) for row in rows]

    def chains_to(self, credential_ids: Iterable[str], receiving_institution: str,
                  max_links: int = 3) -> dict[str, list[tuple[str, ...]]]:
        """Rule-id chains into ``receiving_institution``, by origin (see the port)."""
        ids = _unique(credential_ids)
        if max_links < 2 or not ids:
            return {}
        query = _chains_query(max_links)
        found: dict[str, set[tuple[str, ...]]] = {}
        versions = self._chain_versions
        for part in chunks(ids):
            for row in _rows(self._conn, query,
                             {"ids": _padded(part), "to": receiving_institution}):
                chain = row[1::2]  # a tuple; hops past a chain's end are NULL
                if None in chain:
                    chain = tuple(rid for rid in chain if rid is not None)
                chains = found.get(row[0])
                if chains is None:
                    chains = found[row[0]] = set()
                chains.add(chain)
                versions.update(zip(chain, row[2::2], strict=False))
        # Shorter chains first, then by ids: a stable sort by length of the sorted chains.
        return {origin: sorted(sorted(chains), key=len) for origin, chains in found.items()}

    def get_rules(self, rule_ids: Iterable[str]) -> dict[str, Rule]:
        """The unrevoked rules among ``rule_ids``, by id, decoded once per (id, version).

        Rules on chains this reader found are taken from the shared cache when
        decoded before at the version the chain named; only the others are read.
        """
        ids = _unique(rule_ids)
        found: dict[str, Rule] = {}
        cache = self._cache
        if cache is None:
            decode = rule_of_values
        else:
            decode, cached, versions, missing = cache.decode, cache.get, self._chain_versions, []
            for rid in ids:
                version = versions.get(rid)
                rule = None if version is None else cached((rid, version))
                if rule is None:
                    missing.append(rid)
                else:
                    found[rid] = rule
            ids = missing
        for row in _rules_by_id(self._conn, ids, unrevoked=True):
            found[row[0]] = decode(row)
        return found

    def counts(self) -> dict[str, int]:
        """``{"institutions": n, "credentials": n, "rules": n}`` (unretired, unrevoked)."""
        one = self._conn.execute
        return {
            "institutions": one(select(func.count()).select_from(t.institution)).scalar_one(),
            "credentials": one(select(func.count()).select_from(t.credential)
                               .where(t.credential.c.retired == false())).scalar_one(),
            "rules": one(select(func.count()).select_from(t.rule)
                         .where(t.rule.c.revoked == false())).scalar_one(),
        }

    def _rules(self, queries: tuple[Any, Any], ids: list[str],
               params: dict[str, str]) -> list[Rule]:
        """Rules by id, each decoded once per (id, version) when the reader has the cache.

        While most rules come from the cache, only their (id, version) keys are
        read and whole rows just for the others; while most do not (a store
        far larger than the cache), whole rows are read in one statement,
        which costs less than the keys and then the rows. Either way the
        answer is the same.
        """
        whole, keys = queries
        conn = self._conn
        cache = self._cache
        if cache is None or cache.missed > 0.5:
            rows = [row for part in chunks(ids)
                    for row in _rows(conn, whole, {"ids": _padded(part), **params})]
            if cache is None:
                found = {row[0]: rule_of_values(row) for row in rows}
            else:
                found, get, decode, missed = {}, cache.get, cache.decode, 0
                for row in rows:
                    rule = get((row[0], row[1]))
                    if rule is None:
                        missed += 1
                        rule = decode(row)
                    found[row[0]] = rule
                if rows:
                    cache.missed = missed / len(rows)
            return [found[key] for key in sorted(found)]
        named = sorted({(rid, version) for part in chunks(ids)
                        for rid, version in _rows(conn, keys, {"ids": _padded(part), **params})})
        rules: dict[str, Rule] = {}
        missing = []
        decoded = cache.get
        for key in named:
            rule = decoded(key)
            if rule is None:
                missing.append(key[0])
            else:
                rules[key[0]] = rule
        if named:
            cache.missed = len(missing) / len(named)
        decode = cache.decode
        for row in _rules_by_id(self._conn, missing, unrevoked=False):
            rules[row[0]] = decode(row)
        return [rules[rid] for rid, _ in named]
