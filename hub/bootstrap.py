"""Build the whole hub process in one place: store, gRPC server, metrics, (later) ingest.

Nothing runs at import time. ``start_hub`` opens the store, starts the
components and returns a :class:`RunningHub` whose ``stop`` undoes it all in
reverse order. Event consumption joins by passing ``ingest``: a factory that
builds a component over the same store and settings; it is started before the
server so the server can offer it to operators (``IngestControl``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import grpc
import structlog

from hub.api.operator import IngestControl
from hub.api.server import create_server, stop_server
from hub.runtime import tune_gc
from hub.settings import HubSettings
from hub.store.ports import Store

log = structlog.get_logger(__name__)


class Component(Protocol):
    """Something the hub runs beside the server (the ingest): started, then stopped."""

    async def start(self) -> None:
        """Begin work; return once running."""

    async def stop(self) -> None:
        """Finish in-flight work and release resources."""


class IngestComponent(Component, IngestControl, Protocol):
    """The ingest: a component that also answers operators (lag, watch, replay)."""


IngestFactory = Callable[[Store, HubSettings], IngestComponent]


@dataclass
class RunningHub:
    """A started hub: its store, server and port; ``stop`` shuts it all down."""

    settings: HubSettings
    store: Store
    server: grpc.aio.Server
    port: int
    components: list[Component] = field(default_factory=list)
    _closers: list[Callable[[], object]] = field(default_factory=list)

    async def stop(self, grace: float = 5.0) -> None:
        """Stop serving (in-flight RPCs get ``grace`` seconds), the components, the store.

        A component whose stop fails (an ingest that had crashed raises its error
        again) does not keep the rest open: the first such error is raised last.
        """
        for component in self.components:
            # Operators' watch streams never end by themselves: end them first, or the
            # server would wait the whole grace for them.
            end_watches = getattr(component, "end_watches", None)
            if end_watches is not None:
                end_watches()
        await stop_server(self.server, grace)
        failed: Exception | None = None
        for component in reversed(self.components):
            try:
                await component.stop()
            except Exception as exc:
                failed = failed or exc
        for close in reversed(self._closers):
            close()
        self.store.close()
        if failed is not None:
            raise failed


def _start_metrics(address: str) -> Callable[[], object] | None:
    """Serve Prometheus metrics on ``HOST:PORT``; a failure to bind is a warning, not fatal."""
    from prometheus_client import start_http_server

    host, _, port = address.rpartition(":")
    try:
        httpd, _thread = start_http_server(int(port), host or "127.0.0.1")
    except (OSError, ValueError) as exc:
        log.warning("metrics_not_served", address=address, error=str(exc))
        return None
    bound = httpd.server_address  # port 0 asks for a free port: name the one taken
    log.info("metrics_serving", address=f"{host or '127.0.0.1'}:{bound[1]}")
    return httpd.shutdown


async def start_hub(settings: HubSettings, *,
                    open_store: Callable[[str], Store] | None = None,
                    ingest: IngestFactory | None = None) -> RunningHub:
    """Open the store named by ``settings.db_url`` and start the hub over it."""
    if open_store is None:
        from hub.store.factory import open_store
    store = open_store(settings.db_url)
    components: list[Component] = []
    closers: list[Callable[[], object]] = []
    try:
        operator: IngestControl | None = None
        if ingest is not None:
            component = ingest(store, settings)
            await component.start()
            components.append(component)
            operator = component
        server, port = await create_server(store, settings.grpc, operator)
        if settings.metrics:
            closer = _start_metrics(settings.metrics)
            if closer is not None:
                closers.append(closer)
    except BaseException:
        for component in reversed(components):
            await component.stop()
        store.close()
        raise
    tune_gc()
    log.info("hub_serving", grpc=f"{settings.grpc.rpartition(':')[0]}:{port}",
             db=settings.db_url.split("@")[-1])
    return RunningHub(settings, store, server, port, components, closers)

