"""Snapshot diffing: what changed between the last published export and this one.

Each entity's content digest and version are kept in the state file. For a
chunk of records the differ decides, per record:

- new, or content changed → an upsert event. Institutions and credentials come
  with ``version=0`` (provinces do not version them): the adapter gives them
  its own, the run's start in epoch milliseconds, or the last one published
  plus one when that is higher (a clock set back). Not a counter from 1: a
  province whose state folder was lost would start again from 1, under the
  versions the hub already holds, and every change to its courses would be
  ignored as stale until the counter caught up. So the latest export the
  province sends wins, state or no state. Rules
  carry the province's version, which must rise with every change: a rule
  whose content changed at the same version is rejected, telling the
  province to raise it; a lower version than published is rejected too.
- same content → unchanged, nothing published.
- seen twice in one export → the second is rejected (which one is meant is unclear).

After the whole export (:meth:`SnapshotDiffer.vanished`), entities not seen are
removed: a credential is retired and a rule revoked *at its last version*
(the hub orders ``(version, is_removal)``, so the removal wins the tie). A rule
that comes back needs a higher version than the one revoked; a credential that
comes back gets a version of this run. An institution that vanishes is only
noted (removing it would orphan other provinces' rules to it); it is not
republished if it comes back unchanged, as the hub never removed it.

A damaged record never removes what an earlier export published. When the
reader could still read which entity a rejected record was about
(``Rejection.entity_key``), that entity, and those that exist only through
the record (``implied_keys``), count as present and unchanged: its
last good version stays on the hub, nothing is published for it, and it is
counted as ``kept`` (not ``unchanged``) until the province sends a readable
record (then diffed as usual) or leaves the record out entirely (then removed
as above). A rejection without an entity key (an unreadable line, or a record
of another province, which is not this adapter's to keep) keeps nothing, so
an entity whose record cannot even be identified is removed as vanished. The
key is matched whatever the entity's kind: keys of rules and institutions
share the ``PROV:X`` form, and keeping an institution is harmless since a
vanished institution is only noted.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from adapters.base import events
from adapters.base.collect import collection_paused
from adapters.base.entries import CREDENTIAL, INSTITUTION, RULE, Entry, entry_of, rejection_at
from adapters.base.publisher import OutboundMessage
from adapters.base.records import Place, Record, Rejection
from transferhub.events.v1 import events_pb2 as pb


def message_of(envelope: pb.EventEnvelope) -> OutboundMessage:
    """The Kafka message that carries an envelope (topic, entity key, bytes)."""
    return OutboundMessage(events.topic_for(envelope.province), events.kafka_key(envelope),
                           events.envelope_to_bytes(envelope))


_LOOKUP_BATCH = 900  # stay far below SQLite's bound-parameter limit


@dataclass(slots=True)
class EntityState:
    """What the hub was last told about one entity."""

    version: int
    digest: bytes
    present: bool
    seen_run: int


@dataclass
class ChunkDiff:
    """The outcome of diffing a chunk: events to publish and state rows to write with them."""

    messages: list[OutboundMessage] = field(default_factory=list)
    writes: list[tuple[str, str, int, bytes, int, int]] = field(default_factory=list)
    seen: list[tuple[int, str, str]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class Vanished:
    """Entities absent from the export: removal events and the institutions only noted."""

    messages: list[OutboundMessage] = field(default_factory=list)
    writes: list[tuple[str, str]] = field(default_factory=list)
    institutions: list[str] = field(default_factory=list)
    kept: int = 0


def now_ms() -> int:
    """Epoch milliseconds: the version a run gives the institutions and credentials it
    publishes (module docstring)."""
    return time.time_ns() // 1_000_000


class SnapshotDiffer:
    """Diffs one run's records against the state file (reads only; the outbox writes)."""

    def __init__(self, conn: sqlite3.Connection, *, province: str, run: int, source: str,
                 occurred_at: str | None = None, places_file: str | None = None,
                 run_version: int | None = None, export_generated_at: str = "") -> None:
        self.conn, self.province, self.run, self.source = conn, province, run, source
        # The version of the institutions and credentials this run publishes (module doc).
        self.run_version = run_version if run_version is not None else now_ms()
        self.places_file = places_file  # the file of line-number places (BC's folder)
        self.occurred_at = occurred_at or events.rfc3339()
        self.topic = events.topic_for(province)
        # When the export was generated, where its format says: carried on every event, so
        # that a state rebuilt from the topic still refuses an older export (recovery).
        self.export_generated_at = export_generated_at
        self.encoder = events.EnvelopeEncoder(province=province, occurred_at=self.occurred_at,
                                              source=source,
                                              export_generated_at=export_generated_at)
        self._kept: set[str] = set()
        # Rules of this export published before, and those of them at a version below
        # the one published: when most are, the export is older than the last one (the
        # runner then removes nothing).
        self.known_rules = 0
        self.older = 0
        # One shared state for every record published in this run: a second copy of
        # the record in the chunk only needs to see seen_run == run (never changed).
        self._published = EntityState(0, b"", True, run)

    def keep(self, rejections: Sequence[Rejection]) -> None:
        """Keep the entities these rejected records were about from being removed this run."""
        own = f"{self.province}:"
        for rejection in rejections:
            if rejection.entity_key:
                self._kept.update(key for key in (rejection.entity_key, *rejection.implied_keys)
                                  if key.startswith(own))

    def _load(self, keys: Sequence[str]) -> dict[tuple[str, str], EntityState]:
        found: dict[tuple[str, str], EntityState] = {}
        for i in range(0, len(keys), _LOOKUP_BATCH):
            batch = keys[i:i + _LOOKUP_BATCH]
            marks = ",".join("?" * len(batch))
            for key, kind, version, digest, present, seen in self.conn.execute(
                f"SELECT key, kind, version, digest, present, seen_run FROM entity "
                f"WHERE key IN ({marks})", batch,
            ):
                found[(kind, key)] = EntityState(version, digest, bool(present), seen)
        return found

    def diff(self, records: Sequence[tuple[Place, Record]]) -> ChunkDiff:
        """Diff ``(where, record)`` pairs; ``where`` names the record in rejections.

        A ``where`` of None is ``<kind> <id>`` (``rule BC:88213``), written only
        when the record is rejected.
        """
        with collection_paused():  # a chunk's bodies and messages all live until it is sent
            return self._diff([entry_of(record, where) for where, record in records])

    def diff_entries(self, entries: Sequence[Entry]) -> ChunkDiff:
        """Diff records already reduced by :func:`entry_of` (perhaps in another process)."""
        with collection_paused():  # a chunk's bodies and messages all live until it is sent
            return self._diff(entries)

    def _diff(self, entries: Sequence[Entry]) -> ChunkDiff:
        known = self._load(list({entry[2] for entry in entries}))
        out = ChunkDiff()
        run, topic, encode = self.run, self.topic, self.encoder.encode_body
        messages, writes = out.messages, out.writes
        for where, kind, key, record_version, event_type, body, digest in entries:
            state = known.get((kind, key))
            if state is not None and state.seen_run == run:
                out.rejected.append(rejection_at(where, kind, key,
                                                 f"{kind} {key} appears more than once in this "
                                                 "export; only the first is used",
                                                 self.places_file))
                continue
            if state is None:  # new: the commonest case on a first run
                version, reason = (record_version if kind == RULE else self.run_version), None
            else:
                version, reason = self._decide(kind, key, record_version, state, digest)
            if reason:
                out.rejected.append(rejection_at(where, kind, key, reason, self.places_file))
            if state is not None and version is None:
                state.seen_run = run  # kept, so not removed as vanished
                out.seen.append((run, key, kind))
                out.unchanged += not reason
                if not reason and not state.present:  # an institution back unchanged
                    state.present = True
                    writes.append((key, kind, state.version, digest, 1, run))
                continue
            if version is None:
                continue
            known[(kind, key)] = self._published  # only read as "seen in this run"
            writes.append((key, kind, version, digest, 1, run))
            messages.append(OutboundMessage(topic, key.encode(), encode(
                event_type, body, entity_key=key, version=version)))
        return out

    def _decide(self, kind: str, key: str, version: int, state: EntityState | None,
                digest: bytes) -> tuple[int | None, str | None]:
        """The version to publish at (None: publish nothing) and a rejection reason.

        ``version`` is the record's own (a rule's; 0 for the others).
        """
        if kind != RULE:
            if state is None:
                return self.run_version, None
            if digest == state.digest and (state.present or kind == INSTITUTION):
                return None, None
            return max(self.run_version, state.version + 1), None
        if state is None:
            return version, None
        self.known_rules += 1
        if not state.present:
            if version <= state.version:
                self.older += 1   # the export may predate the revocation
                return None, (f"rule {key} was revoked at version {state.version}; "
                              f"to publish it again raise its version above {state.version}")
            return version, None
        if version < state.version:
            self.older += 1
            return None, (f"rule {key} has version {version}, lower than version "
                          f"{state.version} already published; raise it above {state.version}")
        if version == state.version:
            if digest == state.digest:
                return None, None
            return None, (f"rule {key} changed but its version is still {version}; "
                          f"raise the version above {version} to publish the change")
        return version, None

    def vanished(self) -> Iterator[Vanished]:
        """Removals for everything present before and not seen nor kept in this run, in batches.

        A batch's ``kept`` counts the entities spared because their record was rejected.
        """
        # Read them all first: the caller updates these rows between batches.
        absent = self.conn.execute(
            "SELECT key, kind, version FROM entity WHERE present = 1 AND seen_run < ? "
            "ORDER BY kind, key", (self.run,)).fetchall()
        gone = [row for row in absent if row[0] not in self._kept]
        kept = len(absent) - len(gone)
        if kept and not gone:
            yield Vanished(kept=kept)
        for start in range(0, len(gone), 5000):
            out = Vanished(kept=kept if start == 0 else 0)
            for key, kind, version in gone[start:start + 5000]:
                out.writes.append((key, kind))
                if kind == INSTITUTION:
                    out.institutions.append(key)
                    continue
                make = events.credential_retired if kind == CREDENTIAL else events.rule_revoked
                out.messages.append(message_of(make(
                    key, version=version, province=self.province,
                    occurred_at=self.occurred_at, source=self.source,
                    export_generated_at=self.export_generated_at)))
            yield out
