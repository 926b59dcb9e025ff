"""Checking ``HOST:PORT`` options before anything is started, so a typo is exit 2, not a hang.

CLI.md: bad usage exits 2 with a message naming what is wrong. An address
that cannot be an address (no port, a port that is not 0-65535;
port 0 asks the system for a free one) is bad usage;
one that is well formed but where nothing answers is the caller's exit 3.
"""

from __future__ import annotations


def problem(option: str, address: str, *, port_optional: bool = False) -> str | None:
    """Why ``address`` given as ``option`` is not ``HOST:PORT``; ``None`` when it is.

    ``port_optional`` accepts a bare host, as Kafka clients do (port 9092).
    IPv6 hosts are written in brackets (``[::1]:50051``).
    """
    host, sep, port = address.strip().rpartition(":")
    if not sep and port_optional and port and "[" not in port:
        return None
    if sep and host and port.isdigit() and int(port) < 65536:
        return None
    return f"{option} {address!r} is not HOST:PORT (e.g. 127.0.0.1:50051)"


def bootstrap_problem(option: str, servers: str) -> str | None:
    """Why a Kafka bootstrap list ``HOST[:PORT][,HOST[:PORT]…]`` is malformed, or ``None``."""
    parts = [part.strip() for part in servers.split(",")]
    if not any(parts):
        return f"{option} is empty; expected HOST:PORT (e.g. 127.0.0.1:9092)"
    for part in parts:
        if problem(option, part, port_optional=True):
            return f"{option} {servers!r} is not HOST:PORT[,HOST:PORT…] (e.g. 127.0.0.1:9092)"
    return None
