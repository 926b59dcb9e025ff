"""Errors of the API layer and the one place they become gRPC status codes.

    DomainError (hub.domain.errors)     the input is wrong; never retryable
    ├── InvalidIdentifier ─┐
    ├── InvalidGrade       ├──────────→ INVALID_ARGUMENT, message names the field
    ├── InvalidDate        │
    ├── InvalidQuery ──────┘            (also the API's request caps, see limits)
    ├── NotFound ─────────────────────→ NOT_FOUND
    └── TooComplex ───────────────────→ RESOURCE_EXHAUSTED (settled by no exact method in time)
    any error with ``retryable = True`` → UNAVAILABLE (the store's transient
                                          unavailability: the client retries)
    Unimplemented (this module) ──────→ UNIMPLEMENTED
    anything else ────────────────────→ INTERNAL, logged with its traceback

Servicers never pick status codes themselves: their methods are wrapped with
:func:`maps_errors`, so an interceptor added later (auth) sees the same codes.

A client that goes away mid-call (a monitor's Ctrl-C, a cancelled stream) is
no error of the hub: see :class:`ClientGoneQuietly`.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import grpc
import structlog

from hub.domain.errors import DomainError, NotFound, TooComplex

log = structlog.get_logger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


class Unimplemented(Exception):
    """The RPC exists in the contract but this hub process cannot serve it."""

    retryable = False


MAX_MESSAGE = 2_000
"""UTF-8 bytes of a status message a client receives. gRPC carries the message in a
header, percent-encoded (a non-ASCII byte is three characters), which a client takes up
to 8 KiB (16 KiB at the most): an error quoting a province's long text (a scale of nine
2,000-character letters) came back as RESOURCE_EXHAUSTED "metadata size exceeds hard
limit" instead of INVALID_ARGUMENT (a tester). Counted in bytes, not characters: 2,000
CJK characters still broke it (a reviewer)."""


def _short(message: str) -> str:
    encoded = message.encode()
    if len(encoded) <= MAX_MESSAGE:
        return message
    kept = encoded[:MAX_MESSAGE - 40].decode(errors="ignore")  # no half of a character
    return kept + f"… ({len(message):,} characters in all)"


def status_for(exc: BaseException) -> tuple[grpc.StatusCode, str]:
    """The status code and message a client receives for ``exc``, the message at most
    :data:`MAX_MESSAGE` bytes."""
    code, message = _status_for(exc)
    return code, _short(message)


def _status_for(exc: BaseException) -> tuple[grpc.StatusCode, str]:
    if isinstance(exc, NotFound):
        return grpc.StatusCode.NOT_FOUND, str(exc)
    if isinstance(exc, TooComplex):   # the input is valid; answering it is past the bound
        return grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc)
    if isinstance(exc, DomainError):
        return grpc.StatusCode.INVALID_ARGUMENT, str(exc)
    if isinstance(exc, Unimplemented):
        return grpc.StatusCode.UNIMPLEMENTED, str(exc)
    if getattr(exc, "retryable", False):
        return grpc.StatusCode.UNAVAILABLE, f"the hub's store is unavailable, retry: {exc}"
    return grpc.StatusCode.INTERNAL, "the hub failed to answer; the operators have the details"


async def _abort(context: grpc.aio.ServicerContext, exc: Exception, method: str) -> None:
    if isinstance(exc, grpc.aio.AbortError):  # already a status: let it through
        raise exc
    code, message = status_for(exc)
    if code is grpc.StatusCode.INTERNAL:
        log.exception("rpc_failed", method=method)
    else:
        log.info("rpc_refused", method=method, code=code.name, detail=message)
    await context.abort(code, message)


def maps_errors(method: F) -> F:
    """Wrap a unary servicer method so errors become status codes (see the module tree)."""

    @functools.wraps(method)
    async def unary(self: object, request: object, context: grpc.aio.ServicerContext) -> object:
        try:
            return await method(self, request, context)
        except Exception as exc:  # mapped to a status, never leaked as a traceback
            await _abort(context, exc, method.__name__)

    return unary  # type: ignore[return-value]


def maps_stream_errors(method: F) -> F:
    """Wrap a server-streaming servicer method so errors become status codes."""

    @functools.wraps(method)
    async def stream(self: object, request: object,
                     context: grpc.aio.ServicerContext) -> AsyncIterator[object]:
        try:
            async for item in method(self, request, context):
                yield item
        except Exception as exc:  # mapped to a status, never leaked as a traceback
            await _abort(context, exc, method.__name__)

    return stream  # type: ignore[return-value]


GRPC_CORE_LOGGER = "grpc._cython.cygrpc"
_METHOD = re.compile(r"\[(?P<method>[^\]]*)\]")


class ClientGoneQuietly(logging.Filter):
    """grpcio's "ExecuteBatchError raised in core by servicer method [...]", with its
    traceback at error level, becomes one info line of the hub's own: ``rpc_client_gone``.

    grpcio logs it when the core refuses to send a call's next message or status
    because the call has ended (the client cancelled or went away, its deadline
    passed) before grpcio itself noticed the client close, a race: usually the same
    departure passes silently. Either way the hub did nothing wrong and there is
    nothing to fix. An error of the hub's own code is another record (``rpc_failed``,
    grpcio's "Unexpected [...] raised by servicer method") and stays an error.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or type(exc).__name__ != "ExecuteBatchError":
            return True
        found = _METHOD.search(record.getMessage())
        log.info("rpc_client_gone", method=found["method"] if found else "",
                 detail="the call ended before the hub's answer was sent "
                        "(the client cancelled or went away)")
        return False


def log_client_gone_quietly() -> None:
    """Install :class:`ClientGoneQuietly` on grpcio's logger (once)."""
    core = logging.getLogger(GRPC_CORE_LOGGER)
    if not any(isinstance(f, ClientGoneQuietly) for f in core.filters):
        core.addFilter(ClientGoneQuietly())
