"""How the ingest talks to Kafka: the consumer group, batch size, timeouts and backoff."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class IngestSettings:
    """How the ingest talks to Kafka (tests shorten the timeouts).

    ``max_batch`` is the most events one poll returns and one transaction
    applies. A commit writes every page the batch dirtied, and the partitions
    of a topic interleave one key range: a batch of 2,000 records, mostly from
    one partition, dirties pages spread over three times the keys, and the
    other partitions' batches dirty the same pages again. Measured in one
    process on 400,000 rule events (SQLite), SQLite's commits took 8.5 s in
    Kafka's partition order against 3.3 s in the export's order, batches of
    2,000; in partition order the apply cost 58 µs an event with batches of
    2,000 and 38 µs with 18,000. Through ``transferhub serve``
    (``bench.ingest``, 1,000,000 events, runs alternating): SQLite 15,078 and
    14,749/s at 20,000 against 12,523/s at 2,000; PostgreSQL 12,797 against
    12,251/s; peak RSS 688–759 MiB against 695 MiB (SQLite).
    """

    bootstrap: str
    group: str = "transferhub-hub"
    max_batch: int = 20_000
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    metadata_max_age_ms: int = 3_000  # how soon a new province's topic is picked up
    poll_timeout_ms: int = 200
    retry_max_wait: float = 5.0
    stall_seconds: float = 60.0  # no progress this long while events wait: ingest.stalled

    @classmethod
    def of(cls, bootstrap: str, **overrides: object) -> IngestSettings:
        """Settings for ``bootstrap`` with the known, non-``None`` ``overrides``."""
        known = {f.name for f in fields(cls)}
        return cls(bootstrap, **{k: v for k, v in overrides.items()  # type: ignore[arg-type]
                                 if v is not None and k in known and k != "bootstrap"})
