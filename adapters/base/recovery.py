"""A lost ``--state`` folder rebuilt from the province's own topic.

The state file is the adapter's memory of what the hub was told; the topic is
the record of it. When a run finds a state that remembers nothing
(:func:`adapters.base.statedb.history_unasked`) while the province's topic holds
events, it reads the topic from the beginning and writes, for every entity it
finds, the last thing the hub was told: the version, the content digest of the
last upsert and whether a retirement or revocation followed it (ordered as the
hub orders them, ``(version, is_removal)``). The diff then runs as if the state
had never been lost: an unchanged record publishes nothing, and a record
removed from the export since then is retired or revoked. Without this, a
removed rule stayed live on the hub for good (nothing remembered it).

Only envelopes of the adapter's own province with a known payload are taken;
anything else on the topic (which the hub dead-letters) is skipped. The digest
is the upsert payload serialized deterministically, the bytes the adapter
hashed when it published it (:func:`adapters.base.payloads.upsert_body`).

The newest ``export_generated_at`` among the events (Saskatchewan's feed time) is
kept as the state's newest export, so that an older feed is still refused after
the state was lost.

On real Kafka, events past the topic's retention are gone: an entity whose
every event was deleted is not recovered, and is treated as before (new if it
is in the export, unknown if not). Provinces' topics are keyed by entity, so a
compacted topic keeps each entity's last event and recovery is whole.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime
from hashlib import blake2b

from google.protobuf.message import DecodeError

from adapters.base.entries import CREDENTIAL, INSTITUTION, RULE
from transferhub.events.v1 import events_pb2 as pb

# payload field → (entity kind, is a removal)
_KINDS = {"institution_upserted": (INSTITUTION, False),
          "credential_upserted": (CREDENTIAL, False),
          "credential_retired": (CREDENTIAL, True),
          "rule_upserted": (RULE, False),
          "rule_revoked": (RULE, True)}

# The later event wins: a higher version, or a removal at the same version. A
# removal keeps the digest of the upsert it removes (what a re-published record
# is compared with).
_UPSERT = """
INSERT INTO entity (key, kind, version, digest, present, seen_run) VALUES (?, ?, ?, ?, ?, 0)
ON CONFLICT (key, kind) DO UPDATE SET
    version = excluded.version,
    present = excluded.present,
    digest = CASE WHEN excluded.present = 1 THEN excluded.digest ELSE entity.digest END
WHERE excluded.version > entity.version
   OR (excluded.version = entity.version AND excluded.present = 0)
"""


class StateRecovery:
    """Writes what a topic's events told the hub into an empty state file."""

    def __init__(self, conn: sqlite3.Connection, province: str) -> None:
        self.conn, self.province = conn, province
        self.generated: datetime | None = None  # the newest export the events came from
        self._generated_texts: set[str] = set()

    def take(self, values: Iterable[bytes]) -> None:
        """Record a batch of the topic's message values, in partition order."""
        rows = []
        for value in values:
            try:
                envelope = pb.EventEnvelope.FromString(value)
            except (DecodeError, ValueError):  # not an envelope: the hub dead-letters it
                continue
            which = envelope.WhichOneof("payload")
            if envelope.province != self.province or not envelope.entity_key or which not in _KINDS:
                continue
            kind, removal = _KINDS[which]
            if envelope.export_generated_at:
                self._generated_texts.add(envelope.export_generated_at)
            digest = b"" if removal else blake2b(
                getattr(envelope, which).SerializeToString(deterministic=True),
                digest_size=16).digest()
            rows.append((envelope.entity_key, kind, envelope.version, digest, int(not removal)))
        if rows:
            self.conn.execute("BEGIN")
            self.conn.executemany(_UPSERT, rows)
            self.conn.execute("COMMIT")
        for text in self._generated_texts:   # a run's events share one: read once each
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                continue
            if moment.tzinfo is not None and (self.generated is None or moment > self.generated):
                self.generated = moment
        self._generated_texts.clear()

    def entities(self) -> int:
        """How many entities the state now knows."""
        return int(self.conn.execute("SELECT count(*) FROM entity").fetchone()[0])
