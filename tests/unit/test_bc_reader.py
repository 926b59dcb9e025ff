"""The BC export folder (institutions.csv + equivalencies.csv) read into records and rejections."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from adapters.base.records import ExportReader, ExportUnreadable, Rejection
from adapters.base.report import rejection_json
from adapters.bc.reader import BcReader
from hub.domain.model import Credential, GrantKind, Institution, Rule

UBCV_SCALE = "A+=90;A=85;A-=80;B+=76;B=72;B-=68;C+=64;C=60;C-=55;D=50;F=0"
UVIC_SCALE = "A+=90;A=85;A-=80;B+=77;B=73;B-=70;C+=65;C=60;D=50;F=0"
INSTITUTIONS = "\n".join([
    "code,name,credit_unit,standard_course,grading",
    f"UBCV,University of British Columbia - Vancouver,credits,3,{UBCV_SCALE}",
    f"UVIC,University of Victoria,units,1.5,{UVIC_SCALE}",
    "CAPU,Capilano University,credits,3,",
    "LANG,Langara College,credits,3,",
]) + "\n"
HEADER = ("id,version,sending_institution,sending_courses,sending_title,sending_credits,"
          "receiving_institution,transfer_credit,min_grade,effective_start,effective_end\n")
GOOD = "\n".join([
    "88213,2,CAPU,ENGL 100,University Writing,3,UBCV,UBCV ENGL 1st (3),,Sep 2015,present",
    "88214,1,CAPU,CSCI 110 & CSCI 111,Programming I and II,6,UBCV,"
    "UBCV CPSC 110 (4) & CPSC 1st (2),C,Sep 2018,Aug 2023",
    "88215,1,CAPU,ENGL 100,University Writing,3,SFU,SFU ENGL 1XX (3),,Jan 2010,present",
    "88216,1,ON:SENE,IPC144,Introduction to Programming Using C,56,UBCV,UBCV CPSC 1st (3),C+,"
    "Sep 2019,present",
    "88217,1,CAPU,BADM 101,Business Basics,3,UVIC,No credit,,Sep/12,",
]) + "\n"


def export(tmp_path: Path, equivalencies: str, institutions: str = INSTITUTIONS) -> Path:
    (tmp_path / "institutions.csv").write_text(institutions, encoding="utf-8")
    (tmp_path / "equivalencies.csv").write_text(equivalencies, encoding="utf-8")
    return tmp_path


def read(folder: Path) -> list:
    return list(BcReader().read(folder))


def rules(items: list) -> dict[str, Rule]:
    return {item.id: item for item in items if isinstance(item, Rule)}


def rejections(items: list) -> list[Rejection]:
    return [item for item in items if isinstance(item, Rejection)]


class TestFormatsExample:
    """FORMATS.md's example export reads into qualified records."""

    def test_is_an_export_reader(self) -> None:
        reader: ExportReader = BcReader()
        assert reader.province == "BC"

    def test_reads_institutions_with_units_and_scales(self, tmp_path: Path) -> None:
        items = read(export(tmp_path, HEADER + GOOD))
        institutions = {i.id: i for i in items if isinstance(i, Institution)}
        assert set(institutions) == {"BC:UBCV", "BC:UVIC", "BC:CAPU", "BC:LANG"}
        uvic = institutions["BC:UVIC"]
        assert (uvic.credit_system.unit, uvic.credit_system.standard_course) == ("units", 1.5)
        assert uvic.grading is not None and uvic.grading.as_dict()["B+"] == 77
        assert institutions["BC:CAPU"].grading is None
        assert all(i.version == 0 for i in institutions.values())

    def test_reads_rules_with_qualified_ids_dates_and_grants(self, tmp_path: Path) -> None:
        found = rules(read(export(tmp_path, HEADER + GOOD)))
        rule = found["BC:88214"]
        assert rule.version == 1
        assert rule.sending == ("BC:CAPU:CSCI 110", "BC:CAPU:CSCI 111")
        assert rule.receiving_institution == "BC:UBCV"
        assert rule.outcome is GrantKind.COURSE
        assert [g.code for g in rule.alternatives[0]] == ["CPSC 110", None]
        assert (rule.min_grade, rule.effective_start, rule.effective_end) == (
            "C", date(2018, 9, 1), date(2023, 8, 31))
        assert rule.notation == "UBCV CPSC 110 (4) & CPSC 1st (2)"
        assert found["BC:88216"].sending == ("ON:SENE:IPC144",)
        assert found["BC:88217"].outcome is GrantKind.NO_CREDIT
        assert found["BC:88217"].effective_end is None
        assert found["BC:88213"].effective_start == date(2015, 9, 1)

    def test_publishes_each_bc_sending_course_once(self, tmp_path: Path) -> None:
        items = read(export(tmp_path, HEADER + GOOD))
        courses = [i for i in items if isinstance(i, Credential)]
        assert sorted(c.id for c in courses) == [
            "BC:CAPU:BADM 101", "BC:CAPU:CSCI 110", "BC:CAPU:CSCI 111", "BC:CAPU:ENGL 100"]
        engl = next(c for c in courses if c.id == "BC:CAPU:ENGL 100")
        assert (engl.title, engl.value, engl.subject, engl.level, engl.version) == (
            "University Writing", 3.0, "ENGL", 1, 0)
        csci = next(c for c in courses if c.id == "BC:CAPU:CSCI 110")
        assert (csci.title, csci.value) == ("", None)   # the row's title is the pair's

    def test_a_pairs_course_gets_its_own_title_when_a_later_row_names_it_alone(
            self, tmp_path: Path) -> None:
        later = "88300,1,CAPU,CSCI 110,Programming I,3,UBCV,UBCV CPSC 1st (3),,Sep 2018,\n"
        items = read(export(tmp_path, HEADER + GOOD + later))
        csci = [i for i in items if isinstance(i, Credential) and i.id == "BC:CAPU:CSCI 110"]
        assert [(c.title, c.value) for c in csci] == [("Programming I", 3.0)]

    def test_rows_describing_a_course_differently_agree_whatever_their_order(
            self, tmp_path: Path) -> None:
        # Two rows name ENGL 100 alone with different titles and credits: the course is
        # the lower rule id's in either order, so re-sorting the export changes nothing.
        rows = ["1009,1,CAPU,ENGL 100,Writing for University,4,UVIC,UVIC ENGL 135 (1.5),,"
                "Jan 2010,present",
                "1001,3,CAPU,ENGL 100,Academic Writing,3,UBCV,No credit,,Sep 2015,present"]
        seen = []
        for order in (rows, rows[::-1]):
            folder = tmp_path / str(len(seen))
            folder.mkdir()
            items = read(export(folder, HEADER + "\n".join(order) + "\n"))
            seen.append([(c.title, c.value) for c in items if isinstance(c, Credential)])
        assert seen == [[("Academic Writing", 3.0)]] * 2


