"""Benchmarks for the three Speed sections of issues 2, 3 and 4 (results in docs/BENCHMARKS.md).

Each module is a script (``python -m bench.query --quick``) that prints one
table; numbers are ratios against a baseline measured in the same run, because
the machine they run on is shared and noisy.
"""
