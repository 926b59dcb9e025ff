"""Server reflection under both its names, so tools list and call the hub without protos.

grpcio-reflection serves ``grpc.reflection.v1alpha.ServerReflection`` only; current
tools ask ``grpc.reflection.v1.ServerReflection`` first, and the stricter ones do not
fall back (an integrator's grpcurl did; another tool answered UNIMPLEMENTED). The v1
service is the v1alpha one under a stable package name, its messages field for field
the same, so the one servicer answers both, with v1alpha's message classes. Listed
services are the hub's, health and v1alpha reflection: the v1 descriptor is not in the
pool, and a listed service a tool could not describe would break ``describe``.
"""

from __future__ import annotations

from collections.abc import Iterable

import grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2, reflection_pb2_grpc

V1_SERVICE = "grpc.reflection.v1.ServerReflection"


def enable_reflection(server: grpc.aio.Server, service_names: Iterable[str]) -> None:
    """Serve reflection (v1alpha and v1) on ``server`` for ``service_names``."""
    servicer = reflection.aio.ReflectionServicer((*service_names, reflection.SERVICE_NAME))
    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(servicer, server)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(V1_SERVICE, {
        "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
            servicer.ServerReflectionInfo,
            request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
            response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString),
    }),))
