"""What a store's readers share between queries: decoded rules and institutions.

Only readers of committed state use them (a unit of work may roll back what it
read), and both are keyed so that a change in the database can never be
answered from an older entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, literal_column, select

from hub.domain.model import Institution, Rule
from hub.store.sql import tables as t
from hub.store.sql.codec import rule_of_values


class RuleCache:
    """Decoded rules of committed state, by (id, version), shared by a store's readers.

    A committed version of a rule never changes (a later write at the same
    version is refused), so a decoded rule can be reused by every later query.
    Only readers fill it: a unit of work may still roll back what it read.
    Plain dictionary operations are atomic, so threads can share it.
    """

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit  # about 50 MB of decoded rules
        # Share of the rules the last ``rules_from`` read that were not decoded before:
        # readers use it to choose how to read (it never changes what they answer).
        self.missed = 0.0
        self._rules: dict[tuple[str, int], Rule] = {}
        # The decoded rule at (id, version), when decoded before (the hot path: no wrapper).
        self.get: Callable[[tuple[str, int]], Rule | None] = self._rules.get

    def decode(self, row: Any) -> Rule:
        """The rule of a committed ``rule`` row (``RULE_READ_COLUMNS``), decoded once."""
        key = (row[0], row[1])
        rule = self._rules.get(key)
        if rule is None:
            rule = rule_of_values(row)
            if len(self._rules) >= self.limit:
                self._rules.clear()  # crude, but bounded and lock-free
            self._rules[key] = rule
        return rule


_VERSION = t.institution.c.version


class InstitutionCache:
    """Decoded institutions, shared by a store's readers while the table is unchanged.

    Institutions are never deleted and a change always raises a version, so
    (row count, sum of versions) changes whenever the table does: a reader
    checks that fingerprint once, in its own snapshot, and then answers from
    the entries decoded under the same fingerprint. Queries name dozens of
    institutions (grading scales of every sending institution on a chain).
    """

    FINGERPRINT = select(func.count(),
                         func.coalesce(func.sum(_VERSION.op(">>")(literal_column("32"))), 0),
                         func.coalesce(func.sum(_VERSION.op("&")(literal_column("4294967295"))), 0))
    """(row count, sums of the versions' high and low 32 bits) of the institution table.

    Summed in halves: versions are any int64, and SQLite's ``sum()`` of a few
    near 2**63 overflows (an error, on every read). The halves' sums make the
    exact sum of versions (``high * 2**32 + low``), so the fingerprint still
    changes whenever a version does.
    """

    def __init__(self) -> None:
        self._generation: tuple[tuple[int, int], dict[str, Institution | None]] = ((-1, -1), {})

    def for_fingerprint(self, count: int, high: int, low: int) -> dict[str, Institution | None]:
        """The institutions decoded so far under ``FINGERPRINT``'s (count, high, low)."""
        fingerprint = (int(count), int(high) * 2**32 + int(low))
        generation = self._generation
        if generation[0] != fingerprint:
            generation = (fingerprint, {})
            self._generation = generation  # one assignment: readers never mix generations
        return generation[1]
