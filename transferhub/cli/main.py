"""The ``transferhub`` command: one entry point, one module per sub-command.

Exit codes (CLI.md): 0 success; 1 the hub answered with an error; 2 bad usage
or bad input; 3 the hub or the broker cannot be reached. Bad input never ends
in a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

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
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse with CLI.md's exit code 2 and a one-line message for bad usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


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


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Logs (the hub's and the ingest's, through structlog) go to standard
    error, so that standard output carries only what a command prints: its
    table, its ``--json`` document, ``up``'s addresses.
    """
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
