"""Helpers every benchmark shares: timing, percentiles, peak RSS, the printed table.

A benchmark prints one table whose rows are ``(measure, value, target,
verdict)``; ``verdict`` is ``met``, ``NOT MET`` or ``-`` (informational).
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

OUT = Path(__file__).resolve().parent / "out"


def out_dir() -> Path:
    """``bench/out/`` (gitignored), created: where cached inputs live between runs."""
    OUT.mkdir(parents=True, exist_ok=True)
    return OUT


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``samples``, nearest-rank."""
    if not samples:
        raise ValueError("percentile of no samples")
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Seconds taken by each of ``repeat`` calls of ``fn``."""
    clock = time.perf_counter
    samples = []
    for _ in range(repeat):
        start = clock()
        fn()
        samples.append(clock() - start)
    return samples


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident set size in MiB of this process (or of its waited-for children)."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    kib = resource.getrusage(who).ru_maxrss  # KiB on Linux
    return kib / 1024


def machine() -> str:
    """One line describing where the numbers were taken."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}, "
            f"load {load}")


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a result table."""

    measure: str
    value: str
    target: str = "-"
    met: bool | None = None

    @property
    def verdict(self) -> str:
        """``met``, ``NOT MET`` or ``-`` when the row has no target."""
        return "-" if self.met is None else ("met" if self.met else "NOT MET")


def print_table(title: str, rows: Sequence[Row], out: TextIO | None = None) -> None:
    """Print ``rows`` as a Markdown table under ``title`` (pasteable into BENCHMARKS.md)."""
    out = out or sys.stdout
    header = ("measure", "value", "target", "verdict")
    cells = [header] + [(r.measure, r.value, r.target, r.verdict) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    print(f"\n## {title}\n", file=out)
    print(f"_{machine()}_\n", file=out)
    for n, line in enumerate(cells):
        padded = (c.ljust(w) for c, w in zip(line, widths, strict=True))
        print("| " + " | ".join(padded) + " |", file=out)
        if n == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|", file=out)
    out.flush()


def ms(seconds: float) -> str:
    """Seconds shown as milliseconds."""
    return f"{seconds * 1000:.2f} ms"


def rate(count: float, seconds: float) -> str:
    """A count per second, thousands separated."""
    return f"{count / seconds:,.0f}/s" if seconds > 0 else "inf"
