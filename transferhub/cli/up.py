"""``transferhub up``: everything on one machine, for a newcomer or a demo.

The embedded broker (127.0.0.1:9092, or a free port when that one is taken,
said so), the hub (``transferhub serve``) on SQLite, then the three adapters
on the bundled sample exports; once the hub has applied what they published
it prints the addresses and three example queries that work as printed.
Ctrl-C, SIGTERM or SIGHUP (the terminal closed) stops everything; each child
runs in its own process group and is terminated, then killed, so nothing is
left behind.

Each run starts afresh in ``./.transferhub/up/`` (the hub's store, its log
``hub.log`` and the adapters' state): the embedded broker keeps nothing
between runs, so neither does the demo.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from transferhub.cli.main import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE
from transferhub.lifetime import ended_with_parent

HOME = Path(".transferhub") / "up"
PROVINCES = (("ontario", "ON"), ("bc", "BC"), ("saskatchewan", "SK"))
APPLY_TIMEOUT = 120.0

# Picked from adapters/samples (see its README): an agreement, an inferred pathway, a stack.
EXAMPLES = (
    ("transfer", "--to", "BC:UBCV", "--completed", "BC:CAPU:ENGL 100=B+@2016-04",
     "--completed", "BC:CAPU:BADM 101=A@2016-04"),
    ("transfer", "--to", "BC:UBCV", "--completed", "ON:SENE:IPC144=78@2021-12-15"),
    ("stack", "--toward", "ON:HUMB:CERT-DA", "--completed", "ON:HUMB:MC-DA-01=A@2022-04",
     "--completed", "ON:HUMB:MC-DA-02=B@2022-04"),
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``up`` to the command tree."""
    parser = subparsers.add_parser(
        "up", help="broker, hub and the three adapters on the sample exports, on this machine",
        description="Run the embedded broker, the hub on SQLite and the three province "
                    "adapters on the bundled sample exports; Ctrl-C stops everything.")
    parser.set_defaults(func=run)


def _port_or_free(preferred: int) -> tuple[str, bool]:
    """``127.0.0.1:preferred`` when nobody listens there, else a free port; and whether moved."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
        except OSError:
            sock.bind(("127.0.0.1", 0))
            return f"127.0.0.1:{sock.getsockname()[1]}", True
    return f"127.0.0.1:{preferred}", False


def _say(text: str) -> None:
    print(f"transferhub up: {text}", file=sys.stderr, flush=True)


class _Children:
    """Child processes, each in its own process group, all ended on exit."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *argv: str, **kwargs: object) -> subprocess.Popen[bytes]:
        # Ended with ``up`` even when it is killed (transferhub.lifetime): started from
        # the main thread only.
        proc = subprocess.Popen([sys.executable, "-m", "transferhub.cli.main", *argv],
                                start_new_session=True, preexec_fn=ended_with_parent(),
                                **kwargs)  # type: ignore[call-overload]
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # grandchildren left in the group


def _publish(children: _Children, kafka: str, stopping: threading.Event) -> int:
    """Run the three adapters on the samples; the number of events they published."""
    from adapters.samples import sample_path

    total = 0
    for name, province in PROVINCES:
        proc = children.start("adapter", name, str(sample_path(province)), "--kafka", kafka,
                              "--state", str(HOME / "adapters" / name), "--json",
                              stdout=subprocess.PIPE)
        out, _ = proc.communicate()
        if stopping.is_set():
            return total
        if proc.returncode != 0:
            raise RuntimeError(f"the {name} adapter exited with code {proc.returncode}")
        summary = json.loads(out or b"{}")
        total += int(summary.get("published", 0)) + int(summary.get("retired", 0))
        _say(f"{name}: published {summary.get('published', 0)} events")
    return total


def _wait_applied(hub: str, expected: int, stopping: threading.Event) -> dict[str, object]:
    from transferhub.cli.hubclient import HubUnreachable, call
    from transferhub.hub.v1 import operator_service_pb2 as pb
    from transferhub.hub.v1 import operator_service_pb2_grpc as pb_grpc

    deadline = time.monotonic() + APPLY_TIMEOUT
    while not stopping.is_set() and time.monotonic() < deadline:
        with contextlib.suppress(HubUnreachable):
            s = call(hub, pb_grpc.OperatorServiceStub, "GetStatus", pb.GetStatusRequest())
            stale = sum(p.events_stale for p in s.by_province.values())
            if s.events_applied + s.events_duplicate + s.dead_lettered + stale >= expected:
                return {"applied": s.events_applied, "rules": s.rules,
                        "credentials": s.credentials, "institutions": s.institutions}
        stopping.wait(0.5)
    raise TimeoutError(f"the hub did not apply {expected} events in {APPLY_TIMEOUT:.0f}s")


def _examples(hub: str, default_hub: bool) -> list[str]:
    extra = [] if default_hub else ["--hub", hub]
    return [shlex.join(["transferhub", *example, *extra]) for example in EXAMPLES]


def run(args: argparse.Namespace) -> int:
    """Run everything until Ctrl-C, SIGTERM or SIGHUP."""
    from transferhub.broker import BrokerUnavailable, EmbeddedBroker
    from transferhub.cli.hangup import stop_on_signals

    stopping = threading.Event()
    stop_on_signals(stopping)
    shutil.rmtree(HOME, ignore_errors=True)
    try:
        HOME.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a read-only folder: nothing to start there
        _say(f"cannot make its working folder {HOME.absolute()}: {exc.strerror or exc}; "
             "run it from a folder you can write to")
        return EXIT_USAGE
    kafka, moved = _port_or_free(9092)
    if moved:
        _say(f"127.0.0.1:9092 is taken: the broker listens on {kafka}")
    hub, hub_moved = _port_or_free(50051)
    if hub_moved:
        _say(f"127.0.0.1:50051 is taken: the hub listens on {hub}")
    metrics, _ = _port_or_free(9464)
    db = f"sqlite:///{HOME / 'hub.db'}"
    broker = EmbeddedBroker(kafka)
    children = _Children()
    try:
        try:
            broker.start(ended_with_parent=True)
            broker.ensure_topics()
        except (BrokerUnavailable, OSError) as exc:
            _say(f"the broker cannot start on {kafka}: {exc}")
            return EXIT_UNREACHABLE
        log = (HOME / "hub.log").open("ab")
        serve = children.start("serve", "--db", db, "--kafka", kafka, "--grpc", hub,
                               "--metrics", metrics, stdout=log, stderr=log)
        log.close()  # the child holds its own descriptor
        expected = _publish(children, kafka, stopping)
        if stopping.is_set():
            return EXIT_OK
        counts = _wait_applied(hub, expected, stopping)
        if stopping.is_set():
            return EXIT_OK
        print(f"transferhub up: broker {kafka} · hub {hub} (gRPC) · metrics http://{metrics}"
              f"/metrics · store {db} · {counts['institutions']} institutions, "
              f"{counts['credentials']} credentials, {counts['rules']} rules · Ctrl-C stops all",
              flush=True)
        print("try:", flush=True)
        for line in _examples(hub, default_hub=not hub_moved
                              and not os.environ.get("TRANSFERHUB_HUB")):
            print(f"  {line}", flush=True)
        while not stopping.wait(0.5):
            if serve.poll() is not None:
                _say(f"the hub exited with code {serve.returncode}")
                return EXIT_FAILED
        return EXIT_OK
    except (RuntimeError, TimeoutError) as exc:
        _say(str(exc))
        return EXIT_FAILED
    finally:
        _say("stopping")
        children.stop_all()
        broker.stop()
