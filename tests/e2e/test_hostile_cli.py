"""Hostile arguments to the real CLI: an exit code and a message, never a traceback.

CLI.md: 2 for bad usage or input with a message on standard error naming what
is wrong; 1 when the hub refuses (an unknown institution or target); 3 when
the hub cannot be reached after retrying; ``--json`` prints nothing on standard
output unless it has an answer. Each case runs ``transferhub`` in a subprocess
against ``transferhub serve`` over the seeded federation (the ``hub`` fixture).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_cli import CLI, free_port

GOOD = "BC:CAPU:ENGL 100=B@2016-04"
HEADER = b"credential,grade,completed\n"
ROW = b"BC:CAPU:ENGL 100,B,2016-04\n"

# name -> content of a --transcript file (written once per module; see ``files``)
TRANSCRIPTS: dict[str, bytes] = {
    "binary.csv": bytes(range(256)) * 4,
    "latin1.csv": HEADER + "BC:CAPU:ENGL 100,B,février 2016\n".encode("latin-1"),
    "utf16.csv": (HEADER + ROW).decode().encode("utf-16"),
    "bom.csv": b"\xef\xbb\xbf" + HEADER + ROW,
    "crlf.csv": (HEADER + ROW).replace(b"\n", b"\r\n"),
    "no-header.csv": ROW + ROW,
    "wrong-header.csv": b"course,mark,date\n" + ROW,
    "empty.csv": b"",
    "header-only.csv": HEADER,
    "extra-columns.csv": b"credential,grade,completed,notes\n"
                         b"BC:CAPU:ENGL 100,B,2016-04,from Capilano,really\n",
    "short-row.csv": HEADER + b"BC:CAPU:ENGL 100,B\n",
    "blank-lines.csv": HEADER + b"\n\n" + ROW + b"\n",
    "quoted-newline-code.csv": HEADER + b'"BC:CAPU:ENGL\n100",B,2016-04\n',
    "quoted-newline-date.csv": HEADER + ROW + b'BC:CAPU:SOCI 100,A,"2016-\n04"\n',
    "unterminated-quote.csv": HEADER + b'"BC:CAPU:ENGL 100,B,2016-04\n',
    "nul.csv": HEADER + b"BC:CAPU:ENGL\x00 100,B,2016-04\n",
    "bad-grade-row-3.csv": HEADER + ROW + b"BC:CAPU:SOCI 100,B++,2016-04\n",
    "duplicate.csv": HEADER + ROW + b"bc:capu:engl  100,A,2017-04\n",
    "10000-rows.csv": HEADER + b"".join(
        f"BC:CAPU:X {i},A,2016-04\n".encode() for i in range(10_000)),
    "huge-field.csv": HEADER + b"BC:CAPU:" + b"E" * 200_000 + b",B,2016-04\n",
}

# (case id, arguments, exit code, what standard error says); "{files}" is the folder
# of TRANSCRIPTS, "{closed}" an address where nothing listens. Queries get --json.
CASES: list[tuple[str, list[str | bytes], int, str]] = [
    # --completed REF=GRADE@DATE
    ("completed-bare-ref", ["transfer", "--to", "BC:UBCV", "--completed", "BC:CAPU:ENGL 100"],
     2, "REF=GRADE@DATE"),
    ("completed-no-at", ["transfer", "--to", "BC:UBCV", "--completed", "BC:CAPU:ENGL 100=B"],
     2, "REF=GRADE@DATE"),
    ("completed-no-equals", ["transfer", "--to", "BC:UBCV",
                             "--completed", "BC:CAPU:ENGL 100@2016-04"], 2, "REF=GRADE@DATE"),
    ("completed-empty-ref", ["transfer", "--to", "BC:UBCV", "--completed", "=B@2016-04"],
     2, "required"),
    ("completed-empty-grade", ["transfer", "--to", "BC:UBCV",
                               "--completed", "BC:CAPU:ENGL 100= @2016-04"], 2, "required"),
    ("completed-empty-date", ["transfer", "--to", "BC:UBCV",
                              "--completed", "BC:CAPU:ENGL 100=B@"], 2, "required"),
    ("completed-unicode", ["transfer", "--to", "BC:UBCV", "--completed", "é=ü@ñ"],
     2, "credential id"),
    ("completed-rtl-mark", ["transfer", "--to", "BC:UBCV",
                            "--completed", "\u202eBC:CAPU:ENGL 100=B@2016-04"],
     2, "institution id"),
    ("completed-not-utf8", ["transfer", "--to", "BC:UBCV",
                            "--completed", b"BC:CAPU:ENGL\xff100=B@2016-04"], 2, "not UTF-8"),
    ("completed-grade-b++", ["transfer", "--to", "BC:UBCV",
                             "--completed", "BC:CAPU:ENGL 100=B++@2016-04"],
     2, "--completed 'BC:CAPU:ENGL 100=B++@2016-04' (completed[0].grade): grade 'B++'"),
    ("completed-grade-1e3", ["transfer", "--to", "BC:UBCV",
                             "--completed", "BC:CAPU:ENGL 100=1e3@2016-04"], 2, "'1e3'"),
    ("completed-grade-101", ["transfer", "--to", "BC:UBCV",
                             "--completed", "BC:CAPU:ENGL 100=101@2016-04"], 2, "over 100"),
    ("completed-feb-30", ["transfer", "--to", "BC:UBCV",
                          "--completed", "BC:CAPU:ENGL 100=B@2021-02-30"], 2, "calendar date"),
    ("completed-month-13", ["transfer", "--to", "BC:UBCV",
                            "--completed", "BC:CAPU:ENGL 100=B@2021-13"], 2, "2021-13"),
    ("completed-twice", ["transfer", "--to", "BC:UBCV", "--completed", GOOD,
                         "--completed", "bc:capu:engl  100=A@2017-04"],
     2, "listed twice (also --completed 'BC:CAPU:ENGL 100=B@2016-04')"),
    ("nothing-completed", ["stack", "--toward", "ON:HUMB:CERT-DA"], 2, "at least one"),
    # --transcript FILE
    ("transcript-binary", ["transfer", "--to", "BC:UBCV", "--transcript", "{files}/binary.csv"],
     2, "cannot be read"),
    ("transcript-latin1", ["transfer", "--to", "BC:UBCV", "--transcript", "{files}/latin1.csv"],
     2, "cannot be read"),
    ("transcript-utf16", ["transfer", "--to", "BC:UBCV", "--transcript", "{files}/utf16.csv"],
     2, "cannot be read"),
    ("transcript-no-header", ["transfer", "--to", "BC:UBCV",
                              "--transcript", "{files}/no-header.csv"], 2, "header"),
    ("transcript-wrong-header", ["transfer", "--to", "BC:UBCV",
                                 "--transcript", "{files}/wrong-header.csv"], 2, "header"),
    ("transcript-empty", ["transfer", "--to", "BC:UBCV", "--transcript", "{files}/empty.csv"],
     2, "header"),
    ("transcript-header-only", ["transfer", "--to", "BC:UBCV",
                                "--transcript", "{files}/header-only.csv"], 2, "no rows"),
    ("transcript-short-row", ["transfer", "--to", "BC:UBCV",
                              "--transcript", "{files}/short-row.csv"], 2, "line 2"),
    ("transcript-newline-in-date", ["transfer", "--to", "BC:UBCV",
                                    "--transcript", "{files}/quoted-newline-date.csv"],
     2, "is not a date"),
    ("transcript-unterminated-quote", ["transfer", "--to", "BC:UBCV",
                                       "--transcript", "{files}/unterminated-quote.csv"],
     2, "unterminated-quote.csv"),
    ("transcript-nul", ["transfer", "--to", "BC:UBCV", "--transcript", "{files}/nul.csv"],
     2, "nul.csv line 2: 'BC:CAPU:ENGL\\x00 100' holds a control character"),
    ("transcript-bad-grade", ["stack", "--toward", "ON:HUMB:CERT-DA",
                              "--transcript", "{files}/bad-grade-row-3.csv"],
     2, "bad-grade-row-3.csv line 3 (completed[1].grade): grade 'B++'"),
    ("transcript-duplicate", ["transfer", "--to", "BC:UBCV",
                              "--transcript", "{files}/duplicate.csv"],
     2, "duplicate.csv line 3 (completed[1].credential): BC:CAPU:ENGL 100 is listed twice"),
    ("transcript-10000-rows", ["transfer", "--to", "BC:UBCV",
                               "--transcript", "{files}/10000-rows.csv"], 2, "500"),
    ("transcript-huge-field", ["transfer", "--to", "BC:UBCV",
                               "--transcript", "{files}/huge-field.csv"], 2, "huge-field.csv"),
    ("transcript-directory", ["transfer", "--to", "BC:UBCV", "--transcript", "{files}"],
     2, "cannot be read"),
    ("transcript-missing", ["transfer", "--to", "BC:UBCV", "--transcript", "{files}/nope.csv"],
     2, "nope.csv"),
    ("transcript-missing-not-utf8-name", ["transfer", "--to", "BC:UBCV",
                                          "--transcript", b"/nonexistent/\xff.csv"],
     2, "cannot be read"),
    # --to, --toward, CRED
    ("to-empty", ["transfer", "--to", "", "--completed", GOOD], 2, "required"),
    ("to-colons", ["transfer", "--to", ":::", "--completed", GOOD], 2, "':::'"),
    ("to-rtl", ["transfer", "--to", "\u202eBC:UBCV", "--completed", GOOD], 2, "institution id"),
    ("to-long", ["transfer", "--to", "BC:" + "U" * 5000, "--completed", GOOD],
     2, "characters long"),
    ("to-unknown", ["transfer", "--to", "bc:nope", "--completed", GOOD], 1, "BC:NOPE"),
    ("toward-garbage", ["stack", "--toward", "CERT-DA", "--completed", GOOD], 2, "'CERT-DA'"),
    ("toward-unknown", ["stack", "--toward", "ON:HUMB:CERT-NOPE", "--completed", GOOD],
     1, "ON:HUMB:CERT-NOPE"),
    ("equivalents-garbage", ["equivalents", "BC:CAPU"], 2, "'BC:CAPU'"),
    ("equivalents-unknown", ["equivalents", "BC:CAPU:NOPE 1"], 1, "BC:CAPU:NOPE 1"),
    ("equivalents-to-garbage", ["equivalents", "BC:CAPU:ENGL 100", "--to", "B1"], 2, "'B1'"),
    # --hub and the operators' commands
    ("hub-colons", ["status", "--hub", ":::"], 2, "HOST:PORT"),
    ("hub-port-too-big", ["transfer", "--to", "BC:UBCV", "--completed", GOOD,
                          "--hub", "127.0.0.1:99999"], 2, "HOST:PORT"),
    ("hub-no-such-host", ["deadletters", "list", "--hub", "nohost:0"], 3, "cannot be reached"),
    ("hub-nothing-listens", ["equivalents", "BC:CAPU:ENGL 100", "--hub", "{closed}"],
     3, "cannot be reached"),
    ("deadletters-limit-0", ["deadletters", "list", "--limit", "0"], 2, "between 1 and"),
    ("deadletters-limit-word", ["deadletters", "list", "--limit", "ten"], 2, "'ten'"),
    ("deadletters-negative-id", ["deadletters", "replay", "--", "-3"], 2, "-3"),
    ("deadletters-id-past-int64", ["deadletters", "replay", "9" * 25], 2, "9" * 25),
]
JSON_COMMANDS = {"transfer", "stack", "equivalents", "status", "deadletters"}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile transcripts, one file each."""
    folder = tmp_path_factory.mktemp("transcripts")
    for name, content in TRANSCRIPTS.items():
        (folder / name).write_bytes(content)
    return folder


