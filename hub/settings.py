"""The hub's one typed settings object: defaults, then environment, then overrides.

Environment variables (CLI.md): ``TRANSFERHUB_DB``, ``TRANSFERHUB_KAFKA``,
``TRANSFERHUB_HUB`` (the gRPC address), ``TRANSFERHUB_METRICS``; and
``TRANSFERHUB_GROUP``, the Kafka consumer group (``transferhub-hub``).

Replicas: hubs that share one store share one consumer group (the default);
a hub with a store of its own on the same broker needs a group of its own,
or the two split the partitions and each store misses the other's share.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

DEFAULT_HOME = Path(".transferhub")
DEFAULT_DB = f"sqlite:///{DEFAULT_HOME / 'hub.db'}"
DEFAULT_KAFKA = "127.0.0.1:9092"
DEFAULT_GRPC = "127.0.0.1:50051"
DEFAULT_METRICS = "127.0.0.1:9464"

_ENV = {
    "db_url": "TRANSFERHUB_DB",
    "kafka": "TRANSFERHUB_KAFKA",
    "grpc": "TRANSFERHUB_HUB",
    "metrics": "TRANSFERHUB_METRICS",
    "consumer_group": "TRANSFERHUB_GROUP",
}


@dataclass(frozen=True, slots=True)
class HubSettings:
    """Where the hub keeps its store, reads events, serves gRPC and metrics."""

    db_url: str = DEFAULT_DB
    kafka: str = DEFAULT_KAFKA
    grpc: str = DEFAULT_GRPC
    metrics: str | None = DEFAULT_METRICS
    consumer_group: str = "transferhub-hub"
    session_timeout_ms: int = 10_000
    max_batch: int = 20_000  # events per transaction: see hub.ingest.settings.IngestSettings

    @classmethod
    def load(cls, **overrides: object) -> HubSettings:
        """Defaults, then environment, then the non-``None`` ``overrides``."""
        settings = cls()
        # white space around a value (``TRANSFERHUB_KAFKA=" host:9092"``, as a script may set
        # it) is not part of it
        from_env = {name: os.environ[var].strip() for name, var in _ENV.items()
                    if os.environ.get(var, "").strip()}
        settings = replace(settings, **from_env)
        known = {f.name for f in fields(cls)}
        explicit = {k: v for k, v in overrides.items() if v is not None and k in known}
        return replace(settings, **explicit)
