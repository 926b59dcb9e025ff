"""Odd and hostile province exports: each bad record is rejected at its place, the rest go out.

FORMATS.md: a bad record is rejected with its place (a line, or an XML element
path) and a reason a person can act on; every good record is still read; a run
fails (exit 2) only when nothing could be read at all (an empty, unreadable or
hostile file); never a traceback. Each test feeds one odd export to a reader
and checks the rejection's place and words *and* that its neighbours came
through.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.base.reading import chunks
from adapters.base.records import ExportUnreadable, Rejection
from adapters.base.runner import NothingReadable, run_adapter
from adapters.bc.reader import BcReader
from adapters.ontario.reader import OntarioReader
from adapters.saskatchewan.reader import SaskatchewanReader
from tests.unit.adapter_fakes import FakePublisher

ROOT = Path(__file__).resolve().parents[2]
VERSION = "version must be a positive whole number up to 9223372036854775807, got "


def ids(items: list) -> list[str]:
    """The ids of the records read, in order."""
    return [item.id for item in items if not isinstance(item, Rejection)]


def rejected(items: list) -> list[tuple[str, str]]:
    """(place, reason) of every rejection, in order."""
    return [(item.place, item.reason) for item in items if isinstance(item, Rejection)]


# --- Ontario ----------------------------------------------------------------------------

ON_SENDER = {"type": "institution", "id": "NORC", "name": "Northern College",
             "credit_unit": "hours", "standard_course": 42}
ON_RECEIVER = {"type": "institution", "id": "LAKU", "name": "Lakeshore University",
               "credit_unit": "credit weight", "standard_course": 0.5}
ON_COURSE = {"type": "credential", "institution": "NORC", "code": "PRG101",
             "title": "Programming One", "value": 56}
ON_RULE = {"type": "equivalency", "id": "LK-0001", "version": 2, "from": ["NORC:PRG101"],
           "to": {"institution": "LAKU", "grant": "course",
                  "courses": [{"code": "COMP 1001", "value": 0.5}]},
           "min_grade": "65", "effective_start": "2019-09-01", "effective_end": None}


def line(obj: object) -> bytes:
    return json.dumps(obj).encode()


def rule(**changes: object) -> dict:
    return {**ON_RULE, **changes}


def read_on(tmp_path: Path, *lines: bytes, sep: bytes = b"\n") -> list:
    path = tmp_path / "ontario.jsonl"
    path.write_bytes(sep.join(lines) + sep)
    return list(OntarioReader().read(path))


def between(tmp_path: Path, bad: bytes) -> list:
    """The bad line on line 2, between the two institutions (lines 1 and 3)."""
    return read_on(tmp_path, line(ON_SENDER), bad, line(ON_RECEIVER))


class TestOntarioFileShapes:
    """Byte order marks and Windows line endings cost nothing."""

    def test_a_byte_order_mark_on_line_one(self, tmp_path: Path) -> None:
        out = read_on(tmp_path, b"\xef\xbb\xbf" + line(ON_SENDER), line(ON_RECEIVER))
        assert ids(out) == ["ON:NORC", "ON:LAKU"]

    def test_crlf_line_endings(self, tmp_path: Path) -> None:
        out = read_on(tmp_path, line(ON_SENDER), line(ON_RECEIVER), line(ON_RULE), sep=b"\r\n")
        assert ids(out) == ["ON:NORC", "ON:LAKU", "ON:LK-0001"]


class TestOntarioBadLines:
    """A line that is not one readable record is rejected at its line; the others go out."""

    @pytest.mark.parametrize(("bad", "words"), [
        (b"[1, 2]", "a line must be one JSON object, got a JSON list"),
        (b"42", "a line must be one JSON object, got a JSON int"),
        (b"null", "a line must be one JSON object, got a JSON NoneType"),
        (line({k: v for k, v in ON_RULE.items() if k != "type"}),
         "type is None; expected 'institution', 'credential' or 'equivalency'"),
        (line(rule(type="Equivalency")),
         "type is 'Equivalency'; expected 'institution', 'credential' or 'equivalency'"),
        (b'{"type": "credential", "value": NaN}', "NaN is not a number JSON allows"),
        (b"[" * 100_000 + b"]" * 100_000, "not a JSON object: maximum recursion depth"),
    ])
    def test_rejected_at_its_line(self, tmp_path: Path, bad: bytes, words: str) -> None:
        out = between(tmp_path, bad)
        assert ids(out) == ["ON:NORC", "ON:LAKU"]
        [(place, reason)] = rejected(out)
        assert place == "line 2" and words in reason

    def test_a_line_that_is_not_utf8_costs_only_that_line(self, tmp_path: Path) -> None:
        out = between(tmp_path, line(ON_COURSE).replace(b"Programming", b"Programm\xe9ing"))
        assert ids(out) == ["ON:NORC", "ON:LAKU"]
        [(place, reason)] = rejected(out)
        assert place == "line 2" and reason.startswith("not UTF-8 text (byte ")
        assert "save the export as UTF-8" in reason

    def test_a_5_mb_line_is_rejected_without_reading_it_whole(self, tmp_path: Path) -> None:
        out = between(tmp_path, line(rule(notes="x" * 5_000_000)))
        assert ids(out) == ["ON:NORC", "ON:LAKU"]
        assert rejected(out) == [("line 2", "line is longer than 1048576 bytes; split it "
                                            "into one record a line")]


class TestOntarioRepeatedEntities:
    """One id twice in one export: the first line is used, the later one is rejected at its
    own line naming the first, whatever differs. Neither is chosen silently: the report
    shows the later line, and the registrar fixes the export (a higher version in the same
    file does not win: the export, not the adapter, must say which line is meant)."""

    @pytest.mark.parametrize("second", [
        rule(version=3),                       # a higher version
        rule(version=1),                       # a lower version
        rule(min_grade="70"),                  # same version, other content
        rule(),                                # the very same line
    ])
    def test_an_equivalency_twice(self, tmp_path: Path, second: dict) -> None:
        out = read_on(tmp_path, line(ON_SENDER), line(ON_RECEIVER), line(ON_RULE),
                      line(second), line(ON_COURSE))
        assert ids(out) == ["ON:NORC", "ON:LAKU", "ON:LK-0001", "ON:NORC:PRG101"]
        assert [r for r in out if not isinstance(r, Rejection)][2].version == 2
        [rejection] = [r for r in out if isinstance(r, Rejection)]
        assert (rejection.place, rejection.reason) == (
            "line 4", "equivalency ON:LK-0001 is already on line 3; only the first is used")
        assert rejection.entity_key == "ON:LK-0001"   # its last good version is kept

    def test_a_credential_twice_even_with_its_code_in_other_case(self, tmp_path: Path) -> None:
        out = read_on(tmp_path, line(ON_SENDER), line(ON_COURSE),
                      line({**ON_COURSE, "title": "Other"}),
                      line({**ON_COURSE, "code": "prg101"}), line(ON_RECEIVER))
        assert ids(out) == ["ON:NORC", "ON:NORC:PRG101", "ON:LAKU"]
        reason = "credential ON:NORC:PRG101 is already on line 2; only the first is used"
        assert rejected(out) == [("line 3", reason), ("line 4", reason)]


class TestOntarioFieldTypes:
    """Known fields are checked strictly: a string where a number goes is refused, not guessed."""

    @pytest.mark.parametrize(("bad", "words"), [
        ({**ON_COURSE, "value": "0.5"}, "credential ON:NORC:PRG101: value must be a number, "
                                        "got '0.5'"),
        ({**ON_COURSE, "value": True}, "credential ON:NORC:PRG101: value must be a number, "
                                       "got True"),
        ({**ON_COURSE, "level": "1"}, "level must be a year level 1, 2, 3 or 4, got '1'"),
        (rule(to={"institution": "LAKU", "grant": "course",
                  "courses": [{"code": "COMP 1001", "value": "0.5"}]}),
         "equivalency LK-0001: to.courses[0]: value must be a number, got '0.5'"),
        (rule(to={"institution": "LAKU", "grant": "course",
                  "courses": [{"code": "COMP 1001", "value": 1e308}]}),
         "to.courses[0]: value must be at most 1,000,000, got 1e+308"),
        (rule(version=0), "equivalency LK-0001: " + VERSION + "0"),
        (rule(version=-1), VERSION + "-1"),
        (rule(version=3.0), VERSION + "3.0"),
        (rule(version="3"), VERSION + "'3'"),
        (rule(version=True), VERSION + "True"),
        (rule(version=10**30), "up to 9223372036854775807, got 1000000000000000000000000000000"),
        (rule(version=2**63), "up to 9223372036854775807, got 9223372036854775808"),
        (rule(min_grade=True), "min_grade must be a percent (65) or a letter grade (C+), "
                               "got True"),
        (rule(min_grade=101), "min_grade 101 is not a percent 0–100"),
        (rule(effective_start="2019-9-1"), "effective_start must be a date YYYY-MM-DD, "
                                           "got '2019-9-1'"),
        (rule(effective_start="2019-02-30"), "effective_start '2019-02-30' is not a calendar "
                                             "date"),
        (rule(effective_start=20190901), "effective_start must be a date YYYY-MM-DD, "
                                         "got 20190901"),
    ])
    def test_rejected_naming_the_field(self, tmp_path: Path, bad: dict, words: str) -> None:
        out = between(tmp_path, line(bad))
        assert ids(out) == ["ON:NORC", "ON:LAKU"]
        [(place, reason)] = rejected(out)
        assert place == "line 2" and words in reason

    def test_the_largest_version_the_hub_stores_is_read(self, tmp_path: Path) -> None:
        out = read_on(tmp_path, line(ON_RECEIVER), line(rule(version=2**63 - 1)))
        assert [r.version for r in out if not isinstance(r, Rejection)] == [0, 2**63 - 1]

    @pytest.mark.parametrize(("written", "kept"), [
        (65, "65"), ("65", "65"), (" 65 ", "65"), (65.5, "65.5"), ("c+", "C+")])
    def test_min_grade_as_number_or_text_is_the_same_grade(self, tmp_path: Path,
                                                          written: object, kept: str) -> None:
        out = read_on(tmp_path, line(ON_RECEIVER), line(rule(min_grade=written)))
        assert out[1].min_grade == kept

    def test_a_lone_surrogate_escape_is_rejected_at_its_line(self, tmp_path: Path) -> None:
        # json reads "\ud800" into a string no UTF-8 event can carry.
        bad = line({**ON_COURSE, "title": "TITLE"}).replace(b"TITLE", b"a\\ud800b")
        out = between(tmp_path, bad)
        assert ids(out) == ["ON:NORC", "ON:LAKU"]
        [(place, reason)] = rejected(out)
        assert place == "line 2"
        assert "\\ud800" in reason and "not Unicode text" in reason

    def test_a_surrogate_pair_escape_is_one_character(self, tmp_path: Path) -> None:
        out = between(tmp_path, line({**ON_COURSE, "title": "Prog \U0001F600"}))
        assert ids(out) == ["ON:NORC", "ON:NORC:PRG101", "ON:LAKU"]
        assert out[1].title == "Prog \U0001F600"


# --- British Columbia -------------------------------------------------------------------

BC_INSTITUTIONS = ("code,name,credit_unit,standard_course,grading\n"
                   "NORU,Northern Rockies University,credits,3,\n"
                   "COLA,College of the Lakes,credits,3,\n")
BC_HEADER = ("id,version,sending_institution,sending_courses,sending_title,sending_credits,"
             "receiving_institution,transfer_credit,min_grade,effective_start,effective_end\n")


def bc_row(ident: str, code: str = "HIST 100", *, version: str = "1", sender: str = "COLA",
           receiver: str = "NORU", text: str = "NORU HIST 1st (3)", title: str = "History") -> str:
    return f"{ident},{version},{sender},{code},{title},3,{receiver},{text},,Sep 2015,present\n"


def write_bc(tmp_path: Path, equivalencies: str | bytes | None,
             institutions: str | bytes | None = BC_INSTITUTIONS) -> Path:
    for name, content in (("institutions.csv", institutions),
                          ("equivalencies.csv", equivalencies)):
        if content is not None:
            data = content.encode() if isinstance(content, str) else content
            (tmp_path / name).write_bytes(data)
    return tmp_path


def read_bc(tmp_path: Path, equivalencies: str | bytes | None,
            institutions: str | bytes | None = BC_INSTITUTIONS) -> list:
    return list(BcReader().read(write_bc(tmp_path, equivalencies, institutions)))


def rules(items: list) -> list[str]:
    return [i for i in ids(items) if i.count(":") == 1 and i not in ("BC:NORU", "BC:COLA")]


class TestBcFileShapes:
    """Headers are found by name; quoting, case and spacing do not cost a row."""

    def test_a_byte_order_mark_on_both_files(self, tmp_path: Path) -> None:
        out = read_bc(tmp_path, "\ufeff" + BC_HEADER + bc_row("1"),
                      "\ufeff" + BC_INSTITUTIONS)
        assert ids(out)[:2] == ["BC:NORU", "BC:COLA"] and rules(out) == ["BC:1"]

    def test_reordered_and_extra_columns(self, tmp_path: Path) -> None:
        header = "note," + BC_HEADER.replace("id,version,", "version,id,")
        row = bc_row("7").replace("7,1,", "1,7,", 1)
        out = read_bc(tmp_path, header + "anything," + row + "more," + bc_row("8", "HIST 101")
                      .replace("8,1,", "1,8,", 1))
        assert rules(out) == ["BC:7", "BC:8"] and not rejected(out)

    def test_a_quoted_newline_keeps_later_line_numbers_right(self, tmp_path: Path) -> None:
        out = read_bc(tmp_path, BC_HEADER + bc_row("1", title='"History\nof the North"')
                      + bc_row("2", "HIST 101") + bc_row("3", "HIST 102", text="NORU HIST"))
        assert rules(out) == ["BC:1", "BC:2"]
        assert rejected(out) == [("equivalencies.csv line 5",
                                  "transfer_credit 'NORU HIST' has no credits in parentheses")]

    def test_too_few_and_too_many_fields(self, tmp_path: Path) -> None:
        out = read_bc(tmp_path, BC_HEADER + bc_row("1") + "2,1,COLA\n"
                      + bc_row("3", "HIST 103").rstrip() + ",x,y\n" + bc_row("4", "HIST 104"))
        assert rules(out) == ["BC:1", "BC:4"]
        assert rejected(out) == [
            ("equivalencies.csv line 3", "row has 3 fields but the header has 11; "
                                         "quote fields that contain commas"),
            ("equivalencies.csv line 4", "row has 13 fields but the header has 11; "
                                         "quote fields that contain commas")]

    def test_blank_rows_and_rows_of_empty_fields_are_skipped(self, tmp_path: Path) -> None:
        out = read_bc(tmp_path, BC_HEADER + "\n" + bc_row("1") + "\n  \n" + "," * 10 + "\n"
                      + " , ,,,,,,,,,\n" + bc_row("2", "HIST 101"))
        assert rules(out) == ["BC:1", "BC:2"] and not rejected(out)

    def test_spaces_and_lower_case_codes(self, tmp_path: Path) -> None:
        out = read_bc(tmp_path, BC_HEADER + bc_row("1", " HIST 100 ", sender="cola ",
                                                   receiver=" noru"),
                      BC_INSTITUTIONS.replace("NORU,", "noru ,"))
        assert ids(out)[0] == "BC:NORU" and rules(out) == ["BC:1"]
        rule_read = next(r for r in out if getattr(r, "id", "") == "BC:1")
        assert rule_read.sending == ("BC:COLA:HIST 100",)
        assert rule_read.receiving_institution == "BC:NORU"


class TestBcBadRows:
    """A row that cannot be read is rejected at the line it starts on; the others go out."""

    @pytest.mark.parametrize(("version", "words"), [
        ("x", VERSION + "'x'"),
        ("1.0", VERSION + "'1.0'"),
        ("0", VERSION + "0"),
        ("-1", VERSION + "'-1'"),
        ("", VERSION + "''"),
        ("99999999999999999999", "up to 9223372036854775807, got 99999999999999999999"),
        ("9223372036854775808", "up to 9223372036854775807, got 9223372036854775808"),
        ("\u00b2", VERSION + "'\u00b2'"),
        ("\u0663", VERSION + "'\u0663'"),
        ("9" * 5000, VERSION + "'9999"),
    ])
    def test_a_version_that_is_not_a_whole_number(self, tmp_path: Path, version: str,
                                                  words: str) -> None:
        out = read_bc(tmp_path, BC_HEADER + bc_row("1", version=version)
                      + bc_row("2", "HIST 101"))
        assert rules(out) == ["BC:2"]
        [(place, reason)] = rejected(out)
        assert place == "equivalencies.csv line 2" and words in reason

    def test_the_largest_version_the_hub_stores_is_read(self, tmp_path: Path) -> None:
        out = read_bc(tmp_path, BC_HEADER + bc_row("1", version=" 9223372036854775807 "))
        assert [r.version for r in out if getattr(r, "id", "") == "BC:1"] == [2**63 - 1]

    def test_the_same_id_twice(self, tmp_path: Path) -> None:
        out = read_bc(tmp_path, BC_HEADER + bc_row("1") + bc_row("1", version="2")
                      + bc_row("2", "HIST 101"))
        assert rules(out) == ["BC:1", "BC:2"]
        assert rejected(out) == [("equivalencies.csv line 3",
                                  "equivalency BC:1 is already on line 2")]

    @pytest.mark.parametrize("damage", [b"\xff", b"\x00"])
    def test_a_row_not_utf8_or_with_a_nul(self, tmp_path: Path, damage: bytes) -> None:
        data = (BC_HEADER + bc_row("1") + bc_row("2", "HIST 101") + bc_row("3", "HIST 102"))
        out = read_bc(tmp_path, data.encode().replace(b"History,3,NORU,NORU HIST 1st (3),,Sep "
                                                      b"2015,present\n3",
                                                      b"Hist" + damage + b"ory,3,NORU,NORU HIST "
                                                      b"1st (3),,Sep 2015,present\n3"))
        assert rules(out) == ["BC:1", "BC:3"]
        assert rejected(out) == [("equivalencies.csv line 3", "row is not UTF-8 text or holds "
                                                              "a NUL byte; save the export as "
                                                              "UTF-8")]

    def test_a_quote_left_open_costs_only_its_own_row(self, tmp_path: Path) -> None:
        """RFC 4180 lets a quoted field run over lines, so an unclosed quote reads the rows
        after it into one field, up to the end of the file (or the 128 KiB field limit).
        That row is refused at the line the quote opens; the lines it swallowed are read
        again on their own, so the good rows after it are not lost (a later run would
        otherwise take them for deleted and revoke them)."""
        later = "".join(bc_row(str(n), f"HIST {n}") for n in range(100, 140))
        out = read_bc(tmp_path, BC_HEADER + bc_row("1") + bc_row("2", title='"History')
                      + later)
        assert rules(out) == ["BC:1", *(f"BC:{n}" for n in range(100, 140))]
        assert rejected(out) == [("equivalencies.csv line 3", (
            "row runs from line 3 to line 43 with 5 fields, the header has 11; a quote "
            "opened on line 3 is probably not closed (lines 4-43 are read again on their "
            "own)"))]

    def test_a_quote_left_open_before_a_large_rest(self, tmp_path: Path) -> None:
        later = "".join(bc_row(str(n), f"HIST {n % 900 + 100}") for n in range(100, 3100))
        out = read_bc(tmp_path, BC_HEADER + bc_row("1") + bc_row("2", title='"History')
                      + later + bc_row("9999", "HIST 999", text="NORU HIST"))
        assert rules(out) == ["BC:1", *(f"BC:{n}" for n in range(100, 3100))]
        [first, last] = rejected(out)
        assert first[0] == "equivalencies.csv line 3" and first[1].startswith(
            "row is not valid CSV (field larger than field limit (131072)); a quote opened "
            "on line 3 is probably not closed (lines 4-")
        assert last == ("equivalencies.csv line 3004",   # later line numbers are still right
                        "transfer_credit 'NORU HIST' has no credits in parentheses")

    def test_quotes_left_open_inside_what_another_swallowed(self, tmp_path: Path) -> None:
        # The second stray quote is among the lines the first swallowed, and a good quoted
        # title further on closes neither: each stray quote costs its own row only.
        rows = [bc_row(str(n), f"HIST {n}") for n in range(100, 120)]
        rows[3] = bc_row("103", "HIST 103", title='"Early')
        rows[9] = bc_row("109", "HIST 109", title='"Modern, and Later"')
        out = read_bc(tmp_path, BC_HEADER + bc_row("1") + bc_row("2", title='"History')
                      + "".join(rows))
        assert rules(out) == ["BC:1", *(f"BC:{n}" for n in range(100, 120) if n != 103)]
        assert [place for place, _ in rejected(out)] == ["equivalencies.csv line 3",
                                                         "equivalencies.csv line 7"]

    def test_institutions_csv_with_a_header_only_still_reads_the_rules(
            self, tmp_path: Path) -> None:
        out = read_bc(tmp_path, BC_HEADER + bc_row("1"), BC_INSTITUTIONS.splitlines()[0])
        assert rules(out) == ["BC:1"] and not rejected(out)


class TestBcUnreadableExports:
    """A missing file or column refuses the whole export, saying which and what is expected."""

    def test_a_column_named_twice(self, tmp_path: Path) -> None:
        """Which copy is meant cannot be told (the reader once took the first silently)."""
        header = BC_HEADER.replace("\n", ",Version\n")
        with pytest.raises(ExportUnreadable, match=r"equivalencies.csv: header row has "
                                                   r"column\(s\) version more than once"):
            read_bc(tmp_path, header + bc_row("1").replace("\n", ",7\n"))

    def test_a_missing_required_column(self, tmp_path: Path) -> None:
        header = BC_HEADER.replace(",min_grade", "")
        with pytest.raises(ExportUnreadable, match=r"equivalencies.csv: header row lacks "
                                                   r"column\(s\) min_grade \(expected id,"):
            read_bc(tmp_path, header + "1,1,COLA,HIST 100,H,3,NORU,NORU HIST 1st (3),Sep 2015,"
                                       "present\n")

    def test_institutions_csv_missing(self, tmp_path: Path) -> None:
        with pytest.raises(ExportUnreadable, match=r"institutions.csv: no such file \(a BC "
                                                   r"export folder holds institutions.csv and "
                                                   r"equivalencies.csv\)"):
            read_bc(tmp_path, BC_HEADER + bc_row("1"), institutions=None)

    @pytest.mark.parametrize("content", ["", BC_HEADER, BC_HEADER + "\n\n"])
    def test_equivalencies_without_a_row(self, tmp_path: Path, content: str) -> None:
        """A header and no row is a failed export, never a Guide without equivalencies
        (it would revoke every BC rule)."""
        with pytest.raises(ExportUnreadable, match=r"equivalencies.csv: .*(empty|no row)"):
            read_bc(tmp_path, content)


# --- Saskatchewan -----------------------------------------------------------------------

SK_HEAD = '<TransferCreditGuide province="SK" generated="2026-11-01T06:00:00Z">\n'
SK_INSTITUTIONS = (
    '  <Institution id="PRAU" name="Prairie University" creditUnit="credit units" '
    'standardCourse="3"/>\n'
    '  <Institution id="RIVP" name="River Polytechnic" creditUnit="credits" '
    'standardCourse="3"/>\n')
SK_TAIL = "</TransferCreditGuide>\n"


def sk_rule(ident: str, body: str | None = None, *, version: str = "1") -> str:
    body = body if body is not None else (
        '<Sending institution="RIVP"><Course code="COSC 100"/></Sending>'
        '<Receiving institution="PRAU" grant="none"/>')
    return (f'  <Equivalency id="{ident}" version="{version}" effectiveFrom="2020-09-01" '
            f'effectiveTo="">{body}</Equivalency>\n')


def read_sk(tmp_path: Path, text: str | bytes) -> list:
    path = tmp_path / "sk.xml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    out: list = []
    for item in SaskatchewanReader().read(path):   # an error keeps what came before in `out`
        out.append(item)
    return out


def read_sk_until_error(tmp_path: Path, text: str) -> tuple[list, ExportUnreadable]:
    path = tmp_path / "sk.xml"
    path.write_text(text, encoding="utf-8")
    out: list = []
    with pytest.raises(ExportUnreadable) as raised:
        for item in SaskatchewanReader().read(path):
            out.append(item)
    return out, raised.value


class TestSaskatchewanFeeds:
    """Elements are read one by one; a bad one is rejected at its path, the feed goes on."""

    def test_a_default_namespace_on_the_root(self, tmp_path: Path) -> None:
        head = SK_HEAD.replace("province", 'xmlns="urn:example:tcg" province')
        out = read_sk(tmp_path, head + SK_INSTITUTIONS + sk_rule("E-1") + SK_TAIL)
        assert ids(out) == ["SK:PRAU", "SK:RIVP", "SK:E-1"]

    def test_a_prefixed_root_is_another_document(self, tmp_path: Path) -> None:
        text = ('<t:TransferCreditGuide xmlns:t="urn:example:tcg" province="SK">'
                + SK_INSTITUTIONS + "</t:TransferCreditGuide>")
        with pytest.raises(ExportUnreadable, match=r"the root element is "
                                                   r"<t:TransferCreditGuide>, expected "
                                                   r"<TransferCreditGuide>"):
            read_sk(tmp_path, text)

    def test_cdata_in_an_unknown_element_between_equivalencies(self, tmp_path: Path) -> None:
        out = read_sk(tmp_path, SK_HEAD + SK_INSTITUTIONS + sk_rule("E-1")
                      + "  <Note><![CDATA[ <b>not</b> & markup ]]></Note>\n"
                      + "  <Equivalence id='E-9'/>\n" + sk_rule("E-2") + SK_TAIL)
        assert ids(out) == ["SK:PRAU", "SK:RIVP", "SK:E-1", "SK:E-2"]
        expected = "; expected Institution, Course or Equivalency"
        assert rejected(out) == [
            ("/TransferCreditGuide/Note[1]", "unknown element <Note>" + expected),
            ("/TransferCreditGuide/Equivalence[1]", "unknown element <Equivalence>" + expected)]

    def test_cdata_inside_an_equivalency_is_ignored(self, tmp_path: Path) -> None:
        body = ('<Sending institution="RIVP"><Course code="COSC 100"/></Sending>'
                '<Receiving institution="PRAU" grant="none"/><Remark><![CDATA[a & b]]></Remark>')
        out = read_sk(tmp_path, SK_HEAD + SK_INSTITUTIONS + sk_rule("E-1", body) + SK_TAIL)
        assert ids(out) == ["SK:PRAU", "SK:RIVP", "SK:E-1"] and not rejected(out)

    def test_an_equivalency_without_sending(self, tmp_path: Path) -> None:
        out = read_sk(tmp_path, SK_HEAD + SK_INSTITUTIONS
                      + sk_rule("E-1", '<Receiving institution="PRAU" grant="none"/>')
                      + sk_rule("E-2") + SK_TAIL)
        assert ids(out) == ["SK:PRAU", "SK:RIVP", "SK:E-2"]
        [rejection] = [r for r in out if isinstance(r, Rejection)]
        assert rejection.place == "/TransferCreditGuide/Equivalency[1]"
        assert rejection.reason == "Equivalency E-1: expected exactly one <Sending>, found 0"
        assert rejection.entity_key == "SK:E-1"

    @pytest.mark.parametrize(("version", "words"), [
        ("0", VERSION + "0"),
        ("1.0", VERSION + "'1.0'"),
        ("99999999999999999999", "up to 9223372036854775807, got 99999999999999999999"),
        ("\u00b2", VERSION + "'\u00b2'"),
        ("\u0663", VERSION + "'\u0663'"),
        ("9" * 5000, VERSION + "'9999"),
    ])
    def test_a_version_that_is_not_a_whole_number(self, tmp_path: Path, version: str,
                                                  words: str) -> None:
        out = read_sk(tmp_path, SK_HEAD + SK_INSTITUTIONS + sk_rule("E-1", version=version)
                      + sk_rule("E-2") + SK_TAIL)
        assert ids(out) == ["SK:PRAU", "SK:RIVP", "SK:E-2"]
        [(place, reason)] = rejected(out)
        assert place == "/TransferCreditGuide/Equivalency[1]" and words in reason

    def test_a_level_of_5000_digits(self, tmp_path: Path) -> None:
        course = '  <Course institution="RIVP" code="COSC 100" level="%s"/>\n' % ("9" * 5000)
        out = read_sk(tmp_path, SK_HEAD + SK_INSTITUTIONS + course + sk_rule("E-1") + SK_TAIL)
        assert ids(out) == ["SK:PRAU", "SK:RIVP", "SK:E-1"]
        [(place, reason)] = rejected(out)
        assert place == "/TransferCreditGuide/Course[1]"
        assert reason.startswith("Course SK:RIVP:COSC 100: level must be a year level 1, 2, 3 "
                                 "or 4, got '9999")

    def test_an_equivalency_without_an_id_says_so(self, tmp_path: Path) -> None:
        out = read_sk(tmp_path, SK_HEAD + SK_INSTITUTIONS + sk_rule("E-1").replace(
            'id="E-1" ', "") + sk_rule("E-2") + SK_TAIL)
        assert ids(out) == ["SK:PRAU", "SK:RIVP", "SK:E-2"]
        [(place, reason)] = rejected(out)
        assert place == "/TransferCreditGuide/Equivalency[1]"
        assert reason.startswith("rule id is missing") and "None" not in reason

    def test_a_100_kb_attribute_value(self, tmp_path: Path) -> None:
        # An attribute the feed does not read (a name is capped at MAX_NAME: see below).
        long = "Prairie " * 12_500
        out = read_sk(tmp_path, SK_HEAD + SK_INSTITUTIONS.replace(
            'name="Prairie University"', f'name="Prairie University" about="{long}"')
                      + sk_rule("E" * 100_000) + sk_rule("E-2") + SK_TAIL)
        assert ids(out) == ["SK:PRAU", "SK:RIVP", "SK:E-2"]
        [(place, reason)] = rejected(out)
        assert place == "/TransferCreditGuide/Equivalency[1]"
        assert reason.startswith("rule id must be letters, digits and . - _ / (at most 64)")
        assert len(reason) <= 200


class TestSaskatchewanUnreadableFeeds:
    """A feed that is not a whole, well-formed guide is refused, saying where it broke."""

    def test_the_wrong_root_element(self, tmp_path: Path) -> None:
        with pytest.raises(ExportUnreadable, match=r"the root element is <TransferGuide>, "
                                                   r"expected <TransferCreditGuide>"):
            read_sk(tmp_path, '<TransferGuide province="SK">' + SK_INSTITUTIONS
                    + "</TransferGuide>")

    @pytest.mark.parametrize("declaration", [
        "<!DOCTYPE TransferCreditGuide>",
        '<!DOCTYPE t [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>',
        '<!DOCTYPE t SYSTEM "file:///etc/passwd">',
    ])
    def test_a_doctype_refuses_the_feed_before_any_record(self, tmp_path: Path,
                                                          declaration: str) -> None:
        out, error = read_sk_until_error(tmp_path, '<?xml version="1.0"?>\n' + declaration
                                         + "\n" + SK_HEAD + SK_INSTITUTIONS + SK_TAIL)
        assert out == []
        assert "refused: the feed declares a DOCTYPE or entities" in str(error)

    def test_a_feed_cut_short_gives_what_came_before_then_names_the_break(
            self, tmp_path: Path) -> None:
        cut = sk_rule("E-3")[:60]   # inside <Equivalency id="E-3" ...>'s start tag
        out, error = read_sk_until_error(tmp_path, SK_HEAD + SK_INSTITUTIONS + sk_rule("E-1")
                                         + sk_rule("E-2") + cut)
        assert ids(out) == ["SK:PRAU", "SK:RIVP", "SK:E-1", "SK:E-2"]
        message = str(error)
        assert "not well-formed XML at line 6" in message
        assert "after /TransferCreditGuide/Equivalency[2]" in message
        assert "the feed is cut short (it ends before </TransferCreditGuide>)" in message

    def test_a_feed_cut_inside_an_element_names_that_element(self, tmp_path: Path) -> None:
        half = sk_rule("E-2").split("<Receiving")[0]   # the Equivalency and Sending opened
        out, error = read_sk_until_error(tmp_path, SK_HEAD + SK_INSTITUTIONS + sk_rule("E-1")
                                         + half)
        assert ids(out) == ["SK:PRAU", "SK:RIVP", "SK:E-1"]
        assert "inside /TransferCreditGuide/Equivalency[2]" in str(error)


# --- Whole runs -------------------------------------------------------------------------

class TestRunsNeverCrash:
    """Whole runs (fake broker): good records are published, hostile ones only rejected."""

    def run(self, reader: object, path: Path, tmp_path: Path) -> tuple[object, FakePublisher]:
        publisher = FakePublisher()
        summary = run_adapter(reader, path, kafka=publisher, state_dir=tmp_path / "state")
        return summary, publisher

    def test_a_huge_ontario_version_is_rejected_not_a_crash(self, tmp_path: Path) -> None:
        path = tmp_path / "on.jsonl"
        path.write_bytes(line(ON_SENDER) + b"\n" + line(rule(version=2**64)) + b"\n"
                         + line(ON_RECEIVER) + b"\n")
        summary, publisher = self.run(OntarioReader(), path, tmp_path)
        assert summary.published == 2 and len(publisher.sent) == 2
        assert [(r.where, "up to 9223372036854775807" in r.reason) for r in summary.rejected] == [
            ("line 2", True)]

    def test_a_lone_surrogate_in_ontario_is_rejected_not_a_crash(self, tmp_path: Path) -> None:
        path = tmp_path / "on.jsonl"
        path.write_bytes(line(ON_SENDER) + b"\n"
                         + line(ON_COURSE).replace(b"Programming", b"Pro\\udc80gramming")
                         + b"\n" + line(ON_RECEIVER) + b"\n")
        summary, _ = self.run(OntarioReader(), path, tmp_path)
        assert summary.published == 2
        assert [r.where for r in summary.rejected] == ["line 2"]

    def test_a_huge_bc_version_is_rejected_not_a_crash(self, tmp_path: Path) -> None:
        write_bc(tmp_path, BC_HEADER + bc_row("1", version="9" * 25) + bc_row("2", "HIST 101"))
        summary, _ = self.run(BcReader(), tmp_path, tmp_path)
        assert [r.place for r in summary.rejected] == ["equivalencies.csv line 2"]
        assert summary.published == 4   # two institutions, rule 2, its sending course

    def test_every_line_rejected_is_nothing_readable(self, tmp_path: Path) -> None:
        path = tmp_path / "on.jsonl"
        path.write_bytes(b"[1]\n" + line(rule(version=0)) + b"\n")
        with pytest.raises(NothingReadable, match="no readable record") as raised:
            self.run(OntarioReader(), path, tmp_path)
        assert [r.where for r in raised.value.rejected] == ["line 1", "line 2"]

    @pytest.mark.parametrize("parallel", [False, True])
    def test_every_rejection_comes_out_before_nothing_readable(
            self, tmp_path: Path, parallel: bool) -> None:
        """The reader raises after yielding its rejections; a chunk holding them is not lost,
        in this process or read by the child."""
        write_bc(tmp_path, BC_HEADER + bc_row("1", version="x")
                 + bc_row("2", text="NORU ENGL (3)"),
                 institutions=BC_INSTITUTIONS.splitlines()[0] + "\n")
        got: list[str] = []
        with pytest.raises(ExportUnreadable, match="no readable record"):
            for piece in chunks(BcReader(), tmp_path, size=10, parallel=parallel):
                got.extend(f"{r.file} {r.where}" for r in piece.rejected)
        assert got == ["equivalencies.csv line 2", "equivalencies.csv line 3"]


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``transferhub adapter …`` in a subprocess, with a broker address nothing listens on:
    these exports fail before anything would be published."""
    return subprocess.run([sys.executable, "-m", "transferhub.cli.main", "adapter", *map(str, args),
                           "--kafka", "127.0.0.1:9", "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)


class TestCliOnUnreadableExports:
    """Nothing readable: exit 2 with the reason on standard error, never a traceback."""

    def test_a_doctype_feed(self, tmp_path: Path) -> None:
        path = tmp_path / "sk.xml"
        path.write_text("<!DOCTYPE TransferCreditGuide>\n" + SK_HEAD + SK_INSTITUTIONS
                        + SK_TAIL)
        result = cli("saskatchewan", path, "--state", tmp_path / "s")
        assert result.returncode == 2, result.stderr
        assert "refused: the feed declares a DOCTYPE" in result.stderr
        assert "Traceback" not in result.stderr
        assert "refused: the feed declares a DOCTYPE" in json.loads(result.stdout)["error"]

    def test_an_endless_attribute(self, tmp_path: Path) -> None:
        # a 40 MB one took 16 s and 300 MB; 200 MB never ended
        path = tmp_path / "sk.xml"
        path.write_text(SK_HEAD + '<Institution id="PRAU" name="' + "P" * (8 << 20) + '"/>'
                        + SK_INSTITUTIONS + SK_TAIL)
        result = cli("saskatchewan", path, "--state", tmp_path / "s")
        assert result.returncode == 2, result.stderr
        assert ("refused: markup starting at byte 69 (line 2, inside /TransferCreditGuide) runs "
                "over 1,048,576 bytes without ending") in result.stderr
        assert "Traceback" not in result.stderr

    def test_a_feed_cut_short(self, tmp_path: Path) -> None:
        path = tmp_path / "sk.xml"
        path.write_text(SK_HEAD + SK_INSTITUTIONS + sk_rule("E-1")[:50])
        result = cli("saskatchewan", path, "--state", tmp_path / "s")
        assert result.returncode == 2, result.stderr
        assert "after /TransferCreditGuide/Institution[2]" in result.stderr
        assert "Traceback" not in result.stderr

    def test_an_empty_ontario_file(self, tmp_path: Path) -> None:
        path = tmp_path / "on.jsonl"
        path.write_bytes(b"\xef\xbb\xbf\n\n")
        result = cli("ontario", path, "--state", tmp_path / "s")
        assert result.returncode == 2
        assert "the Ontario export has no records" in result.stderr
        assert "Traceback" not in result.stderr

    def test_every_ontario_line_rejected_lists_them(self, tmp_path: Path) -> None:
        path = tmp_path / "on.jsonl"
        path.write_bytes(b"null\n" + line(rule(effective_start="2019-02-30")) + b"\n")
        result = cli("ontario", path, "--state", tmp_path / "s")
        assert result.returncode == 2
        assert "all 2 lines were rejected" in result.stderr
        assert "line 1: " in result.stderr and "line 2: " in result.stderr
        assert "Traceback" not in result.stderr
        report = json.loads(result.stdout)   # --json: the report, with every rejection
        assert [r["where"] for r in report["rejected"]] == ["line 1", "line 2"]
        assert "2019-02-30" in report["rejected"][1]["reason"]
        assert report["published"] == 0 and "all 2 lines were rejected" in report["error"]

    def test_a_bc_export_with_a_missing_column(self, tmp_path: Path) -> None:
        write_bc(tmp_path, BC_HEADER.replace("transfer_credit,", "") + "1\n")
        result = cli("bc", tmp_path, "--state", tmp_path / "s")
        assert result.returncode == 2
        assert "header row lacks column(s) transfer_credit" in result.stderr
        assert "Traceback" not in result.stderr



@pytest.mark.parametrize("reader", [OntarioReader(), SaskatchewanReader()])
def test_a_folder_where_a_file_belongs_is_named_a_folder(tmp_path: Path, reader: object) -> None:
    with pytest.raises(ExportUnreadable, match="is a folder, not a file"):
        list(reader.read(tmp_path))   # type: ignore[attr-defined]


class TestNotARegularFile:
    """A named pipe where an export belongs is refused (exit 2) before it is opened: opening
    one blocks until something writes to it, so the BC adapter hung until killed, and the
    Ontario and Saskatchewan adapters called it "no such file"."""

    @pytest.mark.parametrize(("province", "fifos", "given", "words"), [
        ("bc", ["institutions.csv", "equivalencies.csv"], ".",
         "institutions.csv: is a named pipe, not a regular file (a BC export folder holds"),
        ("bc", ["equivalencies.csv"], ".",
         "equivalencies.csv: is a named pipe, not a regular file (a BC export folder holds"),
        ("bc", ["bc"], "bc", "bc: is a named pipe, not a folder (expected a BC export folder"),
        ("ontario", ["on.jsonl"], "on.jsonl",
         "on.jsonl: is a named pipe, not a regular file (expected an Ontario .jsonl export)"),
        ("saskatchewan", ["sk.xml"], "sk.xml",
         "sk.xml: is a named pipe, not a regular file (expected a Saskatchewan XML feed)"),
    ])
    def test_a_named_pipe(self, tmp_path: Path, province: str, fifos: list[str], given: str,
                          words: str) -> None:
        export = tmp_path / "export"
        export.mkdir()
        if "institutions.csv" not in fifos:
            (export / "institutions.csv").write_text(BC_INSTITUTIONS)
        for name in fifos:
            os.mkfifo(export / name)
        # a regression hangs: the timeout fails the test instead (TimeoutExpired)
        result = subprocess.run(
            [sys.executable, "-m", "transferhub.cli.main", "adapter", province,
             str(export / given), "--kafka", "127.0.0.1:9", "--state", str(tmp_path / "s")],
            capture_output=True, text=True, cwd=ROOT, timeout=30)
        assert result.returncode == 2, result.stderr
        assert words in result.stderr
        assert "Traceback" not in result.stderr

    def test_a_file_where_the_bc_folder_belongs(self, tmp_path: Path) -> None:
        path = tmp_path / "equivalencies.csv"
        path.write_text(BC_HEADER + bc_row("1"))
        with pytest.raises(ExportUnreadable, match="is a file, not a folder"):
            list(BcReader().read(path))


class TestWhatModelCannotState:
    """A rule or credential the hub would dead-letter, unseen by the province, is rejected
    at its place by the adapter first (hub.domain.model.rule_problem and its caps)."""

    MANY = [f"NORC:PRG{n}" for n in range(101)]

    @pytest.mark.parametrize(("bad", "words"), [
        (rule(**{"from": MANY}), "names 101 sending credentials, more than the 100 allowed"),
        (rule(**{"from": ["LAKU:COMP 1001"]}), "sends from ON:LAKU to itself"),
        ({**ON_COURSE, "kind": "micro-credential",
          "stacks_into": [{"code": "PRG101", "value": 1}]}, "names the credential itself"),
        ({**ON_COURSE, "kind": "micro-credential",
          "stacks_into": [{"code": "CERT", "value": 1}, {"code": "cert", "value": 2}]},
         "stacks_into[1] names ON:NORC:CERT again"),
        ({**ON_SENDER, "standard_course": 5e-324}, "standard_course must be at least 0.001"),
        ({**ON_COURSE, "competencies": [f"c{n}" for n in range(101)]},
         "competencies lists 101 texts, more than the 100 allowed"),
        ({**ON_COURSE, "stacks_into": [{"code": f"C{n}", "value": 1} for n in range(101)]},
         "stacks_into lists 101 objects, more than the 100 allowed"),
        ({**ON_SENDER, "grading": {f"{a}{b}": 50 for a in "ABCDEFGHIJ" for b in "ABCDEFGHIJK"}},
         "grading has 110 letters, more than the 100 allowed"),
    ])
    def test_ontario(self, tmp_path: Path, bad: dict, words: str) -> None:
        out = between(tmp_path, line(bad))
        [(place, reason)] = rejected(out)
        assert place == "line 2" and words in reason
        assert {"ON:NORC", "ON:LAKU"} <= set(ids(out))

    @pytest.mark.parametrize(("code", "text", "words"), [
        (" & ".join(f"HIST {n}" for n in range(100, 201)), "NORU HIST 1st (3)",
         "names 101 sending credentials"),
        ("HIST 100", "NORU " + " & ".join(["HI 1XX (1)"] * 101),
         "gives 101 grants, more than the 100"),
        ("HIST 100 @NORU", "NORU HIST 1st (3)", "sending_institution is the receiving"),
    ])
    def test_bc(self, tmp_path: Path, code: str, text: str, words: str) -> None:
        code, _, sender = code.partition(" @")
        out = read_bc(tmp_path, BC_HEADER + bc_row("1", code, text=text,
                                                   sender=sender or "COLA") + bc_row("2"))
        [(place, reason)] = rejected(out)
        assert place == "equivalencies.csv line 2" and words in reason
        assert rules(out) == ["BC:2"]
