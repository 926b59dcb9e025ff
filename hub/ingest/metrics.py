"""Prometheus metrics of the ingest, in a registry of their own (one per hub).

    transferhub_events_total{province, outcome}   applied, duplicate, stale, dead_lettered
    transferhub_ingest_batch_seconds              one batch: read, apply, commit
    transferhub_ingest_lag{province}              events published, not yet applied
    transferhub_ingest_lag_known                  1 while the lag was measured lately
    transferhub_ingest_retrying{what}             1 while retrying it (store or broker away)
    transferhub_ingest_partitions_assigned        partitions this hub consumes now
    transferhub_ingest_store_behind_group         partitions whose group offset is past the store

Replicas (several ``serve`` in one consumer group on one store): the events
counter and ``partitions_assigned`` are this process's own, to be summed over
replicas; the lag is the group's, measured against the shared store, so every
replica reports the same figure (take one, not the sum).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from transferhub.broker import split_hostport


class IngestMetrics:
    """The ingest's counters, histogram and gauges."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.events = Counter("transferhub_events", "Events handled by the hub, by outcome",
                              ["province", "outcome"], registry=self.registry)
        self.batch_seconds = Histogram(
            "transferhub_ingest_batch_seconds", "Time to read, apply and commit one batch",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry)
        self.lag = Gauge("transferhub_ingest_lag", "Events published but not yet applied",
                         ["province"], registry=self.registry)
        self.lag_known = Gauge("transferhub_ingest_lag_known",
                               "1 while the lag was measured lately, 0 while the broker or the "
                               "store keeps it from being measured", registry=self.registry)
        self.partitions = Gauge("transferhub_ingest_partitions_assigned",
                                "Partitions this hub consumes now (its share of the group)",
                                registry=self.registry)
        self.store_behind = Gauge(
            "transferhub_ingest_store_behind_group",
            "Assigned partitions whose committed group offset is past this store's: another "
            "hub with another store consumes in the same group", registry=self.registry)
        self.stalled = Gauge(
            "transferhub_ingest_stalled_seconds",
            "The longest a partition with events waiting has gone unmoved in the store, in "
            "seconds (0 while every partition progresses or is caught up)",
            registry=self.registry)
        self.retrying = Gauge("transferhub_ingest_retrying",
                              "1 while the ingest retries an operation (the store or the broker "
                              "unreachable), by operation", ["what"], registry=self.registry)

    def count(self, province: str, outcome: str, n: int) -> None:
        """Add ``n`` events of one outcome for one province."""
        if n:
            self.events.labels(province, outcome).inc(n)

    def set_lag(self, by_province: dict[str, int]) -> None:
        """Record the current lag per province."""
        for province, lag in by_province.items():
            self.lag.labels(province).set(lag)

    def serve(self, address: str) -> None:
        """Expose ``/metrics`` over HTTP on ``HOST:PORT`` (a daemon thread)."""
        host, port = split_hostport(address)
        self._http = start_http_server(port, addr=host, registry=self.registry)

    def close(self) -> None:
        """Stop the HTTP endpoint, when one was started."""
        http = getattr(self, "_http", None)
        if http:
            server, thread = http
            server.shutdown()
            server.server_close()
            thread.join(2)
