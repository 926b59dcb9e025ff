"""``transferhub broker``: the embedded broker in the foreground, topics created, clean stop."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

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


def _broker_command() -> tuple[str, subprocess.Popen[str]]:
    """``transferhub broker`` on a free port, once it says it listens: (address, process)."""
    address = f"127.0.0.1:{free_port()}"
    proc = subprocess.Popen([sys.executable, "-m", "transferhub.cli.main", "broker",
                             "--listen", address], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if address not in line:
        proc.kill()
        raise AssertionError(f"the broker did not say it listens on {address}: {line!r}")
    return address, proc


def test_broker_creates_the_topics_and_stops_on_sigterm() -> None:
    """It listens where asked, holds the provinces' and dead-letter topics, exits 0 on SIGTERM."""
    try:
        EmbeddedBroker.on_free_port().start().stop()
    except BrokerUnavailable as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"the embedded broker is required in CI: {exc}", pytrace=False)
        pytest.skip(f"the embedded broker is not available: {exc}")
    address, proc = _broker_command()
    try:
        assert {"transferhub.events.bc", "transferhub.events.on", "transferhub.events.sk",
                "transferhub.deadletter"} <= asyncio.run(_topics(address))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    with pytest.raises(OSError):  # nobody listens any more
        asyncio.run(asyncio.wait_for(asyncio.open_connection(*address.split(":")), 2))


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_broker_process_ends_when_the_command_is_killed() -> None:
    """SIGKILL on ``transferhub broker`` ends its Tansu child too: left listening, it made
    the next broker on that port fail with "Address already in use" (a tester)."""
    address, proc = _broker_command()
    try:
        (tansu,) = _children(proc.pid)
        proc.kill()
        proc.wait(10)
        deadline = time.monotonic() + 10
        while not _gone(tansu) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _gone(tansu), "the broker outlived the command that started it"
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in _children(proc.pid):
            os.kill(pid, signal.SIGKILL)
    # The port is free again: a new broker starts there.
    EmbeddedBroker(address).start().stop()


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