class TestSendingInTheText:
    """A transfer_credit naming sending courses sets the rule's sending side."""

    def test_combination_and_any_n(self, tmp_path: Path) -> None:
        body = (
            '1,1,LANG,MATH 1170,Calculus I,3,UBCV,'
            '"LANG MATH 1170 (3) & LANG MATH 1171 (3) = UBCV MATH 111 (6)",,Sep/19,\n'
            '2,1,LANG,ENGL 1128,Writing,3,EC,"Any 2 of LANG ENGL 1127 or LANG ENGL 1128 or '
            'LANG ENGL 1130 = EC ENGL 100 (3) & EC ENGL 101 (3)",,Sep/19,\n')
        found = rules(read(export(tmp_path, HEADER + body)))
        assert found["BC:1"].sending == ("BC:LANG:MATH 1170", "BC:LANG:MATH 1171")
        assert found["BC:1"].any_n is None
        assert found["BC:2"].sending == ("BC:LANG:ENGL 1127", "BC:LANG:ENGL 1128",
                                         "BC:LANG:ENGL 1130")
        assert found["BC:2"].any_n == 2

    def test_refuses_text_not_naming_the_rows_course(self, tmp_path: Path) -> None:
        body = ('1,1,LANG,MATH 1100,Calculus,3,UBCV,'
                '"LANG MATH 1170 & LANG MATH 1171 = UBCV MATH 111 (6)",,Sep/19,\n')
        (bad,) = rejections(read(export(tmp_path, HEADER + body)))
        assert bad.place == "equivalencies.csv line 2"
        assert "MATH 1100 not among the courses transfer_credit names" in bad.reason

    def test_refuses_text_naming_another_sender(self, tmp_path: Path) -> None:
        body = ('1,1,CAPU,MATH 1170,Calculus,3,UBCV,'
                '"LANG MATH 1170 & LANG MATH 1171 = UBCV MATH 111 (6)",,Sep/19,\n')
        (bad,) = rejections(read(export(tmp_path, HEADER + body)))
        assert "names sending institution LANG, but sending_institution is CAPU" in bad.reason


