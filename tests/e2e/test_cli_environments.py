"""The real CLI where a registrar's or operator's machine differs from ours.

Standard output in ASCII (a C locale without UTF-8 mode, ``PYTHONIOENCODING=ascii``),
closed, full or a pipe whose reader left; a narrow terminal; a transcript on
standard input with a spreadsheet's empty rows; an address with a space before
it. Each case runs ``transferhub`` in a subprocess against ``transferhub serve``
over the seeded federation: an answer, or CLI.md's exit code and a message, and
never a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_cli import CLI

# A credential the hub has no record of, in French: the answer names it back.
FRENCH = "BC:CAPU:FRANÇAIS 100"
QUERY = ["transfer", "--to", "BC:UBCV", "--completed", "BC:CAPU:ENGL 100=B@2016-04",
         "--completed", f"{FRENCH}=A@2016-04"]


def _env(hub: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("TRANSFERHUB_HUB", "COLUMNS", "PYTHONIOENCODING", "PYTHONUTF8")}
    return {**env, "TRANSFERHUB_HUB": hub, **extra}


def _run(hub: str, args: list[str], *, stdin: bytes = b"", stdout: object = subprocess.PIPE,
         **extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*CLI, *args], input=stdin, stdout=stdout, stderr=subprocess.PIPE,
                          env=_env(hub, **extra), timeout=60)


def _no_traceback(result: subprocess.CompletedProcess[bytes]) -> None:
    assert b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")


class TestAsciiOutput:
    """An output encoding that cannot say "Ç" stopped the command half-way with a traceback."""

    @pytest.mark.parametrize("extra", [{"PYTHONIOENCODING": "ascii"},
                                       {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"}],
                             ids=["PYTHONIOENCODING", "C-locale"])
    def test_json_is_whole_and_escaped(self, hub: str, extra: dict[str, str]) -> None:
        result = _run(hub, [*QUERY, "--json"], **extra)
        _no_traceback(result)
        assert result.returncode == 0, result.stderr
        result.stdout.decode("ascii")  # nothing but ASCII on an ASCII stream
        doc = json.loads(result.stdout)
        assert FRENCH in [item["credential"] for item in doc["not_transferred"]]

    def test_a_file_named_in_utf8_opens_in_a_c_locale(self, hub: str, tmp_path: Path) -> None:
        # a path is the file system's bytes: re-read as UTF-8 it named no file (a traceback)
        transcript = tmp_path / "relevé.csv"
        transcript.write_bytes(b"credential,grade,completed\nBC:CAPU:ENGL 100,B,2016-04\n")
        result = _run(hub, ["transfer", "--to", "BC:UBCV", "--completed", f"{FRENCH}=A@2016-04",
                            "--transcript", str(transcript), "--json"],
                      LC_ALL="C", LANG="C", PYTHONUTF8="0")
        _no_traceback(result)
        assert result.returncode == 0, result.stderr
        credentials = [i["credential"] for i in json.loads(result.stdout)["not_transferred"]]
        assert FRENCH in credentials

    def test_a_table_says_what_it_cannot_print_as_an_escape(self, hub: str) -> None:
        result = _run(hub, QUERY, PYTHONIOENCODING="ascii")
        _no_traceback(result)
        assert result.returncode == 0
        assert b"FRAN\\xc7AIS 100" in result.stdout

    def test_an_error_document_is_whole_too(self, hub: str) -> None:
        result = _run(hub, ["transfer", "--to", "BC:ÉCOLE", "--completed", f"{FRENCH}=A@2016-04",
                            "--json"], PYTHONIOENCODING="ascii")
        _no_traceback(result)
        assert result.returncode == 2
        assert "ÉCOLE" in json.loads(result.stdout)["error"]


class TestOutputGoesNowhere:
    def test_closed_standard_output_is_no_traceback(self, hub: str) -> None:
        for args in (["status"], [*QUERY, "--json"], QUERY):
            result = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", *CLI, *args],
                                    stderr=subprocess.PIPE, env=_env(hub), timeout=60)
            _no_traceback(result)
            assert result.returncode == 0, (args, result.stderr)

    @pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
    def test_a_full_disk_is_said_with_exit_1(self, hub: str) -> None:
        with open("/dev/full", "wb") as full:
            result = _run(hub, [*QUERY, "--json"], stdout=full)
        _no_traceback(result)
        assert result.returncode == 1
        assert b"No space left on device" in result.stderr

    @pytest.mark.parametrize("form", [[], ["--json"]], ids=["table", "json"])
    def test_a_reader_gone_is_141_as_for_json(self, hub: str, form: list[str]) -> None:
        # rich ended a table's broken pipe with exit 1, which CLI.md keeps for the hub's refusal
        process = subprocess.Popen([*CLI, *QUERY, *form], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=_env(hub))
        assert process.stdout is not None
        process.stdout.close()  # the reader leaves before a byte is written
        _, err = process.communicate(timeout=60)
        assert b"Traceback" not in err, err
        assert process.returncode == 141


def test_a_narrow_terminal_wraps_ids_instead_of_cutting_them(hub: str) -> None:
    result = _run(hub, QUERY, COLUMNS="40")
    assert result.returncode == 0
    text = result.stdout.decode()
    assert "Total: 3 credits" in text
    assert "…" not in text  # "BC:8…", "no_agreem…" before: cut, and nowhere else to read it


def test_a_transcript_on_standard_input_with_empty_rows(hub: str) -> None:
    transcript = (b"credential,grade,completed\n   \n,,\n"
                  b"BC:CAPU:ENGL 100,B,2016-04\n , , \n")
    result = _run(hub, ["transfer", "--to", "BC:UBCV", "--transcript", "-", "--json"],
                  stdin=transcript)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    used = [c for item in doc["awarded"] for c in item["from"]]
    assert used + [i["credential"] for i in doc["not_transferred"]] == ["BC:CAPU:ENGL 100"]


def test_a_bad_row_on_standard_input_is_named_there(hub: str) -> None:
    result = _run(hub, ["transfer", "--to", "BC:UBCV", "--transcript", "-"],
                  stdin=b"credential,grade,completed\nBC:CAPU:ENGL 100,B\n")
    assert result.returncode == 2
    assert b"standard input line 2" in result.stderr


def test_an_address_with_a_space_before_it(hub: str) -> None:
    result = _run(hub, ["status", "--json"], TRANSFERHUB_HUB=f" {hub} ")
    assert result.returncode == 0, result.stderr


def test_up_in_a_folder_it_cannot_write_to(tmp_path: Path) -> None:
    (tmp_path / ".transferhub").write_text("a file where up's folder would be")
    result = subprocess.run([*CLI, "up"], cwd=tmp_path, capture_output=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(Path.cwd())})
    _no_traceback(result)
    assert result.returncode == 2
    assert b"cannot make its working folder" in result.stderr
