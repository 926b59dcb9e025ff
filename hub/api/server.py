"""The hub's gRPC server: QueryService, OperatorService, health and reflection.

``create_server`` binds (port 0 picks a free port, as tests want) and starts
the server; ``stop_server`` drains it gracefully. Interceptors (auth, metrics)
are passed in, so adding one never touches a servicer.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import weakref
from collections.abc import Sequence
from concurrent.futures import Executor, ThreadPoolExecutor

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio

from hub.api.decoding import UndecodableRequests
from hub.api.errors import log_client_gone_quietly
from hub.api.operator import IngestControl, OperatorServicer
from hub.api.query import QueryServicer, StackEngine, TransferEngine
from hub.api.reflection import enable_reflection
from hub.api.store_health import STORE_PROBE_SECONDS, watch_store
from hub.store.ports import Store
from transferhub.hub.v1 import operator_service_pb2, query_service_pb2
from transferhub.hub.v1 import operator_service_pb2_grpc as operator_grpc
from transferhub.hub.v1 import query_service_pb2_grpc as query_grpc

QUERY_SERVICE = query_service_pb2.DESCRIPTOR.services_by_name["QueryService"].full_name
OPERATOR_SERVICE = operator_service_pb2.DESCRIPTOR.services_by_name["OperatorService"].full_name
SERVICES = (QUERY_SERVICE, OPERATOR_SERVICE)
# Query threads, one per core: a query is Python CPU under the GIL, so more threads
# only take turns at it (measured over gRPC on 2 cores, 16 calls in flight: 8
# threads 131 Transfers/s, 2 threads 164/s); the rest queue on the loop.
QUERY_WORKERS = os.cpu_count() or 2

# What stop_server must release for each server create_server built.

class _Health(health_aio.HealthServicer):
    """grpcio's asyncio health servicer plus ``List``, which its synchronous twin has:
    reflection advertises it, and without it every call failed UNIMPLEMENTED with a
    traceback in the hub's log."""

    async def List(self, request: health_pb2.HealthListRequest,
                   context: grpc.aio.ServicerContext) -> health_pb2.HealthListResponse:
        """Every service's serving status, as ``Check`` would give each."""
        # _server_status is the base class's own table (what ``set`` fills, ``Check`` reads).
        return health_pb2.HealthListResponse(statuses={
            name: health_pb2.HealthCheckResponse(status=status)
            for name, status in self._server_status.items()})

_resources: weakref.WeakKeyDictionary[
    grpc.aio.Server, tuple[_Health, Executor, bool, asyncio.Task[None]]] = (
    weakref.WeakKeyDictionary())


def _default_engines() -> tuple[TransferEngine, StackEngine]:
    from hub.domain.stacking import answer_stack
    from hub.domain.transfer import answer_transfer
    return answer_transfer, answer_stack


async def create_server(
    store: Store,
    address: str = "127.0.0.1:0",
    operator: IngestControl | None = None,
    *,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
    executor: Executor | None = None,
    transfer: TransferEngine | None = None,
    stack: StackEngine | None = None,
    store_probe_seconds: float = STORE_PROBE_SECONDS,
) -> tuple[grpc.aio.Server, int]:
    """Build, bind and start the hub's server over ``store``; returns it and its port.

    ``operator`` is the in-process ingest, when this process consumes events.
    ``transfer``/``stack`` default to the domain's query engine. Health follows the
    store, read every ``store_probe_seconds`` (:mod:`hub.api.store_health`).
    """
    log_client_gone_quietly()
    owns_executor = executor is None
    executor = executor or ThreadPoolExecutor(QUERY_WORKERS, thread_name_prefix="hub-query")
    if transfer is None or stack is None:
        default_transfer, default_stack = _default_engines()
        transfer, stack = transfer or default_transfer, stack or default_stack
    # No SO_REUSEPORT (gRPC's default on Linux): a second hub on a taken port must
    # fail to bind, not share the port and answer every other call from its own store.
    # Undecodable requests are refused first, so that later interceptors (auth,
    # metrics) and the servicers only ever see decoded messages.
    server = grpc.aio.server(interceptors=[UndecodableRequests(), *interceptors],
                             options=[("grpc.so_reuseport", 0)])
    query_grpc.add_QueryServiceServicer_to_server(
        QueryServicer(store, executor, transfer=transfer, stack=stack), server)
    operator_grpc.add_OperatorServiceServicer_to_server(
        OperatorServicer(store, executor, operator), server)
    health = _Health()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    enable_reflection(server, (*SERVICES, health_pb2.DESCRIPTOR.services_by_name["Health"]
                               .full_name))
    port = server.add_insecure_port(address)
    if port == 0:
        raise OSError(f"cannot bind the hub's gRPC server to {address}")
    await server.start()
    for name in ("", *SERVICES):
        await health.set(name, health_pb2.HealthCheckResponse.SERVING)
    watching = asyncio.create_task(
        watch_store(store, health, ("", *SERVICES), store_probe_seconds),
        name="hub store health")
    _resources[server] = (health, executor, owns_executor, watching)
    return server, port


async def stop_server(server: grpc.aio.Server, grace: float = 5.0) -> None:
    """Say NOT_SERVING, let in-flight RPCs finish for up to ``grace`` seconds, release threads."""
    health, executor, owns_executor, watching = _resources.pop(
        server, (None, None, False, None))
    if watching is not None:
        watching.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watching
    if health is not None:
        await health.enter_graceful_shutdown()
    await server.stop(grace)
    if owns_executor and executor is not None:
        executor.shutdown(wait=False, cancel_futures=True)
