"""``--transcript FILE``: CLI.md's CSV "with the header credential,grade,completed".

A student system's export names the columns but may order them its own way and
carry others (a title, a term): the columns are found by name. A header that
lacks one of the three, or names one twice, is refused with the header it has.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from transferhub.cli.transcript import MAX_LINE, BadTranscript, read_transcript


def test_columns_are_found_by_name_in_any_order_beside_others(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("term,Completed,Grade,title,credential\n"
                    "Fall,2016-04,B+,University Writing,BC:CAPU:ENGL 100\n", encoding="utf-8")
    ((where, item),) = read_transcript(path)
    assert (item.credential, item.grade, item.completed_on) == ("BC:CAPU:ENGL 100", "B+",
                                                                "2016-04")
    assert where == f"{path} line 2"


@pytest.mark.parametrize("header", ["credential,grade", "credential,grade,completed,grade"])
def test_a_header_missing_or_repeating_a_column_is_refused(tmp_path: Path, header: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"{header}\nBC:CAPU:ENGL 100,B+,2016-04,A\n", encoding="utf-8")
    with pytest.raises(BadTranscript, match="once each"):
        read_transcript(path)


def test_a_file_without_line_ends_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    """``--transcript /dev/zero`` grew to 3 GB: csv reads a whole line before it checks."""
    path = tmp_path / "t.csv"
    path.write_text("credential,grade,completed\nBC:CAPU:ENGL 100,B+,2016-04\n"
                    + "x" * (MAX_LINE + 1), encoding="utf-8")
    with pytest.raises(BadTranscript, match=f"{path} line 3: longer than"):
        read_transcript(path)


def test_dev_zero_is_refused(tmp_path: Path) -> None:
    zero = Path("/dev/zero")
    if not zero.exists():
        pytest.skip("no /dev/zero on this system")
    with pytest.raises(BadTranscript, match="line 1: longer than"):
        read_transcript(zero)


def test_a_row_with_more_fields_than_the_header_is_refused(tmp_path: Path) -> None:
    """An unquoted comma in a title shifts the row: its extra field was dropped unsaid."""
    path = tmp_path / "t.csv"
    path.write_text("title,credential,grade,completed\n"
                    "Writing,BC:CAPU:ENGL 100,B+,2016-04\n"
                    "Writing, Part 2,BC:CAPU:ENGL 101,B+,2016-04\n", encoding="utf-8")
    with pytest.raises(BadTranscript, match=f"{path} line 3: 5 fields, but the header names 4"):
        read_transcript(path)
