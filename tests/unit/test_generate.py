"""The export generator: valid, seeded exports of the requested size in each format."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.base.records import Rejection
from adapters.bc.dates import parse_effective_end, parse_effective_start
from adapters.bc.notation import parse_transfer_credit
from adapters.generate import generate
from adapters.ontario.reader import OntarioReader
from adapters.saskatchewan.reader import SaskatchewanReader
from hub.domain.model import Institution, Rule


class TestValidExports:
    """Every generated record reads with the province's own reader or grammar."""

    @pytest.mark.parametrize(("province", "reader"), [("on", OntarioReader),
                                                      ("sk", SaskatchewanReader)])
    def test_ontario_and_saskatchewan_read_clean(self, tmp_path: Path, province: str,
                                                 reader: type) -> None:
        path = generate(province, tmp_path, rules=3000, institutions=12, seed=1)
        out = list(reader().read(path))
        assert [x for x in out if isinstance(x, Rejection)] == []
        rules = [x for x in out if isinstance(x, Rule)]
        assert len(rules) == 3000
        assert sum(isinstance(x, Institution) for x in out) == 12
        assert len({r.outcome for r in rules}) == 4
        assert any(r.sending_institution[:2] != province.upper() for r in rules)
        assert all(r.receiving_institution.startswith(province.upper()) for r in rules)

    def test_bc_rows_are_in_the_guides_forms(self, tmp_path: Path) -> None:
        folder = generate("bc", tmp_path, rules=2000, institutions=10, seed=1)
        with open(folder / "institutions.csv", newline="") as fh:
            assert len(list(csv.DictReader(fh))) == 10
        with open(folder / "equivalencies.csv", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == 2000 and len({r["id"] for r in rows}) == 2000
        for row in rows:
            parse_transfer_credit(row["transfer_credit"], row["receiving_institution"],
                                  compact_sending_codes=True)
            parse_effective_start(row["effective_start"])
            parse_effective_end(row["effective_end"])


class TestSeeded:
    """The same seed gives the same bytes; another seed another export."""

    def test_same_seed_same_bytes(self, tmp_path: Path) -> None:
        a = generate("sk", tmp_path / "a", rules=500, institutions=5, seed=3).read_bytes()
        b = generate("sk", tmp_path / "b", rules=500, institutions=5, seed=3).read_bytes()
        c = generate("sk", tmp_path / "c", rules=500, institutions=5, seed=4).read_bytes()
        assert a == b and a != c


class TestCommandLine:
    """``python -m adapters.generate`` writes the export and prints its path."""

    def test_writes_and_prints_the_path(self, tmp_path: Path) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "adapters.generate", "--province", "on", "--rules", "50",
             "--institutions", "3", "--out", str(tmp_path)],
            capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        assert Path(done.stdout.strip()) == tmp_path / "ontario.jsonl"
        assert (tmp_path / "ontario.jsonl").stat().st_size > 0

    def test_bad_province_exits_2_with_a_message(self, tmp_path: Path) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "adapters.generate", "--province", "zz", "--out",
             str(tmp_path)], capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 2 and "province" in done.stderr
        assert "Traceback" not in done.stderr
