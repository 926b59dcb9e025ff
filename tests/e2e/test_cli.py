"""The real ``transferhub`` CLI in subprocesses against ``transferhub serve`` on SQLite.

Outputs are compared key by key with CLI.md's JSON shapes; exit codes are
CLI.md's (0 answered, 1 refused, 2 bad input, 3 unreachable).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

CLI = [sys.executable, "-m", "transferhub.cli.main"]
START_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SERVE_LOGS: dict[int, Path] = {}  # pid -> the file its standard error goes to


def serve_log(process: subprocess.Popen[bytes]) -> str:
    """What a ``serve`` started by :func:`start_serve` logged so far."""
    path = SERVE_LOGS.get(process.pid)
    return path.read_text(errors="replace") if path else ""


def wait_serving(address: str, process: subprocess.Popen[bytes]) -> None:
    """Return once the hub says SERVING; fail with its output if it died or never did."""
    deadline = time.monotonic() + START_SECONDS
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"serve exited {process.returncode}: {serve_log(process)!r}")
            try:
                if stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status == 1:
                    return
            except grpc.RpcError:
                time.sleep(0.2)
    pytest.fail(f"the hub at {address} did not start within {START_SECONDS} s")


def start_serve(db: Path, kafka: str | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """``transferhub serve`` on a free port over ``db``, consuming from ``kafka`` (by default
    a port with no broker there: queries still work).

    Its log (standard error: without a broker it warns every second) goes to
    ``<db stem>.serve.log`` beside ``db``, which nobody has to drain.
    """
    address = f"127.0.0.1:{free_port()}"
    path = db.parent / f"{db.stem}.serve.log"
    with path.open("wb") as log:
        process = subprocess.Popen(
            [*CLI, "serve", "--db", f"sqlite:///{db}", "--grpc", address, "--metrics", "",
             "--kafka", kafka or f"127.0.0.1:{free_port()}"],
            stdout=subprocess.PIPE, stderr=log)
    SERVE_LOGS[process.pid] = path
    try:
        wait_serving(address, process)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process, address


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM a process still running (``serve`` drains and exits 0); kill it after 15 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()




def error_doc(result: subprocess.CompletedProcess[str]) -> dict:
    """CLI.md: ``--json`` prints exactly one JSON document, a failure's too: its error
    with the gRPC status name and the exit code."""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    doc = json.loads(lines[0])
    assert doc["exit_code"] == result.returncode and doc["error"]
    return doc


def cli(*args: str, hub: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TRANSFERHUB_HUB"}
    if hub:
        env["TRANSFERHUB_HUB"] = hub
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=60)


def json_of(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # exactly one document, nothing else on stdout


class TestTransferCommand:
    """``transferhub transfer`` prints CLI.md's shape and exits by CLI.md's codes."""

    def test_json_matches_cli_md_key_by_key(self, hub: str) -> None:
        doc = json_of(cli("transfer", "--to", "BC:UBCV", "--json",
                          "--completed", "BC:CAPU:ENGL 100=B+@2016-04",
                          "--completed", "BC:CAPU:SOCI 100=A@2016-04",
                          "--completed", "BC:CAPU:BADM 101=A@2016-04",
                          "--completed", "ON:SENE:IPC144=78@2021-12-15", hub=hub))
        assert list(doc) == ["receiving_institution", "credit_unit", "awarded",
                             "not_transferred", "suggested", "total_credits", "total_tc"]
        assert (doc["receiving_institution"], doc["credit_unit"]) == ("BC:UBCV", "credits")
        sociology, english = doc["awarded"]
        assert english == {
            "rule": "BC:88213", "from": ["BC:CAPU:ENGL 100"],
            "grants": [{"kind": "unassigned", "code": None, "subject": "ENGL", "level": 1,
                        "credits": 3.0}],
            "credits": 3.0, "tc": 3.0, "notation": "UBCV ENGL 1st (3)"}
        assert sociology["grants"] == [{"kind": "course", "code": "SOCI 1240", "subject": "SOCI",
                                        "level": 1, "credits": 3.0, "designation": "Q/B-Sci"}]
        assert sociology["alternatives"][1] == [{"kind": "unassigned", "code": None,
                                                 "subject": "SOCI", "level": 2, "credits": 3.0}]
        assert sociology["notes"] == "Precludes credit for SOCI 1250."
        assert [(n["credential"], n["reason"]) for n in doc["not_transferred"]] == [
            ("BC:CAPU:BADM 101", "no_agreement"), ("ON:SENE:IPC144", "no_agreement")]
        assert set(doc["not_transferred"][0]) == {"credential", "reason", "detail"}
        assert doc["suggested"] == [{
            "from": ["ON:SENE:IPC144"],
            "grants": [{"kind": "unassigned", "code": None, "subject": "CPSC", "level": 1,
                        "credits": 3.0}],
            "basis": "inferred", "chain": ["BC:88216", "BC:88220"],
            # Added keys: the credential between the rules; what it would be worth.
            "via": ["BC:CAPU:CSCI 110"], "credits": 3.0, "tc": 3.0}]
        assert (doc["total_credits"], doc["total_tc"]) == (6.0, 6.0)

    def test_a_transcript_file_is_read(self, hub: str, tmp_path: Path) -> None:
        transcript = tmp_path / "transcript.csv"
        transcript.write_text("credential,grade,completed\nBC:CAPU:ENGL 100,B+,2016-04\n")
        doc = json_of(cli("transfer", "--to", "BC:UBCV", "--json", "--hub", hub,
                          "--transcript", str(transcript)))
        assert [a["rule"] for a in doc["awarded"]] == ["BC:88213"]

    def test_transcript_files_given_twice_are_one_transcript(self, hub: str,
                                                             tmp_path: Path) -> None:
        """The second ``--transcript`` once replaced the first, whose rows were in no part
        of the answer."""
        first, second = tmp_path / "capu.csv", tmp_path / "more.csv"
        first.write_text("credential,grade,completed\nBC:CAPU:ENGL 100,B+,2016-04\n")
        second.write_text("credential,grade,completed\nBC:CAPU:BADM 101,A,2016-04\n")
        doc = json_of(cli("transfer", "--to", "BC:UBCV", "--json", "--hub", hub,
                          "--transcript", str(first), "--transcript", str(second)))
        assert [a["rule"] for a in doc["awarded"]] == ["BC:88213"]
        assert [n["credential"] for n in doc["not_transferred"]] == ["BC:CAPU:BADM 101"]

    def test_without_json_a_table_for_people(self, hub: str) -> None:
        result = cli("transfer", "--to", "BC:UBCV", "--completed",
                     "BC:CAPU:ENGL 100=B+@2016-04", hub=hub)
        assert result.returncode == 0, result.stderr
        assert "BC:88213" in result.stdout
        assert "Total" in result.stdout

    def test_a_piped_table_keeps_its_lines_whole(self, hub: str) -> None:
        # Rich writes 80 columns to a pipe unless told otherwise: details were cut in two.
        env = {k: v for k, v in os.environ.items() if k not in ("TRANSFERHUB_HUB", "COLUMNS")}
        result = subprocess.run(
            [*CLI, "transfer", "--to", "BC:UBCV", "--completed", "BC:CAPU:ENGL 100=B+@2016-04",
             "--completed", "BC:CAPU:BADM 101=A@2016-04", "--hub", hub],
            capture_output=True, text=True, env=env, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "no rule from BC:CAPU to BC:UBCV covers BADM 101" in result.stdout

    @pytest.mark.parametrize(("completed", "named"), [
        ("BC:CAPU:ENGL 100=B+", "REF=GRADE@DATE"),
        ("BC:CAPU:ENGL 100=B+@2016-13", "2016-13"),
        ("ENGL 100=B+@2016-04", "PROV:INST:CODE"),
    ])
    def test_a_malformed_completed_exits_2_naming_it(self, hub: str, completed: str,
                                                     named: str) -> None:
        result = cli("transfer", "--to", "BC:UBCV", "--json", "--completed", completed, hub=hub)
        assert result.returncode == 2
        assert named in result.stderr
        doc = error_doc(result)
        assert named in doc["error"] and doc["code"] == "INVALID_ARGUMENT"
        assert "Traceback" not in result.stderr

    def test_a_grade_the_hub_cannot_read_exits_2_naming_the_field(self, hub: str) -> None:
        result = cli("transfer", "--to", "BC:UBCV", "--completed", "BC:CAPU:ENGL 100=Q@2016-04",
                     hub=hub)
        assert result.returncode == 2
        assert "completed[0].grade" in result.stderr

    def test_an_unknown_institution_exits_1(self, hub: str) -> None:
        result = cli("transfer", "--to", "BC:NOPE", "--completed", "BC:CAPU:ENGL 100=A@2016-04",
                     hub=hub)
        assert result.returncode == 1
        assert "BC:NOPE" in result.stderr
        assert "--to (receiving_institution): " in result.stderr   # the option typed

    def test_no_hub_exits_3(self) -> None:
        result = cli("transfer", "--to", "BC:UBCV", "--completed", "BC:CAPU:ENGL 100=A@2016-04",
                     "--hub", f"127.0.0.1:{free_port()}")
        assert result.returncode == 3
        assert "cannot be reached" in result.stderr


class TestStackAndEquivalents:
    """``stack`` and ``equivalents`` print CLI.md's shapes."""

    def test_stack_json_matches_cli_md(self, hub: str) -> None:
        doc = json_of(cli("stack", "--toward", "ON:HUMB:CERT-DA", "--json", "--hub", hub,
                          "--completed", "ON:HUMB:MC-DA-01=A@2024-01",
                          "--completed", "ON:HUMB:MC-DA-02=B@2024-04",
                          "--completed", "ON:HUMB:MC-GHOST=B@2024-04"))
        # CLI.md's keys, then what the project adds: why the rest did not count.
        assert doc.pop("not_counted") == [{
            "credential": "ON:HUMB:MC-GHOST", "reason": "unknown_credential",
            "detail": "the hub has no record of ON:HUMB:MC-GHOST"}]
        assert doc == {"target": "ON:HUMB:CERT-DA", "unit": "hours", "required": 112.0,
                       "earned": 56.0, "remaining": 56.0,
                       "counted": [{"credential": "ON:HUMB:MC-DA-01", "value": 28.0},
                                   {"credential": "ON:HUMB:MC-DA-02", "value": 28.0}]}

    def test_unknown_target_exits_1(self, hub: str) -> None:
        result = cli("stack", "--toward", "ON:HUMB:NOPE", "--hub", hub,
                     "--completed", "ON:HUMB:MC-DA-01=A@2024-01")
        assert result.returncode == 1
        assert "--toward (target): " in result.stderr

    def test_equivalents_json_has_provenance(self, hub: str) -> None:
        doc = json_of(cli("equivalents", "ON:SENE:IPC144", "--json", hub=hub))
        assert doc["credential"] == "ON:SENE:IPC144"
        (rule,) = doc["equivalents"]
        assert {k: rule[k] for k in ("rule", "province", "version", "receiving_institution",
                                     "effective_start", "effective_end")} == {
            "rule": "BC:88216", "province": "BC", "version": 1,
            "receiving_institution": "BC:CAPU", "effective_start": "2015-01-01",
            "effective_end": "2030-12-31"}
        assert rule["grants"] == [{"kind": "course", "code": "CSCI 110", "subject": "CSCI",
                                   "level": 1, "credits": 3.0}]

    def test_equivalents_to_a_province_filters(self, hub: str) -> None:
        doc = json_of(cli("equivalents", "BC:CAPU:ENGL 100", "--to", "ON", "--json", hub=hub))
        assert doc["equivalents"] == [] and doc["to"] == "ON"
        # The hub reads " on " as ON; the answer says what it filtered by.
        assert json_of(cli("equivalents", "BC:CAPU:ENGL 100", "--to", " on ", "--json",
                           hub=hub))["to"] == "ON"
        table = cli("equivalents", "BC:CAPU:ENGL 100", "--to", "ON", hub=hub)
        assert table.returncode == 0 and "No rule leads from this credential to ON" in \
            table.stdout

    def test_equivalents_to_a_province_the_hub_has_nothing_of_exits_1(self, hub: str) -> None:
        """Not an empty list that reads as 'no agreements' (as a mistyped institution)."""
        result = cli("equivalents", "BC:CAPU:ENGL 100", "--to", "XX", hub=hub)
        assert result.returncode == 1
        assert "equivalents: --to: the hub has no institution in province XX" in result.stderr