def run(args: list[str | bytes], hub: str) -> subprocess.CompletedProcess[bytes]:
    """``transferhub ARGS --json`` with the hub's address in the environment."""
    env = {**os.environ, "TRANSFERHUB_HUB": hub}
    return subprocess.run([*CLI, *args, "--json"], capture_output=True, env=env, timeout=60)


def _fill(arg: str | bytes, files: Path, closed: str) -> str | bytes:
    if isinstance(arg, bytes):
        return arg
    return arg.replace("{files}", str(files)).replace("{closed}", closed)


class TestHostileArguments:
    """Every hostile argument ends in CLI.md's exit code and a message; on standard
    output, ``--json``'s one document is the error's."""

    @pytest.mark.parametrize(("args", "code", "says"), [c[1:] for c in CASES],
                             ids=[c[0] for c in CASES])
    def test_exit_code_and_message(self, hub: str, files: Path, args: list[str | bytes],
                                   code: int, says: str) -> None:
        assert args[0] in JSON_COMMANDS
        result = run([_fill(a, files, f"127.0.0.1:{free_port()}") for a in args], hub)
        out = result.stdout.decode("utf-8", "replace")
        err = result.stderr.decode("utf-8", "replace")
        assert "Traceback" not in out + err, err
        assert result.returncode == code, err
        assert says in err, err
        if "--" in args:  # ``--json`` came after ``--``: an argument, not the option
            assert out == ""
            return
        assert len(out.splitlines()) == 1, out
        doc = json.loads(out)
        assert doc["exit_code"] == code and doc["error"] and doc["error"] in err
        assert len(err.strip().splitlines()) <= 3, err  # a message, not a dump


class TestTolerated:
    """What a spreadsheet commonly writes is read, not refused."""

    @pytest.mark.parametrize("name", ["bom.csv", "crlf.csv", "extra-columns.csv",
                                      "blank-lines.csv", "quoted-newline-code.csv"])
    def test_transcript_is_answered(self, hub: str, files: Path, name: str) -> None:
        result = run(["transfer", "--to", "BC:UBCV", "--transcript", str(files / name)], hub)
        assert result.returncode == 0, result.stderr.decode()
        doc = json.loads(result.stdout)
        assert [a["from"] for a in doc["awarded"]] == [["BC:CAPU:ENGL 100"]]
