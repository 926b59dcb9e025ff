"""The SQL schema (SQLModel tables) of the equivalency model and the ingest ledger.

Revoked rules and retired credentials keep a tombstone row with their version,
so a late older upsert is recognised and ignored. ``rule_sending`` names
credentials without a foreign key: rules may name credentials the hub has not
seen yet. Lists (a rule's sending set and alternatives, a credential's
competencies and stacking links) are kept as JSON text on the row so a read is
one round-trip; ``rule_sending``, ``rule_link`` and ``stack_link`` index them
for lookups.
Tables keyed by text are ``WITHOUT ROWID`` on SQLite: one B-tree to write
instead of two, which the ingest's write rate needs, and one to descend on a
read by key (``rule`` is read by id on every query).

The schema is created by the Alembic migrations (``hub/store/migrations``),
never by ``create_all``; a test checks that the two agree.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, Table
from sqlmodel import Field, SQLModel

from hub.store.sql.types import UtcDateTime

WIDE_INT = BigInteger().with_variant(Integer(), "sqlite")
"""Versions and counters: 64-bit, as the events' ``int64`` version is.

A province may version its records by time (epoch milliseconds, say), and a
hub ingesting at full rate would pass 2**31 events in a day. SQLite's
``INTEGER`` is already 64-bit, so SQLite keeps it; PostgreSQL's columns are
``BIGINT`` (migration 0006).
"""


class InstitutionRow(SQLModel, table=True):
    """An institution with its credit system and grading scale (JSON, or NULL: default)."""

    __tablename__ = "institution"

    id: str = Field(primary_key=True, max_length=16)
    province: str = Field(max_length=2, index=True)
    name: str
    credit_unit: str
    standard_course: float
    grading: str | None = None
    sector: str | None = None
    version: int = Field(sa_type=WIDE_INT)


class CredentialRow(SQLModel, table=True):
    """A credential; ``retired`` rows are tombstones that keep their version."""

    __tablename__ = "credential"

    id: str = Field(primary_key=True, max_length=64)
    institution: str = Field(max_length=16, index=True)
    kind: str = Field(max_length=20)
    title: str = ""
    value: float | None = None
    subject: str | None = None
    level: int | None = None
    stacks_into: str | None = None
    competencies: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    version: int = Field(sa_type=WIDE_INT)
    retired: bool = False


class StackLinkRow(SQLModel, table=True):
    """One unretired credential counting toward a target (indexed by target)."""

    __tablename__ = "stack_link"
    __table_args__ = {"sqlite_with_rowid": False}

    credential_id: str = Field(
        sa_column_args=[ForeignKey("credential.id", ondelete="CASCADE")],
        primary_key=True, max_length=64,
    )
    target: str = Field(primary_key=True, max_length=64, index=True)
    value: float


class RuleRow(SQLModel, table=True):
    """An equivalency rule; ``revoked`` rows are tombstones that keep their version."""

    __tablename__ = "rule"
    __table_args__ = {"sqlite_with_rowid": False}  # clustered by id (migration 0005)

    id: str = Field(primary_key=True, max_length=128)
    version: int = Field(sa_type=WIDE_INT)
    revoked: bool = False
    receiving_institution: str = Field(max_length=16)
    sending: str
    outcome: str = Field(max_length=20)
    any_n: int | None = None
    min_grade: str | None = None
    effective_start: date | None = None
    effective_end: date | None = None
    notes: str | None = None
    notation: str | None = None
    alternatives: str = "[]"


class RuleSendingRow(SQLModel, table=True):
    """A sending credential of an unrevoked rule, for lookups by credential.

    ``version`` repeats the rule's, so the index answers (rule, version) alone.
    """

    __tablename__ = "rule_sending"
    __table_args__ = (
        Index("ix_rule_sending_credential_receiving", "credential_id", "receiving_institution",
              "version"),
        {"sqlite_with_rowid": False},
    )

    rule_id: str = Field(
        sa_column_args=[ForeignKey("rule.id", ondelete="CASCADE")],
        primary_key=True, max_length=128,
    )
    credential_id: str = Field(primary_key=True, max_length=64)
    receiving_institution: str = Field(max_length=16)
    version: int = Field(sa_type=WIDE_INT, sa_column_kwargs={"server_default": "0"})


class RuleLinkRow(SQLModel, table=True):
    """Where an unrevoked link of inferred pathways leads (:mod:`hub.domain.links`).

    One row per (link, credential that satisfies it, credential it leads to);
    ``granted_credential`` is ``""`` for a link that grants no specific course
    (it can only end a chain). The primary key is the chain query's index:
    from a credential, to an institution, on to a credential. ``version``
    repeats the rule's, so a chain names decoded rules without reading them.
    """

    __tablename__ = "rule_link"
    __table_args__ = {"sqlite_with_rowid": False}

    sending_credential: str = Field(primary_key=True, max_length=64)
    receiving_institution: str = Field(primary_key=True, max_length=16)
    granted_credential: str = Field(primary_key=True)
    rule_id: str = Field(
        sa_column_args=[ForeignKey("rule.id", ondelete="CASCADE")],
        primary_key=True, max_length=128, index=True,
    )
    version: int = Field(sa_type=WIDE_INT)


class InboxRow(SQLModel, table=True):
    """An event the hub has applied (or found stale or duplicate): idempotence.

    Keyed by (entity, version, event id), not by the random event id alone:
    see :class:`hub.store.ports.InboxKey`.
    """

    __tablename__ = "inbox"
    __table_args__ = {"sqlite_with_rowid": False}

    entity_key: str = Field(primary_key=True)
    version: int = Field(sa_type=WIDE_INT, primary_key=True)
    event_id: str = Field(primary_key=True, max_length=128)
    province: str = Field(max_length=2)
    outcome: str = Field(max_length=16)
    applied_at: datetime = Field(sa_type=UtcDateTime)


class ConsumerOffsetRow(SQLModel, table=True):
    """The next offset to read per consumer group and partition."""

    __tablename__ = "consumer_offset"

    consumer_group: str = Field(primary_key=True, max_length=128)
    topic: str = Field(primary_key=True, max_length=255)
    partition: int = Field(primary_key=True)
    next_offset: int = Field(sa_type=BigInteger)


class ConsumerLogRow(SQLModel, table=True):
    """The broker log a consumer group's offsets count positions in: the cluster's id."""

    __tablename__ = "consumer_log"

    consumer_group: str = Field(primary_key=True, max_length=128)
    cluster_id: str = Field(max_length=255)


class DeadLetterRow(SQLModel, table=True):
    """An event the hub could not apply, with where it came from and why."""

    __tablename__ = "dead_letter"

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(max_length=255)
    partition: int
    offset: int = Field(sa_type=BigInteger)
    key: bytes | None = Field(default=None, sa_type=LargeBinary)
    value: bytes = Field(sa_type=LargeBinary)
    reason: str
    province: str | None = Field(default=None, max_length=2)
    event_id: str | None = Field(default=None, max_length=128)
    recorded_at: datetime = Field(sa_type=UtcDateTime)
    replayed: bool = Field(default=False, index=True)
    # Held by a replay re-driving the letter; another replay skips it until then.
    replay_claimed_until: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ProvinceStatsRow(SQLModel, table=True):
    """Per-province ingest counters for ``transferhub status``."""

    __tablename__ = "province_stats"

    province: str = Field(primary_key=True, max_length=2)
    applied: int = Field(default=0, sa_type=WIDE_INT)
    duplicate: int = Field(default=0, sa_type=WIDE_INT)
    stale: int = Field(default=0, sa_type=WIDE_INT)
    dead_lettered: int = Field(default=0, sa_type=WIDE_INT)
    last_event_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


institution = _table(InstitutionRow)
credential = _table(CredentialRow)
stack_link = _table(StackLinkRow)
rule = _table(RuleRow)
rule_sending = _table(RuleSendingRow)
rule_link = _table(RuleLinkRow)
inbox = _table(InboxRow)
consumer_offset = _table(ConsumerOffsetRow)
consumer_log = _table(ConsumerLogRow)
dead_letter = _table(DeadLetterRow)
province_stats = _table(ProvinceStatsRow)
metadata = SQLModel.metadata

__all__ = ["consumer_log", "consumer_offset", "credential", "dead_letter", "inbox",
           "institution", "metadata", "province_stats", "rule", "rule_link", "rule_sending",
           "stack_link"]