class TestRejections:
    """Each bad row is one rejection at its line; the good rows still go out."""

    @pytest.mark.parametrize(("row", "reason"), [
        ("9,1,CAPU,ENGL 100,W,3,ON:YORK,No credit,,Sep 2015,",
         "receiving institution ON:YORK is not a BC institution"),
        ("9,1,CAPU,ENGL 100,W,3,UBCV,UBCV ENGL (3),,Sep 2015,",
         "transfer_credit 'UBCV ENGL (3)' has no course number or level"),
        ("9,1,CAPU,ENGL 100,W,3,UBCV,SFU ENGL 110 (3),,Sep 2015,",
         "granted by SFU, not by the receiving institution UBCV"),
        ("9,0,CAPU,ENGL 100,W,3,UBCV,No credit,,Sep 2015,", "version must be a positive"),
        ("9,x,CAPU,ENGL 100,W,3,UBCV,No credit,,Sep 2015,", "version must be a positive"),
        ("9 9,1,CAPU,ENGL 100,W,3,UBCV,No credit,,Sep 2015,", "rule id must be"),
        ("9,1,CAPU:X:Y,ENGL 100,W,3,UBCV,No credit,,Sep 2015,", "not an institution id"),
        ("9,1,CAPU,,W,3,UBCV,No credit,,Sep 2015,", "code '' must be"),
        ("9,1,CAPU,ENGL 100,W,three,UBCV,UBCV ENGL 1st (3),,Sep 2015,",
         "sending_credits 'three' is not a number"),
        ("9,1,CAPU,ENGL 100,W,3,UBCV,No credit,200,Sep 2015,",
         "min_grade must be a percent (65) or a letter grade"),
        ("9,1,CAPU,ENGL 100,W,3,UBCV,No credit,E,Sep 2015,",
         "neither a percent nor a letter of the sending scale"),
        ("9,1,CAPU,ENGL 100,W,3,UBCV,No credit,,15/09/2015,",
         "effective date '15/09/2015' is not a date"),
        ("9,1,CAPU,ENGL 100,W,3,UBCV,No credit,,Sep 2015,Nevermore",
         "effective date 'Nevermore' is not a date"),
        ("9,1,CAPU,ENGL 100,W,3,UBCV,No credit,,Sep 2015,Aug 2014",
         "effective_end 2014-08-31 is before effective_start 2015-09-01"),
        ("9,1,CAPU,ENGL 100,W,3,UBCV,No credit,,Sep 2015", "row has 10 fields but the header"),
        ("9,1,CAPU,ENGL 100,Writing, Part 1,3,UBCV,No credit,,Sep 2015,",
         "quote fields that contain commas"),
        ("88213,3,CAPU,ENGL 100,W,3,UBCV,No credit,,Sep 2015,", "already on line 2"),
        ("9,1,CAPU,ENGL 100,W,3,UBCV," + "UBCV ENGL 1st (3) " * 200 + ",,Sep 2015,",
         "longer than 2000 characters"),
    ])
    def test_rejects_with_line_and_reason(self, tmp_path: Path, row: str, reason: str) -> None:
        items = read(export(tmp_path, HEADER + GOOD + row + "\n"))
        (bad,) = rejections(items)
        assert bad.place == "equivalencies.csv line 7"
        assert reason in bad.reason
        assert len(rules(items)) == 5

    def test_the_report_reads_as_cli_md_shows_it(self, tmp_path: Path) -> None:
        row = "88218,1,CAPU,ENGL 101,W,3,UBCV,UBCV ENGL (3),,Sep 2015,"
        lines = (HEADER + GOOD).splitlines()
        body = "\n".join([*lines[:13], row, *lines[13:]]) + "\n"
        (bad,) = rejections(read(export(tmp_path, body)))
        assert rejection_json(bad) == {
            "where": f"line {min(len(lines), 13) + 1}",
            "reason": "transfer_credit 'UBCV ENGL (3)' has no course number or level",
            "file": "equivalencies.csv"}
        assert bad.entity_key == "BC:88218"  # the id is kept, out of the reason

    def test_a_multi_line_quoted_row_is_numbered_by_its_first_line(self, tmp_path: Path) -> None:
        body = ('1,1,CAPU,ENGL 100,"University\nWriting",3,UBCV,UBCV ENGL 1st (3),,Sep/15,\n'
                '2,1,CAPU,ENGL 101,W,3,UBCV,UBCV ENGL (3),,Sep/15,\n')
        items = read(export(tmp_path, HEADER + body))
        assert [b.place for b in rejections(items)] == ["equivalencies.csv line 4"]
        assert next(i for i in items if isinstance(i, Credential)).title == "University\nWriting"

    def test_a_line_that_is_not_utf8_costs_only_its_row(self, tmp_path: Path) -> None:
        folder = export(tmp_path, HEADER + GOOD)
        with (folder / "equivalencies.csv").open("ab") as stream:
            stream.write(b"9,1,CAPU,ENGL 100,Caf\xe9,3,UBCV,No credit,,Sep 2015,\n")
        items = read(folder)
        (bad,) = rejections(items)
        assert (bad.place, "not UTF-8" in bad.reason) == ("equivalencies.csv line 7", True)
        assert len(rules(items)) == 5

    @pytest.mark.parametrize(("row", "reason"), [
        ("ON:SENE,Seneca,hours,42,", "is not in BC"),
        ("XX,Nameless,credits,0,", "standard_course must be at least 0.001"),
        ("XX,Nameless,credits,5e-324,", "standard_course must be at least 0.001"),
        ("XX,,credits,3,", "name is empty"),
        ("XX,X College,,3,", "credit_unit is empty"),
        ("XX,X College,credits,3,A+90", "is not LETTER=PERCENT"),
        ("XX,X College,credits,3,A=high", "has no percent number"),
        ("UBCV,Again,credits,3,", "already on line 2"),
    ])
    def test_rejects_bad_institutions(self, tmp_path: Path, row: str, reason: str) -> None:
        items = read(export(tmp_path, HEADER + GOOD, INSTITUTIONS + row + "\n"))
        (bad,) = rejections(items)
        assert bad.place == "institutions.csv line 6"
        assert reason in bad.reason


