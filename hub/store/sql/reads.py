"""The read side of the SQL repository: :class:`SqlEquivalencyReader`.

Every query is a statement built once (:mod:`hub.store.sql.statements`) and
answered in one round-trip, on SQLite straight through the driver
(:mod:`hub.store.sql.fetch`: SQLAlchemy's per-statement work cost as much as
SQLite's own); ``rules_from`` goes through the
``(credential_id, receiving_institution)`` index of ``rule_sending`` so its
cost depends on the transcript, never on the number of rules stored.
``chains_to`` joins ``rule_link`` to itself along its primary key
(from a credential, to an institution, on to a credential) and returns rule
ids of complete chains only, with their versions, so that ``get_rules`` then
answers the rules decoded before from the shared cache and reads only the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, false, func, select

from hub.domain.identifiers import INSTITUTION_RE
from hub.domain.model import Credential, Institution, Rule
from hub.store.sql import tables as t
from hub.store.sql.caches import InstitutionCache, RuleCache
from hub.store.sql.codec import credential_of, institution_of, rule_of_values
from hub.store.sql.fetch import chunks, fetch_rows, padded
from hub.store.sql.statements import (
    CREDENTIAL,
    CREDENTIAL_NAMES,
    CREDENTIALS,
    INSTITUTION,
    INSTITUTIONS,
    NAMED,
    RETIRED,
    RULES_FROM,
    RULES_FROM_PROVINCE,
    RULES_FROM_TO,
    STACKING,
    chains_query,
    rules_by_id,
)


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


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
            fingerprint = fetch_rows(self._conn, InstitutionCache.FINGERPRINT, {})[0]
            memo = self._institutions = self._institution_cache.for_fingerprint(*fingerprint)
        if memo is not None and institution_id in memo:
            return memo[institution_id]
        row = self._conn.execute(INSTITUTION, {"id": institution_id}).mappings().first()
        found = None if row is None else institution_of(row)
        if memo is not None:
            memo[institution_id] = found
        return found

    def list_institutions(self, province: str | None = None) -> list[Institution]:
        """Every institution (of one province when given), by id."""
        query = INSTITUTIONS
        if province is not None:
            query = query.where(t.institution.c.province == province)
        return [institution_of(row) for row in self._conn.execute(query).mappings()]

    def get_credentials(self, credential_ids: Iterable[str]) -> dict[str, Credential]:
        """The known, unretired credentials among ``credential_ids``, by id."""
        found: dict[str, Credential] = {}
        for part in chunks(_unique(credential_ids)):
            for row in fetch_rows(self._conn, CREDENTIALS, {"ids": padded(part)}):
                found[row[0]] = credential_of(dict(zip(CREDENTIAL_NAMES, row, strict=True)))
        return found

    def get_credential(self, credential_id: str) -> Credential | None:
        """One credential (retired ones too, flagged), or ``None``.

        A credential retired before the hub ever saw it is only a tombstone
        (kind ``""``): the hub has no record of what it was, so ``None``.
        """
        row = self._conn.execute(CREDENTIAL, {"id": credential_id}).mappings().first()
        return None if row is None or not row["kind"] else credential_of(row)

    def rules_from(self, credential_ids: Iterable[str],
                   receiving_institution: str | None = None) -> list[Rule]:
        """Unrevoked rules naming any of ``credential_ids``, by rule id, each once."""
        ids = _unique(credential_ids)
        if not ids:
            return []
        if receiving_institution is None:
            return self._rules(RULES_FROM, ids, {})
        return self._rules(RULES_FROM_TO, ids, {"to": receiving_institution})

    def equivalents(self, credential_id: str, to: str | None = None) -> list[Rule]:
        """Every unrevoked rule from a credential, to an institution or province when given.

        ``to`` is an institution when it has the form ``PROV:INST``, a province otherwise.
        """
        if to is None:
            return self.rules_from([credential_id])
        if INSTITUTION_RE.match(to):
            return self.rules_from([credential_id], to)
        prefix = f"{to}:"
        return self._rules(RULES_FROM_PROVINCE, [credential_id],
                           {"prefix": prefix, "prefix_length": len(prefix)})

    def named_by_rules(self, credential_ids: Iterable[str]) -> set[str]:
        """Those of ``credential_ids`` that any unrevoked rule names as sending."""
        named: set[str] = set()
        for part in chunks(_unique(credential_ids)):
            named.update(row[0] for row in fetch_rows(self._conn, NAMED, {"ids": padded(part)}))
        return named

    def retired_among(self, credential_ids: Iterable[str]) -> set[str]:
        """Those of ``credential_ids`` the hub had a record of, since retired (a
        tombstone of one retired before the hub saw it, kind ``""``, is no record)."""
        retired: set[str] = set()
        for part in chunks(_unique(credential_ids)):
            retired.update(row[0] for row in fetch_rows(self._conn, RETIRED,
                                                        {"ids": padded(part)}))
        return retired

    def stacking_into(self, target_id: str) -> list[Credential]:
        """Unretired credentials whose record says they stack into ``target_id``."""
        rows = self._conn.execute(STACKING, {"target": target_id}).mappings()
        return [credential_of(row) for row in rows]

    def chains_to(self, credential_ids: Iterable[str], receiving_institution: str,
                  max_links: int = 3) -> dict[str, list[tuple[str, ...]]]:
        """Rule-id chains into ``receiving_institution``, by origin (see the port)."""
        ids = _unique(credential_ids)
        if max_links < 2 or not ids:
            return {}
        query = chains_query(max_links)
        found: dict[str, set[tuple[str, ...]]] = {}
        versions = self._chain_versions
        for part in chunks(ids):
            for row in fetch_rows(self._conn, query,
                                  {"ids": padded(part), "to": receiving_institution}):
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
        for row in rules_by_id(self._conn, ids, unrevoked=True):
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
               params: dict[str, object]) -> list[Rule]:
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
                    for row in fetch_rows(conn, whole, {"ids": padded(part), **params})]
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
                        for rid, version in fetch_rows(conn, keys,
                                                       {"ids": padded(part), **params})})
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
        for row in rules_by_id(self._conn, missing, unrevoked=False):
            rules[row[0]] = decode(row)
        return [rules[rid] for rid, _ in named]
