"""``transferhub up`` as a newcomer runs it: examples that work as printed, Ctrl-C cleans up."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from transferhub.broker import BrokerUnavailable, EmbeddedBroker

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.timeout(240)]
CLI = [sys.executable, "-m", "transferhub.cli.main"]


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _run_example(line: str) -> dict:
    argv = shlex.split(line)
    assert argv[0] == "transferhub"
    done = subprocess.run([*CLI, *argv[1:], "--json"], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def _start_up(cwd: Path) -> tuple[subprocess.Popen[str], list[str]]:
    """``transferhub up`` in ``cwd``, once it has printed its addresses and three examples."""
    try:
        EmbeddedBroker.on_free_port().start().stop()
    except BrokerUnavailable as exc:
        pytest.skip(f"the embedded broker is not available: {exc}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSFERHUB_")}
    up = subprocess.Popen([*CLI, "up"], cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    try:
        assert up.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 150
        while len([x for x in lines if x.startswith("  transferhub")]) < 3:
            line = up.stdout.readline()
            assert line, f"up ended early: {up.stderr.read() if up.stderr else ''}"
            lines.append(line.rstrip("\n"))
            assert time.monotonic() < deadline
    except BaseException:
        _kill(up)
        raise
    return up, lines


def _kill(up: subprocess.Popen[str]) -> None:
    if up.poll() is None:
        up.kill()
        up.wait(10)


def _stops_everything(up: subprocess.Popen[str], signum: int) -> None:
    below = _descendants(up.pid)
    assert below, "up runs its broker, hub and adapters as child processes"
    try:
        up.send_signal(signum)
        assert up.wait(60) == 0
        time.sleep(0.5)
        assert not [pid for pid in below if _alive(pid)]
    finally:
        _kill_all(below)


def _kill_all(pids: set[int]) -> None:
    """What a failed run left behind (its broker and hub), so that it leaves nothing."""
    for pid in pids:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_up_prints_examples_that_answer_and_ctrl_c_leaves_nothing(tmp_path: Path) -> None:
    """Everything starts, the printed queries answer, and Ctrl-C stops every child."""
    up, lines = _start_up(tmp_path)
    try:
        examples = [x.strip() for x in lines if x.startswith("  transferhub")]
        assert "broker 127.0.0.1:" in lines[0] and "hub 127.0.0.1:" in lines[0]

        first, second, third = (_run_example(x) for x in examples)
        assert first["awarded"] and first["total_credits"] > 0
        assert first["not_transferred"][0]["reason"] == "no_agreement"
        assert second["suggested"] and not second["awarded"]
        assert third["earned"] > 0 and third["counted"]

        _stops_everything(up, signal.SIGINT)
    finally:
        _kill(up)


def test_sigterm_stops_up_and_every_child_as_ctrl_c_does(tmp_path: Path) -> None:
    """What a service manager sends (systemd, Kubernetes) stops it as cleanly as Ctrl-C."""
    up, _ = _start_up(tmp_path)
    try:
        _stops_everything(up, signal.SIGTERM)
    finally:
        _kill(up)


def test_closing_the_terminal_stops_up_and_every_child(tmp_path: Path) -> None:
    """A closed terminal sends SIGHUP, and writes to it fail from then on: up stops
    everything as on Ctrl-C (it once died at once, leaving its broker and hub running)."""
    try:
        EmbeddedBroker.on_free_port().start().stop()
    except BrokerUnavailable as exc:
        pytest.skip(f"the embedded broker is not available: {exc}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSFERHUB_")}
    master, terminal = os.openpty()
    up = subprocess.Popen([*CLI, "up"], cwd=tmp_path, env=env, stdin=terminal,
                          stdout=terminal, stderr=terminal)
    os.close(terminal)
    below: set[int] = set()
    try:
        shown = b""
        deadline = time.monotonic() + 150
        while shown.count(b"  transferhub ") < 3:
            assert time.monotonic() < deadline, shown.decode(errors="replace")
            try:
                shown += os.read(master, 4096)
            except OSError:   # EIO: up ended and closed the terminal's other side
                raise AssertionError(shown.decode(errors="replace")) from None
        below = _descendants(up.pid)
        os.close(master)   # the terminal is gone: writing to it fails now
        master = -1
        up.send_signal(signal.SIGHUP)
        assert up.wait(60) == 0
        time.sleep(0.5)
        assert not [pid for pid in below if _alive(pid)]
    finally:
        if master >= 0:
            os.close(master)
        _kill(up)
        _kill_all(below)
