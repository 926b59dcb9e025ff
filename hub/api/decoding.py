"""Requests whose bytes do not decode are ``INVALID_ARGUMENT``, as any other bad input.

gRPC decodes a request before any servicer runs; when protobuf refuses the
bytes (a string field that is not UTF-8, as a Latin-1 client sends, or a
corrupt wire format), grpcio answers ``UNKNOWN`` with the Python exception's
class in the message. :class:`UndecodableRequests` wraps each unary-request
method's decoder so that such a request reaches the method as a marker, and
the call ends ``INVALID_ARGUMENT`` naming the request and what protobuf found.
Streaming requests (server reflection) are left as they are.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError


class _Undecodable:
    """What a request that did not decode becomes: why, for the call's error."""

    __slots__ = ("why",)

    def __init__(self, why: str) -> None:
        self.why = why


def _message(request: _Undecodable) -> str:
    return (f"request: the message does not decode ({request.why}); strings must be UTF-8 "
            "and the bytes a serialized request of this method")


def _decoder(decode: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    def safe(data: bytes) -> Any:
        try:
            return decode(data)
        except DecodeError as error:
            return _Undecodable(str(error))
    return safe


def _unary(behaviour: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def checked(request: Any, context: grpc.aio.ServicerContext) -> Any:
        if isinstance(request, _Undecodable):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, _message(request))
        answer = behaviour(request, context)
        return await answer if inspect.isawaitable(answer) else answer
    return checked


def _streaming(behaviour: Callable[..., Any]) -> Callable[..., AsyncIterator[Any]]:
    async def checked(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        if isinstance(request, _Undecodable):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, _message(request))
        answers = behaviour(request, context)
        if hasattr(answers, "__aiter__"):
            async for answer in answers:
                yield answer
        else:
            for answer in answers:
                yield answer
    return checked


class UndecodableRequests(grpc.aio.ServerInterceptor):
    """Turns an undecodable unary request into ``INVALID_ARGUMENT`` (see the module)."""

    def __init__(self) -> None:
        # The wrapped handler of each method, built once: grpc hands out the same one.
        self._wrapped: dict[str, tuple[Any, Any]] = {}

    async def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Any]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        handler = await continuation(handler_call_details)
        if handler is None or handler.request_streaming or handler.request_deserializer is None:
            return handler
        method = handler_call_details.method
        known = self._wrapped.get(method)
        if known is not None and known[0] is handler:
            return known[1]
        safe = _decoder(handler.request_deserializer)
        if handler.response_streaming:
            wrapped = handler._replace(request_deserializer=safe,
                                       unary_stream=_streaming(handler.unary_stream))
        else:
            wrapped = handler._replace(request_deserializer=safe,
                                       unary_unary=_unary(handler.unary_unary))
        self._wrapped[method] = (handler, wrapped)
        return wrapped
