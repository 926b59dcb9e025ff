"""What a command says when it fails: a message on standard error and, with ``--json``,
one JSON document on standard output.

CLI.md: "``--json`` prints exactly one JSON document on standard output and
nothing else there", and a failure names what is wrong on standard error. A
script that runs ``transferhub transfer … --json | jq`` therefore always gets a
document to read, the answer or::

    {"error": "--to (receiving_institution): no institution BC:UBVC", "code": "NOT_FOUND",
     "exit_code": 1}

``code`` is the gRPC status name: the hub's own when it refused the request
(``NOT_FOUND``, ``INVALID_ARGUMENT``), ``INVALID_ARGUMENT`` for bad usage or
input found before asking (exit 2), ``UNAVAILABLE`` when the hub or the broker
cannot be reached (exit 3). ``exit_code`` is the command's exit code. The
message on standard error is the same as without ``--json``.

The adapter's failures keep its summary shape instead (``province``,
``published``, …, ``rejected`` and ``error``: :func:`adapters.base.report.failure_json`),
so a script reads one shape whatever happened to the run.
"""

from __future__ import annotations

import codecs
import json
import sys
from typing import Any

CODE_FOR_EXIT = {1: "FAILED_PRECONDITION", 2: "INVALID_ARGUMENT", 3: "UNAVAILABLE",
                 130: "CANCELLED"}


def error_json(message: str, exit_code: int, code: str | None = None) -> dict[str, Any]:
    """The ``--json`` document of a failed command."""
    return {"error": message, "code": code or CODE_FOR_EXIT.get(exit_code, "UNKNOWN"),
            "exit_code": exit_code}


def _text(value: Any) -> Any:
    """``value`` with every string UTF-8 text: bytes that were not (a file name) become
    backslash escapes, as standard error writes them."""
    if isinstance(value, str):
        try:  # a file name's bytes, as Python keeps them: say the bytes (``\\xff``)
            return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a lone surrogate of another kind
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {key: _text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_text(item) for item in value]
    return value


def visible(text: str) -> str:
    """``text`` with each control character but a newline written as its escape
    (``\\x1b``): text from a province or a user, shown on a terminal, never drives it."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == "\n" else c.encode("unicode_escape").decode()
                   for c in text)


def json_line(doc: Any) -> str:
    """``doc`` as one line of JSON: text as it is where standard output is Unicode (UTF-8,
    whatever it quotes), ``\\u`` escapes where it is not (``PYTHONIOENCODING=ascii``, a C
    locale without UTF-8 mode), so that the document stays whole and valid there too."""
    return json.dumps(_text(doc), ensure_ascii=not _unicode(sys.stdout)) + "\n"


def _unicode(stream: Any) -> bool:
    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "ascii").name.startswith("utf")
    except LookupError:
        return False


def print_json(doc: Any) -> None:
    """One JSON document on standard output, as a line (:func:`json_line`)."""
    sys.stdout.write(json_line(doc))
    sys.stdout.flush()


def fail(prog: str, message: str, exit_code: int, *, as_json: bool,
         code: str | None = None) -> int:
    """Say ``prog: message`` on standard error, and the error document with ``--json``;
    returns ``exit_code``."""
    print(visible(_text(f"{prog}: {message}")), file=sys.stderr)
    if as_json:
        print_json(error_json(message, exit_code, code))
    return exit_code


def wants_json(argv: list[str]) -> bool:
    """Whether a command line asks for ``--json``, read before argparse has parsed it: as
    argparse would, an abbreviation (``--js``) or a value given to it (``--json=1``, an
    error) counts; after ``--`` it is an argument, not the option."""
    options = argv[: argv.index("--")] if "--" in argv else argv
    return any(len(name) >= 3 and "--json".startswith(name)
               for name in (arg.partition("=")[0] for arg in options if isinstance(arg, str)))
