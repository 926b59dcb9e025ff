"""A client going away mid-call is one info line in the hub's log, not an error traceback.

grpcio logs "ExecuteBatchError raised in core by servicer method [...]" with a
traceback at error level when a call's next message cannot be sent because the
client has just gone (an operator's monitor stopped with Ctrl-C while events
stream): the hub's server says it as one ``rpc_client_gone`` info line. A real
error of a servicer stays an error with its traceback.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = """
import asyncio, logging, sys
import structlog
from grpc._cython.cygrpc import ExecuteBatchError
from transferhub.cli import main
from hub.api.server import create_server, stop_server
from hub.store.factory import open_store

structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
main._foreign_logs_like_ours()
core = logging.getLogger("grpc._cython.cygrpc")

async def serve_and_log():
    store = open_store(sys.argv[1])
    server, _ = await create_server(store)
    try:
        # What grpcio logs (server.pyx.pxi, _handle_exceptions) when the client left.
        try:
            raise ExecuteBatchError('Failed "execute_batch": (SendMessageOperation,)')
        except ExecuteBatchError:
            core.exception("ExecuteBatchError raised in core by servicer method [%s]"
                           % "/transferhub.hub.v1.OperatorService/WatchEvents")
        # A servicer's own failure: still an error, with its traceback.
        try:
            raise ValueError("a real bug")
        except ValueError:
            core.exception("Unexpected [ValueError] raised by servicer method [/x/Y]")
    finally:
        await stop_server(server, grace=0.1)
        store.close()

asyncio.run(serve_and_log())
"""


def test_a_client_gone_is_one_info_line_and_a_real_error_stays_an_error(tmp_path: Path
                                                                        ) -> None:
    done = subprocess.run([sys.executable, "-c", _SCRIPT, f"sqlite:///{tmp_path / 'hub.db'}"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    gone = [line for line in lines if "rpc_client_gone" in line]
    assert len(gone) == 1, done.stderr
    assert "[info     ]" in gone[0]
    assert "method=/transferhub.hub.v1.OperatorService/WatchEvents" in gone[0]
    assert "ExecuteBatchError" not in done.stderr
    # The real error keeps its level and its traceback.
    assert any("[error    ] Unexpected [ValueError]" in line for line in lines), done.stderr
    assert done.stderr.count("Traceback") == 1 and "ValueError: a real bug" in done.stderr