class TestUnreadableExports:
    """An export that yields nothing at all is refused as a whole."""

    def test_missing_folder(self, tmp_path: Path) -> None:
        with pytest.raises(ExportUnreadable, match="no such folder"):
            read(tmp_path / "absent")

    def test_missing_file(self, tmp_path: Path) -> None:
        (tmp_path / "institutions.csv").write_text(INSTITUTIONS)
        with pytest.raises(ExportUnreadable, match=r"equivalencies\.csv: no such file"):
            read(tmp_path)

    def test_empty_file(self, tmp_path: Path) -> None:
        with pytest.raises(ExportUnreadable, match="is empty"):
            read(export(tmp_path, "", ""))

    def test_missing_column(self, tmp_path: Path) -> None:
        with pytest.raises(ExportUnreadable, match="lacks column"):
            read(export(tmp_path, HEADER.replace("min_grade,", "") + GOOD))

    def test_binary_file(self, tmp_path: Path) -> None:
        folder = export(tmp_path, HEADER)
        (folder / "institutions.csv").write_bytes(b"\x89PNG\x00\x00\x00" * 100)
        with pytest.raises(ExportUnreadable, match="binary"):
            read(folder)

    def test_nothing_readable(self, tmp_path: Path) -> None:
        body = "1,1,CAPU,ENGL 100,W,3,ON:YORK,No credit,,Sep 2015,\n"
        with pytest.raises(ExportUnreadable, match="no readable record"):
            read(export(tmp_path, HEADER + body, INSTITUTIONS.splitlines()[0] + "\n"))

    def test_columns_may_come_in_any_order(self, tmp_path: Path) -> None:
        names = HEADER.strip().split(",")
        order = list(reversed(range(len(names))))
        lines = [",".join(names[i] for i in order)]
        lines += [",".join(line.split(",")[i] for i in order)
                  for line in GOOD.splitlines() if line.count(",") == len(names) - 1]
        found = rules(read(export(tmp_path, "\n".join(lines) + "\n")))
        assert found["BC:88213"].alternatives[0][0].subject == "ENGL"


