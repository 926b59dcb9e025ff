"""The CLI's connection to the hub: gRPC only, retrying for a few seconds when unreachable.

    HubUnreachable      the hub cannot be reached (exit 3)
    HubRefused          the hub answered with an error; ``code`` says which

``grpc.RpcError`` never leaves this module: :func:`call` for one answer, :func:`stream`
for a server stream (``monitor``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from hub.settings import DEFAULT_GRPC

CONNECT_SECONDS = 5.0
CALL_SECONDS = 60.0
RETRIES = 3
MAX_ANSWER = 256 * 1024 * 1024
"""Bytes of one answer the CLI takes. gRPC's default, 4 MiB, refused answers the hub may
give within every field's cap (40 rules of 128 KiB notations from one credential, a
30-item transcript awarding rules of 100 designated grants: a tester), and the CLI then
failed with a raw RESOURCE_EXHAUSTED. Other clients keep their own limits."""
CHANNEL_OPTIONS = [("grpc.max_receive_message_length", MAX_ANSWER)]


class HubUnreachable(Exception):
    """The hub did not answer within the retry budget."""


class HubRefused(Exception):
    """The hub answered the request with an error status."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def hub_address(explicit: str | None) -> str:
    """``--hub``, else ``TRANSFERHUB_HUB``, else the default address; white space around it
    (``TRANSFERHUB_HUB=" host:port"``, as a shell script may set it) is not part of it."""
    return (explicit or os.environ.get("TRANSFERHUB_HUB") or DEFAULT_GRPC).strip()


def _wait_ready(channel: grpc.Channel, address: str) -> None:
    try:
        grpc.channel_ready_future(channel).result(timeout=CONNECT_SECONDS)
    except grpc.FutureTimeoutError:
        raise HubUnreachable(f"the hub at {address} cannot be reached "
                             f"(tried for {CONNECT_SECONDS:.0f} s)") from None


def _failure(exc: grpc.RpcError, address: str) -> HubUnreachable | HubRefused:
    """What an error status means for the CLI: the hub is gone (exit 3) or it refused (1)."""
    code, details = exc.code(), exc.details() or ""
    if code is grpc.StatusCode.DEADLINE_EXCEEDED:
        return HubUnreachable(f"the hub at {address} did not answer within "
                              f"{CALL_SECONDS:.0f} s (it may be overloaded, or its store "
                              f"held up): {details}")
    if code is grpc.StatusCode.UNAVAILABLE:
        return HubUnreachable(f"the hub at {address}: {details}")
    return HubRefused(code, details)


def call(address: str, stub_class: type, method: str, request: Any) -> Any:
    """Call ``stub_class(channel).method(request)`` on the hub at ``address``."""
    with grpc.insecure_channel(address, options=CHANNEL_OPTIONS) as channel:
        _wait_ready(channel, address)
        rpc: Callable[..., Any] = getattr(stub_class(channel), method)
        for attempt in range(1, RETRIES + 1):
            try:
                return rpc(request, timeout=CALL_SECONDS, wait_for_ready=True)
            except grpc.RpcError as exc:
                if exc.code() is grpc.StatusCode.UNAVAILABLE and attempt < RETRIES:
                    time.sleep(attempt)  # the store was busy: back off and ask again
                    continue
                raise _failure(exc, address) from None
    raise AssertionError("unreachable")  # the loop always returns or raises


def stream(address: str, stub_class: type, method: str, request: Any) -> Iterator[Any]:
    """Each message of the server stream ``stub_class(channel).method(request)``, until it ends.

    Raises :class:`HubUnreachable` when the hub cannot be reached (or goes away
    mid-stream) and :class:`HubRefused` when it answers with an error.
    """
    with grpc.insecure_channel(address, options=CHANNEL_OPTIONS) as channel:
        _wait_ready(channel, address)
        responses = getattr(stub_class(channel), method)(request)
        try:
            yield from responses
        except grpc.RpcError as exc:
            raise _failure(exc, address) from None
        finally:
            responses.cancel()
