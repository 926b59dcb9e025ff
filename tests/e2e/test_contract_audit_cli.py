"""An outside reading of CLI.md: the real CLI in subprocesses against ``transferhub serve``.

These cover what tests/e2e/test_cli.py did not: spreadsheet-style transcript
headers, the operators' ``monitor`` and ``deadletters`` commands, NOT_FOUND for
a mistyped ``--to`` institution, text that is not UTF-8, a reader that leaves
the pipe, a second hub on a taken port, and the environment variables.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import grpc
import pytest

from hub.store.factory import open_store
from tests.e2e.seed import RULES, seed
from tests.e2e.test_cli import CLI, cli, error_doc, free_port, json_of, stop, wait_serving
from transferhub.hub.v1 import query_service_pb2 as pb
from transferhub.hub.v1.query_service_pb2_grpc import QueryServiceStub


class TestTranscriptFile:
    """CLI.md: "`--transcript FILE` is a CSV with the header `credential,grade,completed`"."""

    @pytest.mark.parametrize("header", ["Credential,Grade,Completed",
                                        "credential, grade, completed",
                                        " CREDENTIAL ,grade,Completed"])
    def test_a_header_in_other_case_or_spacing_is_read(self, hub: str, tmp_path: Path,
                                                        header: str) -> None:
        transcript = tmp_path / "transcript.csv"
        transcript.write_text(f"{header}\nBC:CAPU:ENGL 100,B+,2016-04\n")
        doc = json_of(cli("transfer", "--to", "BC:UBCV", "--json", "--transcript",
                          str(transcript), hub=hub))
        assert [a["from"] for a in doc["awarded"]] == [["BC:CAPU:ENGL 100"]]

    def test_a_bom_and_crlf_file_is_read(self, hub: str, tmp_path: Path) -> None:
        transcript = tmp_path / "excel.csv"
        transcript.write_bytes(b"\xef\xbb\xbfcredential,grade,completed\r\n"
                               b"BC:CAPU:ENGL 100,B+,2016-04\r\n")
        doc = json_of(cli("transfer", "--to", "BC:UBCV", "--json", "--transcript",
                          str(transcript), hub=hub))
        assert [a["from"] for a in doc["awarded"]] == [["BC:CAPU:ENGL 100"]]

    def test_a_header_without_rows_exits_2_saying_so(self, tmp_path: Path) -> None:
        """Exit 2 "with a message on standard error naming what is wrong": the empty file."""
        transcript = tmp_path / "empty.csv"
        transcript.write_text("credential,grade,completed\n")
        result = cli("transfer", "--to", "BC:UBCV", "--transcript", str(transcript),
                     "--completed", "BC:CAPU:ENGL 100=B+@2016-04",
                     "--hub", f"127.0.0.1:{free_port()}")
        assert result.returncode == 2
        assert str(transcript) in result.stderr and "no rows" in result.stderr
        assert result.stdout == ""

    @pytest.mark.parametrize(("content", "named"), [
        (b"credential,grade,completed\nBC:CAPU:ENGL 100,B+,2021-13\n", "line 2"),
        (b"credential;grade;completed\n", "header"),
        (b"\xff\xfe\x00c", "cannot be read"),
        (b"credential,grade,completed\n" + b"BC:CAPU:" + b"X" * 200_000 + b",A,2016-04\n",
         "cannot be read"),
    ])
    def test_a_bad_file_exits_2_without_a_traceback(self, tmp_path: Path, content: bytes,
                                                    named: str) -> None:
        transcript = tmp_path / "bad.csv"
        transcript.write_bytes(content)
        result = cli("transfer", "--to", "BC:UBCV", "--transcript", str(transcript),
                     "--hub", f"127.0.0.1:{free_port()}")
        assert result.returncode == 2
        assert named in result.stderr and "Traceback" not in result.stderr


class TestEquivalentsTo:
    """CLI.md: "an unknown receiving institution or target is `NOT_FOUND`" (exit 1)."""

    def test_an_unknown_institution_exits_1_naming_it(self, hub: str) -> None:
        result = cli("equivalents", "BC:CAPU:ENGL 100", "--to", "BC:UBVC", "--json", hub=hub)
        assert result.returncode == 1
        assert "BC:UBVC" in result.stderr
        doc = error_doc(result)
        assert doc["code"] == "NOT_FOUND" and "BC:UBVC" in doc["error"]

    def test_grpc_answers_not_found_naming_the_field(self, hub: str) -> None:
        with grpc.insecure_channel(hub) as channel, pytest.raises(grpc.RpcError) as caught:
            QueryServiceStub(channel).ListEquivalents(
                pb.ListEquivalentsRequest(credential="BC:CAPU:ENGL 100", to="BC:UBVC"),
                timeout=10)
        assert caught.value.code() is grpc.StatusCode.NOT_FOUND
        assert "to" in (caught.value.details() or "")

    def test_a_known_institution_and_a_province_still_filter(self, hub: str) -> None:
        to_ubc = json_of(cli("equivalents", "BC:CAPU:ENGL 100", "--to", "bc:ubcv", "--json",
                             hub=hub))
        to_bc = json_of(cli("equivalents", "BC:CAPU:ENGL 100", "--to", "BC", "--json", hub=hub))
        assert [e["rule"] for e in to_ubc["equivalents"]] == ["BC:88213"]
        assert to_bc["equivalents"] == to_ubc["equivalents"]


class TestTextThatIsNotUtf8:
    """CLI.md: "A traceback is never the answer to bad input" (exit 2, naming it)."""

    def _run(self, args: list[bytes], env: dict[str, str] | None = None
             ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([*(a.encode() for a in CLI), *args], capture_output=True,
                              timeout=60, env={**os.environ, **(env or {})})

    @pytest.mark.parametrize(("args", "named"), [
        ([b"transfer", b"--to", b"BC:UBCV", b"--completed", b"BC:CAPU:ENGL\xff 100=B@2016-04"],
         b"--completed"),
        ([b"transfer", b"--to", b"BC:\xe9", b"--completed", b"BC:CAPU:ENGL 100=B@2016-04"],
         b"--to"),
        ([b"equivalents", b"BC:CAPU:\xff"], b"credential"),
        ([b"stack", b"--toward", b"ON:HUMB:\xff", b"--completed", b"ON:HUMB:MC-DA-01=A@2024-01"],
         b"--toward"),
    ])
    def test_an_argument_exits_2_naming_it(self, args: list[bytes], named: bytes) -> None:
        result = self._run([*args, b"--hub", f"127.0.0.1:{free_port()}".encode()])
        assert result.returncode == 2, result.stderr
        assert named in result.stderr and b"UTF-8" in result.stderr
        assert b"Traceback" not in result.stderr

    def test_an_environment_address_exits_2_naming_the_variable(self) -> None:
        result = subprocess.run(
            [*(a.encode() for a in CLI), b"status"], capture_output=True, timeout=60,
            env={**{k.encode(): v.encode() for k, v in os.environ.items()},
                 b"TRANSFERHUB_HUB": b"\xff:50051"})
        assert result.returncode == 2
        assert b"TRANSFERHUB_HUB" in result.stderr and b"Traceback" not in result.stderr


class TestReaderLeavesThePipe:
    """A reader that closes the pipe early (``| head``) gets no traceback on standard error."""

    def test_no_traceback_when_stdout_is_closed(self, hub: str) -> None:
        read, write = os.pipe()
        os.close(read)  # nobody will read: the first write is EPIPE
        try:
            result = subprocess.run(
                [*CLI, "transfer", "--to", "BC:UBCV", "--json", "--hub", hub,
                 "--completed", "BC:CAPU:ENGL 100=B+@2016-04"],
                stdout=write, stderr=subprocess.PIPE, text=True, timeout=60)
        finally:
            os.close(write)
        assert "Traceback" not in result.stderr
        assert "BrokenPipe" not in result.stderr
        assert result.returncode == 141


class TestOperatorCommands:
    """CLI.md: `transferhub monitor` ("a live terminal view of the event streams") and
    `transferhub deadletters {list,replay}` ("inspect and re-drive events the hub could not
    apply") exist, have `--help`, and exit by CLI.md's codes."""

    @pytest.mark.parametrize("command", [["monitor"], ["deadletters"], ["deadletters", "list"],
                                         ["deadletters", "replay"]])
    def test_help(self, command: list[str]) -> None:
        result = cli(*command, "--help")
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"usage: transferhub {' '.join(command)}")

    def test_list_json_on_a_hub_without_dead_letters(self, hub: str) -> None:
        assert json_of(cli("deadletters", "list", "--json", hub=hub)) == {
            "dead_letters": [], "more": False}

    def test_replay_json_reports_counts(self, hub: str) -> None:
        assert json_of(cli("deadletters", "replay", "--json", hub=hub)) == {
            "applied": 0, "failed": 0, "failures": [], "being_replayed": 0}

    @pytest.mark.parametrize("args", [["deadletters", "list", "--limit", "0"],
                                      ["deadletters", "list", "--limit", "many"],
                                      ["deadletters", "replay", "seven"],
                                      ["deadletters"],
                                      ["monitor", "--hub", "nowhere"]])
    def test_bad_usage_exits_2(self, args: list[str]) -> None:
        result = cli(*args)
        assert result.returncode == 2
        assert result.stderr and "Traceback" not in result.stderr

    def test_a_bad_province_is_the_hubs_invalid_argument(self, hub: str) -> None:
        result = cli("monitor", "--province", "British Columbia", hub=hub)
        assert result.returncode == 2
        assert "province" in result.stderr

    @pytest.mark.parametrize("args", [["deadletters", "list"], ["deadletters", "replay"],
                                      ["monitor"]])
    def test_no_hub_exits_3(self, args: list[str]) -> None:
        result = cli(*args, "--hub", f"127.0.0.1:{free_port()}")
        assert result.returncode == 3
        assert "cannot be reached" in result.stderr

    def test_monitor_stops_cleanly_on_ctrl_c(self, hub: str) -> None:
        env = {**os.environ, "TRANSFERHUB_HUB": hub}
        process = subprocess.Popen([*CLI, "monitor"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=env)
        try:
            assert process.stderr is not None
            assert "watching" in process.stderr.readline()  # the stream is open
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=15)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert process.returncode == 0, err
        assert "Traceback" not in err and out == ""


