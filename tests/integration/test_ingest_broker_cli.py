"""``transferhub broker``: the embedded broker in the foreground, topics created, clean stop."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from transferhub.broker import BrokerUnavailable, EmbeddedBroker, free_port

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


async def _topics(address: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=address)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


def test_broker_creates_the_topics_and_stops_on_sigterm() -> None:
    """It listens where asked, holds the provinces' and dead-letter topics, exits 0 on SIGTERM."""
    try:
        EmbeddedBroker.on_free_port().start().stop()
    except BrokerUnavailable as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"the embedded broker is required in CI: {exc}", pytrace=False)
        pytest.skip(f"the embedded broker is not available: {exc}")
    address = f"127.0.0.1:{free_port()}"
    proc = subprocess.Popen([sys.executable, "-m", "transferhub.cli.main", "broker",
                             "--listen", address], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert address in proc.stdout.readline()
        assert {"transferhub.events.bc", "transferhub.events.on", "transferhub.events.sk",
                "transferhub.deadletter"} <= asyncio.run(_topics(address))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    with pytest.raises(OSError):  # nobody listens any more
        asyncio.run(asyncio.wait_for(asyncio.open_connection(*address.split(":")), 2))


def test_a_port_something_listens_on_is_refused_not_taken_for_the_broker() -> None:
    """Another program on the port: the broker says so and exits 3; it never claims to listen
    (it once did, having connected to that other listener)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        done = subprocess.run([sys.executable, "-m", "transferhub.cli.main", "broker",
                               "--listen", address], capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stderr
    assert f"cannot listen on {address}" in done.stderr
    assert "another broker or program listens there" in done.stderr
    assert "listening" not in done.stdout


def test_bad_listen_address_is_usage_error() -> None:
    """``--listen`` that is not HOST:PORT exits 2 with a message naming it."""
    done = subprocess.run([sys.executable, "-m", "transferhub.cli.main", "broker",
                           "--listen", "nowhere"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "--listen" in done.stderr
