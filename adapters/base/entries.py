"""The differ's view of a record (:data:`Entry`), and rejections named where the record was read.

A record is reduced to plain values, its event body and content digest, in
the reader's process or a worker's (:mod:`adapters.base.chunking`), then
diffed by :class:`adapters.base.snapshot.SnapshotDiffer`.
"""

from __future__ import annotations

from hashlib import blake2b

from adapters.base import events
from adapters.base.records import Place, Record, Rejection
from hub.domain.model import Credential, Institution, Rule

INSTITUTION, CREDENTIAL, RULE = "institution", "credential", "rule"
_KIND = {Rule: RULE, Credential: CREDENTIAL, Institution: INSTITUTION}

Entry = tuple[Place, str, str, int, str, bytes, bytes]
"""What the differ needs of a record: (where, kind, key, its own version, event type,
upsert body, content digest). Plain values, so a worker process can send it cheaply."""


def placed_rejection(where: Place, record: Record, reason: str,
                     places_file: str | None = None) -> Rejection:
    """A rejection of ``record`` at its place (``kind id`` when the place is unknown)."""
    return rejection_at(where, _KIND.get(type(record)) or events.entity_kind(record), record.id,
                        reason, places_file)


def rejection_at(where: Place, kind: str, key: str, reason: str,
                 places_file: str | None) -> Rejection:
    """A rejection of the ``kind`` record ``key`` at ``where`` (``kind key`` when None)."""
    if where is None:
        return Rejection(f"{kind} {key}", reason)
    if isinstance(where, int):
        return Rejection(f"line {where}", reason, file=places_file)
    return Rejection(where, reason)


def entry_of(record: Record, where: Place = None) -> Entry:
    """The differ's view of ``record``; ``where`` names it in rejections (None: ``kind id``)."""
    kind = _KIND.get(type(record)) or events.entity_kind(record)
    event_type, body = events.upsert_body(record)
    # events.content_digest, inlined
    return (where, kind, record.id, record.version, event_type, body,
            blake2b(body, digest_size=16).digest())
