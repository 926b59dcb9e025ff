"""The ``transferhub`` command: one entry point, one module per sub-command.

Exit codes (CLI.md): 0 success; 1 the hub answered with an error; 2 bad usage
or bad input; 3 the hub or the broker cannot be reached. Bad input never ends
in a traceback.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import errno
import importlib
import io
import logging
import os
import sys
import time
from collections.abc import Callable

import structlog

# Each module defines ``register(subparsers)`` adding its sub-command(s), whose
# handler is stored as ``func`` and returns the exit code.
COMMAND_MODULES = (
    "transferhub.cli.up",
    "transferhub.cli.broker",
    "transferhub.cli.serve",
    "transferhub.cli.adapter",
    "transferhub.cli.status",
    "transferhub.cli.query",
    "transferhub.cli.monitor",
    "transferhub.cli.deadletters",
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 141


class _Parser(argparse.ArgumentParser):
    """argparse with CLI.md's exit code 2 and a one-line message for bad usage.

    A command line that asks for ``--json`` also gets the error document on
    standard output (:mod:`transferhub.cli.failure`), even when argparse could
    not read the rest of it.
    """

    def error(self, message: str) -> None:  # type: ignore[override]
        from transferhub.cli.failure import error_json, print_json, wants_json

        self.print_usage(sys.stderr)
        if wants_json(_argv_read if _argv_read is not None else sys.argv[1:]):
            print_json(error_json(message, EXIT_USAGE))
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


# The command line ``main`` is reading, for ``_Parser.error``.
_argv_read: list[str] | None = None


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree."""
    parser = _Parser(
        prog="transferhub",
        description="Cross-provincial credit-transfer federation hub.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


# The variables whose text reaches the hub or the broker (CLI.md); TRANSFERHUB_DB is a URL.
ADDRESS_VARIABLES = ("TRANSFERHUB_HUB", "TRANSFERHUB_KAFKA", "TRANSFERHUB_DB")


def _not_text(value: str) -> bool:
    """True for an argument whose bytes were not UTF-8 (Python keeps them as surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _as_utf8(args: argparse.Namespace) -> None:
    """Text options read as UTF-8 where the locale is plain ASCII: in a C locale without
    UTF-8 mode (``LC_ALL=C PYTHONUTF8=0``) Python reads "É" as two bytes it could not
    decode, and the hub refused a valid ``--completed``. Bytes that are not UTF-8 stay
    undecodable, for :func:`undecodable` to name. Another locale's encoding (Latin-1)
    read them as they were meant; file paths (``Path`` options) stay the file system's."""
    if codecs.lookup(sys.getfilesystemencoding()).name != "ascii":
        return

    def utf8(value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            return os.fsencode(value).decode("utf-8", "surrogateescape")
        except UnicodeError:
            return value

    for name, value in vars(args).items():
        setattr(args, name, [utf8(v) for v in value] if isinstance(value, list) else utf8(value))


def undecodable(args: argparse.Namespace) -> str | None:
    """Which option or variable holds bytes that are not UTF-8 text, or ``None``.

    Identifiers, grades, dates and addresses are text the hub reads as UTF-8;
    a value that is not (a terminal in another encoding) is bad input, exit 2,
    never a traceback. File paths (``Path`` options) are the file system's
    bytes and are left to ``open``.
    """
    for name, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and _not_text(item):
                option = name if name in ("credential", "path") else f"--{name}"
                return f"{option} {item!r} is not UTF-8 text"
    for variable in ADDRESS_VARIABLES:
        if _not_text(os.environ.get(variable, "")):
            return f"{variable} {os.environ[variable]!r} is not UTF-8 text"
    return None


class _StandardError(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record comes."""

    @property  # type: ignore[override]
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _: object) -> None:
        pass


class _RepeatsHeldBack(logging.Filter):
    """Lets a library's message through once per ``window`` seconds, then with a count.

    While the broker is down aiokafka logs "Unable connect to …" about 90 times a
    second; an operator needs to see it once in a while, with how often, not a flood
    that buries everything else. Messages are told apart by logger, level and their
    unformatted text (not the values in it).
    """

    def __init__(self, window: float = 10.0, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        super().__init__()
        self.window = window
        self.clock = clock
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}  # since, held back

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        since, held = self._seen.get(key, (None, 0))
        if since is not None and now - since < self.window:
            self._seen[key] = (since, held + 1)
            return False
        self._seen[key] = (now, 0)
        if held:
            record.msg = f"{record.msg} ({held} more like it held back in {now - since:.0f} s)"
        return True


def _foreign_logs_like_ours() -> None:
    """Warnings of the libraries (aiokafka's "Heartbeat failed … rebalancing", grpc's)
    on standard error in the same form as the hub's own structlog lines, not as bare
    text between them."""
    root = logging.getLogger()
    if any(isinstance(h, _StandardError) for h in root.handlers):
        return
    handler = _StandardError()
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_log_level, structlog.stdlib.add_logger_name,
                           structlog.processors.TimeStamper(fmt="%Y-%m-%d %H:%M:%S",
                                                            utc=False)],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.dev.ConsoleRenderer(colors=False)]))
    handler.addFilter(_RepeatsHeldBack())
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Logs (the hub's and the ingest's, through structlog) go to standard
    error, so that standard output carries only what a command prints: its
    table, its ``--json`` document, ``up``'s addresses.
    """
    global _argv_read
    _usable_streams()
    # gRPC's C core writes its own log lines to standard error ("E1130 … add_port.cc:83]
    # Failed to add port" before the hub's clear message that the port is taken): off
    # unless asked for (GRPC_VERBOSITY=ERROR shows them), set before grpc is imported.
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    _foreign_logs_like_ours()
    parser = build_parser()
    _argv_read = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    _as_utf8(args)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    bad = undecodable(args)
    if bad:
        from transferhub.cli.failure import fail

        return fail(f"transferhub {args.command}", bad, EXIT_USAGE,
                    as_json=getattr(args, "json", False))
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        if getattr(args, "json", False):  # a command that said nothing yet says this
            from transferhub.cli.failure import error_json, print_json

            print_json(error_json("interrupted", 130))
        return 130
    except BrokenPipeError:
        # The reader left (``transferhub … --json | head``): nothing more to say,
        # and no traceback; 141 is what a process stopped by SIGPIPE reports.
        _output_to_devnull()
        return EXIT_BROKEN_PIPE
    except OSError as error:
        if error.errno not in _WRITE_FAILURES:
            raise
        # ``… --json > /dev/full``: what was written is cut short, and the command says so.
        _output_to_devnull()
        what = f"{error.filename} could not be written" if error.filename else \
            "its output could not be written"
        print(f"transferhub {args.command}: {what}: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILED


_WRITE_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def _usable_streams() -> None:
    """Standard output and error that any text can be written to.

    Closed (``transferhub status >&-``), a stream is the null device, as if its
    reader ignored it; in an encoding that cannot say every character (a C locale
    without UTF-8 mode, ``PYTHONIOENCODING=ascii``), a character it cannot say is
    written as its escape (``\\xe9``) instead of stopping the command with a
    traceback (``--json`` writes ``\\u`` escapes there: :func:`transferhub.cli.failure.json_line`).
    """
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
        elif isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")


def _output_to_devnull() -> None:
    """Standard output from here on is the null device: Python's own flush at exit
    finds nothing left to fail on."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
