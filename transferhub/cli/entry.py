"""The console script's entry point: Ctrl-C at any moment ends the command quietly.

:func:`transferhub.cli.main.main` answers Ctrl-C with exit code 130 once it runs a
sub-command, but importing it and building the command tree (gRPC, protobuf,
structlog, rich) takes a tenth of a second or more, and a Ctrl-C in that time
would end in a ``KeyboardInterrupt`` traceback. This module imports nothing of
its own, so the console script reaches the ``try`` below almost at once.
"""

from __future__ import annotations

import sys

# 128 + SIGINT, as a shell reports a command stopped by Ctrl-C.
EXIT_INTERRUPTED = 130


def main() -> int:
    """Run ``transferhub``; a Ctrl-C before the command's own handling exits 130."""
    try:
        from transferhub.cli.main import main as run

        return run()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
