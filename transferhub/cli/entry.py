"""The console script's entry point: Ctrl-C at any moment ends the command quietly.

:func:`transferhub.cli.main.main` answers Ctrl-C with exit code 130 once it runs a
sub-command, but importing it and building the command tree (gRPC, protobuf,
structlog, rich) takes a tenth of a second or more, and a Ctrl-C in that time
would end in a ``KeyboardInterrupt`` traceback. This module imports nothing of
its own, so the console script reaches the ``try`` below almost at once.

One Ctrl-C no ``try`` can catch: when it lands while Python's import machinery
runs one of its own clean-up callbacks (a module lock's weak reference dying),
the ``KeyboardInterrupt`` is raised inside that callback, where Python can only
print "Exception ignored in …" with a traceback and carry on as if no Ctrl-C had
come. :func:`_interrupt_is_never_ignored` makes that case end the command too,
with exit code 130 and no traceback.
"""

from __future__ import annotations

import sys

# 128 + SIGINT, as a shell reports a command stopped by Ctrl-C.
EXIT_INTERRUPTED = 130


def _interrupt_is_never_ignored() -> None:
    """A Ctrl-C Python could only report as "ignored" stops the command, quietly."""
    previous = sys.unraisablehook

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            previous(unraisable)
            return
        import contextlib
        import os

        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed or broken stream: nothing to keep
                stream.flush()
        # Raising from here is impossible (Python would ignore that too), so the
        # process ends as the Ctrl-C asked. The store writes in transactions, so a
        # write cut off here is rolled back, as it would be by an orderly exit.
        os._exit(EXIT_INTERRUPTED)

    sys.unraisablehook = hook


def main() -> int:
    """Run ``transferhub``; a Ctrl-C before the command's own handling exits 130."""
    try:
        _interrupt_is_never_ignored()
        from transferhub.cli.main import main as run

        return run()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