class TestRejectionsNameTheirEntity:
    """A rejected row names the rule or institution it was about when that column reads."""

    @pytest.mark.parametrize("row", [
        "9,1,CAPU,ENGL 100,W,3,UBCV,UBCV ENGL (3),,Sep 2015,",
        "9,0,CAPU,ENGL 100,W,3,UBCV,No credit,,Sep 2015,",
        "9,1,CAPU:X:Y,ENGL 100,W,3,UBCV,No credit,,Sep 2015,",
        "9,1,CAPU,ENGL 100,W,3,UBCV,No credit,,Sep 2015,Nevermore",
        "9,1,CAPU,ENGL 100,W,3,,No credit,,Sep 2015,",
        "9,1,CAPU,ENGL 100,W,3,BC:UBCV,UBCV ENGL (3),,Sep 2015,",
    ], ids=["notation", "version", "sender", "date", "no-receiver", "qualified-receiver"])
    def test_equivalency_row_names_its_rule(self, tmp_path: Path, row: str) -> None:
        (bad,) = rejections(read(export(tmp_path, HEADER + GOOD + row + "\n")))
        assert bad.entity_key == "BC:9"

    def test_equivalency_row_implies_the_bc_courses_it_names(self, tmp_path: Path) -> None:
        row = "9,0,capu,engl 100 & CSCI  110,W,3,UBCV,No credit,,Sep 2015,"
        (bad,) = rejections(read(export(tmp_path, HEADER + GOOD + row + "\n")))
        assert bad.implied_keys == ("BC:CAPU:ENGL 100", "BC:CAPU:CSCI 110")
        published = {i.id for i in read(export(tmp_path, HEADER + GOOD))
                     if isinstance(i, Credential)}
        assert set(bad.implied_keys) <= published

    @pytest.mark.parametrize("row", [
        "9,0,ON:SENE,IPC144,W,3,UBCV,No credit,,Sep 2015,",
        "9,0,CAPU:X:Y,ENGL 100,W,3,UBCV,No credit,,Sep 2015,",
        "9 9,1,CAPU,ENGL 100,W,3,UBCV,No credit,,Sep 2015,",
        "9,1,CAPU,ENGL 100,W,3,ON:YORK,No credit,,Sep 2015,",
    ], ids=["other-province-sender", "bad-sender", "bad-id", "foreign-receiver"])
    def test_no_courses_implied_when_not_bcs_or_unreadable(self, tmp_path: Path,
                                                           row: str) -> None:
        (bad,) = rejections(read(export(tmp_path, HEADER + GOOD + row + "\n")))
        assert bad.implied_keys == ()

    def test_duplicate_row_names_the_rule_kept_from_the_first(self, tmp_path: Path) -> None:
        row = "88213,3,CAPU,ENGL 100,W,3,UBCV,No credit,,Sep 2015,"
        (bad,) = rejections(read(export(tmp_path, HEADER + GOOD + row + "\n")))
        assert bad.entity_key == "BC:88213"

    def test_key_matches_the_rule_id_of_the_repaired_row(self, tmp_path: Path) -> None:
        row = "A-12/b.3,1,CAPU,ENGL 100,W,3,UBCV,UBCV ENGL (3),,Sep 2015,"
        (bad,) = rejections(read(export(tmp_path, HEADER + row + "\n")))
        fixed = row.replace("UBCV ENGL (3)", "UBCV ENGL 1st (3)")
        (good,) = rules(read(export(tmp_path, HEADER + fixed + "\n"))).values()
        assert bad.entity_key == good.id == "BC:A-12/b.3"

    @pytest.mark.parametrize("row", [
        "9 9,1,CAPU,ENGL 100,W,3,UBCV,No credit,,Sep 2015,",
        ",1,CAPU,ENGL 100,W,3,UBCV,No credit,,Sep 2015,",
        "9,1,CAPU,ENGL 100,W,3,UBCV,No credit,,Sep 2015",
        "9,1,CAPU,ENGL 100,Writing, Part 1,3,UBCV,No credit,,Sep 2015,",
    ], ids=["bad-id", "no-id", "too-few-fields", "too-many-fields"])
    def test_unreadable_row_names_nothing(self, tmp_path: Path, row: str) -> None:
        (bad,) = rejections(read(export(tmp_path, HEADER + GOOD + row + "\n")))
        assert bad.entity_key is None

    def test_non_utf8_row_names_nothing(self, tmp_path: Path) -> None:
        folder = export(tmp_path, HEADER + GOOD)
        with (folder / "equivalencies.csv").open("ab") as stream:
            stream.write(b"9,1,CAPU,ENGL 100,Caf\xe9,3,UBCV,No credit,,Sep 2015,\n")
        (bad,) = rejections(read(folder))
        assert bad.entity_key is None

    @pytest.mark.parametrize("row", [
        "9,1,CAPU,ENGL 100,W,3,ON:YORK,No credit,,Sep 2015,",
        "9,0,CAPU,ENGL 100,W,3,SK:USASK,No credit,,Sep 2015,",
    ], ids=["received-in-ontario", "damaged-and-received-in-saskatchewan"])
    def test_rule_received_in_another_province_names_nothing(self, tmp_path: Path,
                                                             row: str) -> None:
        (bad,) = rejections(read(export(tmp_path, HEADER + GOOD + row + "\n")))
        assert bad.entity_key is None

    @pytest.mark.parametrize(("row", "key"), [
        ("XX,Nameless,credits,0,", "BC:XX"),
        ("xx ,X College,,3,", "BC:XX"),
        ("XX,X College,credits,3,A=high", "BC:XX"),
        ("UBCV,Again,credits,3,", "BC:UBCV"),
        ("ON:SENE,Seneca,hours,42,", None),
        ("X:Y:Z,Bad,credits,3,", None),
        (",Nameless,credits,3,", None),
    ], ids=["standard", "lowercase-code", "grading", "duplicate", "other-province",
            "bad-code", "no-code"])
    def test_institution_row_names_its_institution(self, tmp_path: Path, row: str,
                                                   key: str | None) -> None:
        items = read(export(tmp_path, HEADER + GOOD, INSTITUTIONS + row + "\n"))
        (bad,) = rejections(items)
        assert bad.entity_key == key


