"""What ``transferhub adapter --watch`` says of each export it read (no ``--json``)."""

from __future__ import annotations

from pathlib import Path

from transferhub.cli.adapter import watched_line

REPORT = {"published": 3, "retired": 0, "rejected": [{"where": "line 2", "reason": "x"}]}


class TestWatchedLine:
    """Withheld removals are explained by what happened to the file, never guessed."""

    def test_an_ordinary_export_says_its_counts(self) -> None:
        said = watched_line(Path("drop/processed/on.jsonl"), REPORT, Path("drop"))
        assert said == "drop/processed/on.jsonl: published 3, retired 0, rejected 1"

    def test_a_cut_short_export_left_in_place_says_so(self) -> None:
        said = watched_line(Path("drop/on.jsonl"), {**REPORT, "removals_withheld": True},
                            Path("drop"))
        assert said.endswith("cut short, left in place to be read again once it changes")

    def test_a_filed_export_with_an_unidentified_record_is_not_called_cut_short(self) -> None:
        said = watched_line(Path("drop/processed/on.jsonl"),
                            {**REPORT, "removals_withheld": True}, Path("drop"))
        assert "cut short" not in said and "left in place" not in said
        assert "nothing retired or revoked this run" in said