class TestServeAddressAndEnvironment:
    """CLI.md: the hub takes its addresses "as an option and from the environment
    (`TRANSFERHUB_HUB` …; `TRANSFERHUB_KAFKA` …; `TRANSFERHUB_DB` …)"."""

    def _serve(self, tmp_path: Path, env: dict[str, str], *args: str
               ) -> tuple[subprocess.Popen[bytes], Path]:
        log = tmp_path / f"serve-{len(list(tmp_path.iterdir()))}.log"
        with log.open("wb") as handle:
            process = subprocess.Popen([*CLI, "serve", "--metrics", "", *args],
                                       stdout=subprocess.DEVNULL, stderr=handle,
                                       env={**os.environ, **env})
        return process, log

    def test_the_environment_names_the_store_broker_and_address(self, tmp_path: Path) -> None:
        db = tmp_path / "env.db"
        store = open_store(f"sqlite:///{db}")
        seed(store)
        store.close()
        address, kafka = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
        env = {"TRANSFERHUB_DB": f"sqlite:///{db}", "TRANSFERHUB_HUB": address,
               "TRANSFERHUB_KAFKA": kafka}
        process, log = self._serve(tmp_path, env)
        try:
            wait_serving(address, process)  # type: ignore[arg-type]
            doc = json_of(cli("equivalents", "ON:SENE:IPC144", "--json", hub=address))
            assert [e["rule"] for e in doc["equivalents"]] == ["BC:88216"]  # the seeded store
        finally:
            stop(process)
        assert kafka in log.read_text(errors="replace")  # it tried the broker it was given

    def test_a_second_hub_on_a_taken_port_fails_instead_of_sharing_it(
            self, hub: str, tmp_path: Path) -> None:
        """Two hubs answering on one port would each answer from its own store, by turns."""
        process, log = self._serve(tmp_path, {}, "--grpc", hub, "--db",
                                   f"sqlite:///{tmp_path / 'other.db'}",
                                   "--kafka", f"127.0.0.1:{free_port()}")
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            stop(process)
        assert code not in (None, 0), "a second hub took the port that another hub serves on"
        assert hub in log.read_text(errors="replace")
        for _ in range(3):  # the first hub, over the seeded store, still answers every call
            assert json_of(cli("status", "--json", hub=hub))["rules"] == len(RULES)


class TestStatusLag:
    """CLI.md's ``status`` lag, and whether it was measured lately (an added key)."""

    def test_lag_is_not_known_while_the_broker_is_unreachable(self, hub: str) -> None:
        # The fixture's hub points at a broker address nobody listens on.
        doc = json_of(cli("status", "--json", hub=hub))
        assert doc["lag"] == 0 and doc["lag_known"] is False
        shown = cli("status", hub=hub)
        assert shown.returncode == 0 and "not measured lately" in shown.stdout