class TestLargeExports:
    """Far into a large file, a bad line is numbered right and costs only its row."""

    def test_bad_line_far_into_the_file_costs_only_its_row(self, tmp_path) -> None:
        good = [f"{90000 + n},1,CAPU,ENGL 100,W,3,UBCV,UBCV ENGL 1st (3),,Sep 2015,present"
                for n in range(20000)]  # about 1.5 MB
        body = HEADER + "\n".join(good) + "\n"
        (tmp_path / "institutions.csv").write_text(INSTITUTIONS, encoding="utf-8")
        (tmp_path / "equivalencies.csv").write_bytes(
            body.encode() + b"77,1,CAPU,ENGL 100,W\xff,3,UBCV,No credit,,Sep 2015,\n"
            + b"78,1,CAPU,ENGL 100,W\x00,3,UBCV,No credit,,Sep 2015,\n"
            + b"79,1,CAPU,ENGL 100,W\r,3,UBCV,No credit,,Sep 2015,present\n"
            + b"80,1,CAPU,ENGL 100,W,3,UBCV,No credit,,Sep 2015,present\n")
        items = read(tmp_path)
        assert [(r.place, r.reason[:16]) for r in rejections(items)] == [
            ("equivalencies.csv line 20002", "row is not UTF-8"),
            ("equivalencies.csv line 20003", "row is not UTF-8"),
            ("equivalencies.csv line 20004", "row is not valid")]  # a bare CR, as before
        assert "BC:80" in rules(items) and len(rules(items)) == 20001