class TestServe:
    """``transferhub serve`` stops cleanly on SIGTERM and logs to standard error."""

    @pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
    def test_sigterm_exits_0(self, tmp_path: Path, signum: int) -> None:
        """SIGHUP (the terminal closed) stops it as cleanly as SIGTERM."""
        process, _ = start_serve(tmp_path / "hub.db")
        process.send_signal(signum)
        try:
            assert process.wait(timeout=15) == 0, serve_log(process)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    def test_logs_go_to_standard_error_not_standard_output(self, tmp_path: Path) -> None:
        process, _ = start_serve(tmp_path / "hub.db")
        process.send_signal(signal.SIGTERM)
        try:
            out, _ = process.communicate(timeout=15)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert out == b""
        assert "hub_serving" in serve_log(process)


class TestBadInputWithoutAHub:
    """Bad usage exits 2 naming what is wrong and where, before anything is reached."""

    @pytest.mark.parametrize(("args", "named"), [
        (("status", "--hub", ":::"), "--hub"),
        (("equivalents", "BC:CAPU:ENGL 100", "--hub", "no address"), "--hub"),
        (("transfer", "--to", "BC:UBCV", "--completed", "BC:CAPU:ENGL 100=A@2016-04",
          "--hub", "127.0.0.1:http"), "--hub"),
        (("serve", "--grpc", "nonsense", "--db", "memory://"), "--grpc"),
        (("serve", "--grpc", "127.0.0.1:0", "--metrics", "nonsense", "--db", "memory://"),
         "--metrics"),
        (("serve", "--grpc", "127.0.0.1:0", "--kafka", "host:99999", "--db", "memory://"),
         "--kafka"),
        (("adapter", "ontario", "missing.jsonl"), "missing.jsonl"),
        (("adapter", "bc", ".", "--kafka", "a:b"), "--kafka"),
        (("transfer", "--to", "BC:UBCV", "--transcript", "missing.csv"), "missing.csv"),
    ])
    def test_exits_2_naming_it(self, args: tuple[str, ...], named: str) -> None:
        result = cli(*args)
        assert result.returncode == 2, result.stderr
        assert named in result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""

    @pytest.mark.parametrize(("name", "value"), [
        ("TRANSFERHUB_STALL_SECONDS", "abc"), ("TRANSFERHUB_STALL_SECONDS", "-1"),
        ("TRANSFERHUB_MAX_BATCH", "2.5"), ("TRANSFERHUB_SESSION_TIMEOUT_MS", "nan")])
    def test_serve_with_a_bad_tuning_variable_exits_2_naming_it(self, name: str,
                                                                 value: str) -> None:
        """It was a ValueError traceback from deep in the ingest's start."""
        env = {**os.environ, name: value}
        result = subprocess.run([*CLI, "serve", "--db", "memory://", "--grpc", "127.0.0.1:0",
                                 "--metrics", ""], capture_output=True, text=True, env=env,
                                timeout=60)
        assert result.returncode == 2, result.stderr
        assert f"{name}={value!r}" in result.stderr
        assert "Traceback" not in result.stderr

    @pytest.mark.parametrize(("args", "code", "exit_code"), [
        (("transfer", "--json", "--completed", "BC:CAPU:ENGL 100=A@2016-04"),
         "INVALID_ARGUMENT", 2),                       # argparse: --to is required
        (("deadletters", "list", "--json", "--hub", ":::"), "INVALID_ARGUMENT", 2),
        (("adapter", "ontario", "missing.jsonl", "--json"), "INVALID_ARGUMENT", 2),
        (("status", "--json", "--hub", "127.0.0.1:{port}"), "UNAVAILABLE", 3),
    ])
    def test_with_json_a_failure_prints_its_error_document(
            self, args: tuple[str, ...], code: str, exit_code: int) -> None:
        """CLI.md: "``--json`` prints exactly one JSON document on standard output"."""
        result = cli(*(a.format(port=free_port()) for a in args))
        assert result.returncode == exit_code, result.stderr
        doc = error_doc(result)
        assert doc["code"] == code
        assert doc["error"].split(": ")[-1] in result.stderr  # the same message
        if args[0] == "adapter":
            assert doc["province"] == "ON" and doc["rejected"] == []

    def test_a_grpc_port_already_taken_is_said_once_clearly(self) -> None:
        """Exit 1 with the hub's message; gRPC's own C-core log line stays off unless
        GRPC_VERBOSITY asks for it."""
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            result = cli("serve", "--db", "memory://", "--grpc", f"127.0.0.1:{port}",
                         "--metrics", "127.0.0.1:0", "--kafka", f"127.0.0.1:{free_port()}")
        assert result.returncode == 1, result.stderr
        assert f"cannot serve on 127.0.0.1:{port}" in result.stderr
        assert "add_port" not in result.stderr and "Traceback" not in result.stderr

    def test_an_address_from_the_environment_is_named_by_its_variable(self) -> None:
        env = {**os.environ, "TRANSFERHUB_HUB": "bogus"}
        result = subprocess.run([*CLI, "status", "--json"], capture_output=True, text=True,
                                env=env, timeout=60)
        assert result.returncode == 2
        assert "TRANSFERHUB_HUB 'bogus'" in result.stderr

    def test_a_hostile_feed_exits_2_and_says_why(self, tmp_path: Path) -> None:
        feed = tmp_path / "sk.xml"
        feed.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>'
                        '<TransferCreditGuide province="SK"/>')
        result = cli("adapter", "saskatchewan", str(feed), "--json",
                     "--state", str(tmp_path / "state"), "--kafka", f"127.0.0.1:{free_port()}")
        assert result.returncode == 2
        assert "DOCTYPE" in result.stderr and str(feed) in result.stderr
        doc = error_doc(result)  # the summary's shape, with the error
        assert doc["province"] == "SK" and doc["published"] == 0 and "DOCTYPE" in doc["error"]
