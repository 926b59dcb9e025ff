"""Hostile or mistyped text met by a black-box tester: each is refused where it enters,
or shown harmlessly, never a traceback."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from adapters.base import events as ev
from adapters.base.records import Rejection
from adapters.bc.notation import NotationError, parse_transfer_credit
from adapters.bc.reader import BcReader
from adapters.ontario.reader import OntarioReader
from hub.domain.errors import InvalidIdentifier
from hub.domain.identifiers import parse_credential_id, parse_institution_id
from hub.domain.model import (
    MAX_NAME,
    MAX_TEXT,
    Credential,
    CredentialKind,
    Grant,
    GrantKind,
    Rule,
)
from hub.ingest.errors import UnreadableEvent
from hub.ingest.translate import translate
from transferhub.cli.tables import print_transfer
from transferhub.cli.transcript import BadTranscript, parse_completed, read_transcript

HOSTILE_NOTES = "Precludes [/dim] ENGL 112 \x1b]0;pwned\x07\x1b[2J [bold]"


def _answer(notes: str, designation: str) -> dict:
    grant = {"kind": "course", "code": "ENGL 110", "subject": "ENGL", "level": 1,
             "credits": 3.0, "designation": designation}
    return {"receiving_institution": "BC:UBCV", "credit_unit": "credits",
            "awarded": [{"rule": "BC:1", "from": ["BC:CAPU:ENGL 100"], "grants": [grant],
                         "credits": 3.0, "tc": 3.0, "notes": notes}],
            "not_transferred": [{"credential": "BC:CAPU:X 1", "reason": "no_agreement",
                                 "detail": "[/bold] no rule"}],
            "suggested": [], "total_credits": 3.0, "total_tc": 3.0}


class TestTablesShowProvinceTextAsText:
    """A note holding rich markup stopped ``transfer`` with a MarkupError traceback; one
    holding an escape sequence was written raw to the reader's terminal."""

    def test_markup_and_escape_sequences_are_printed_as_text(self) -> None:
        out = io.StringIO()
        print_transfer(Console(file=out, width=300, force_terminal=False),
                       _answer(HOSTILE_NOTES, "b"))
        text = out.getvalue()
        assert "\x1b" not in text and "\x07" not in text
        assert r"Precludes [/dim] ENGL 112 \x1b]0;pwned\x07\x1b[2J [bold]" in text
        assert "ENGL 110 (3) [b]" in text          # a designation is not a style
        assert "[/bold] no rule" in text


class TestCompletedOnTheCommandLine:
    def test_two_equals_signs_are_a_typo_not_a_credential(self) -> None:
        with pytest.raises(BadTranscript, match="one '=' and one '@'"):
            parse_completed("BC:CAPU:ENGL 100=B+=C@2016-04")

    def test_two_at_signs_are_refused(self) -> None:
        with pytest.raises(BadTranscript, match="one '=' and one '@'"):
            parse_completed("BC:CAPU:ENGL 100=B+@x@2016-04")


class TestTranscriptFile:
    def test_more_rows_than_one_query_answers_stop_the_reading_there(self,
                                                                     tmp_path: Path) -> None:
        path = tmp_path / "t.csv"
        path.write_text("credential,grade,completed\n"
                        + "BC:CAPU:ENGL 100,B,2016-04\n" * 3, encoding="utf-8")
        assert len(read_transcript(path, 3)) == 3
        with pytest.raises(BadTranscript, match=r"line 4: one row too many; one query "
                                                r"answers at most 500"):
            read_transcript(path, 2)


@pytest.mark.parametrize("text", ["UBCV ENGL 9th (3)", "UBCV ENGL 1st (3) & ENGL 5th (3)",
                                  "UBCV ENGL 0th (3)"])
def test_bc_years_of_study_are_1st_to_4th(text: str) -> None:
    with pytest.raises(NotationError, match="a year of study is 1st to 4th"):
        parse_transfer_credit(text, "UBCV")


def test_bc_4th_year_still_reads() -> None:
    (group,) = parse_transfer_credit("UBCV ENGL 4th (3)", "UBCV").alternatives
    assert group[0].level == 4


@pytest.mark.parametrize("code", ["NUL\u00001", "IPC\u0007144"])
def test_ontario_rejects_a_control_character_in_a_code(tmp_path: Path, code: str) -> None:
    """The hub dead-letters such an id, where the province never sees why."""
    lines = [{"type": "credential", "kind": "course", "institution": "SENE", "code": code,
              "title": "t", "value": 42},
             {"type": "equivalency", "id": "E1", "version": 1, "from": [f"SENE:{code}"],
              "to": {"institution": "YORK", "grant": "no_credit"},
              "effective_start": "2019-09-01"},
             {"type": "credential", "kind": "course", "institution": "SENE", "code": "IPC144",
              "title": "t", "value": 42}]
    path = tmp_path / "on.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    out = list(OntarioReader().read(path))
    assert not [x for x in out if isinstance(x, Rule)]
    assert [x.id for x in out if not isinstance(x, Rejection)] == ["ON:SENE:IPC144"]
    reasons = [x.reason for x in out if isinstance(x, Rejection)]
    assert len(reasons) == 2 and all("control character" in r for r in reasons)


@pytest.mark.parametrize("text", ["ſk:usaſk", "BC:CAPı"])
def test_an_institution_id_is_ascii_before_it_is_upper_cased(text: str) -> None:
    """MODEL.md: PROV is two capital letters, INST 2-10 of A-Z0-9; upper() made the long s
    an S and the dotless i an I, so look-alikes named real institutions."""
    with pytest.raises(InvalidIdentifier):
        parse_institution_id(text)
    with pytest.raises(InvalidIdentifier):
        parse_credential_id(f"{text}:ENGL 100")


class TestOverLongNamesAreRejectedByTheAdapter:
    """The hub dead-letters a name or title over MAX_NAME characters, where the province
    never sees it: the adapter rejects the record first, with its place."""

    def test_ontario_institution_name(self, tmp_path: Path) -> None:
        lines = [{"type": "institution", "id": "SENE", "name": "S" * (MAX_NAME + 1),
                  "credit_unit": "hours", "standard_course": 42},
                 {"type": "institution", "id": "HUMB", "name": "Humber",
                  "credit_unit": "hours", "standard_course": 42}]
        path = tmp_path / "on.jsonl"
        path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
        out = list(OntarioReader().read(path))
        (rejection,) = [x for x in out if isinstance(x, Rejection)]
        assert rejection.where == "line 1"
        assert f"name is 2,001 characters long, more than the {MAX_NAME:,}" in rejection.reason

    def test_bc_sending_title(self, tmp_path: Path) -> None:
        (tmp_path / "institutions.csv").write_text(
            "code,name,credit_unit,standard_course,grading\nCAPU,Capilano,credits,3,\n"
            "UBCV,UBC,credits,3,\n", encoding="utf-8")
        (tmp_path / "equivalencies.csv").write_text(
            "id,version,sending_institution,sending_courses,sending_title,sending_credits,"
            "receiving_institution,transfer_credit,min_grade,effective_start,effective_end\n"
            f"1,1,CAPU,ENGL 100,{'T' * 3000},3,UBCV,UBCV ENGL 1st (3),,Sep/15,present\n"
            "2,1,CAPU,ENGL 101,Writing,3,UBCV,UBCV ENGL 1st (3),,Sep/15,present\n",
            encoding="utf-8")
        out = list(BcReader().read(tmp_path))
        assert [x.id for x in out if isinstance(x, Rule)] == ["BC:2"]
        (rejection,) = [x for x in out if isinstance(x, Rejection)]
        assert rejection.reason.startswith("sending_title is 3,000 characters long")


@pytest.mark.parametrize(("text", "level"), [("UBCV ENGL 1ST (3)", 1), ("UBCV ENGL 2Nd (3)", 2)])
def test_bc_ordinals_read_in_any_case(text: str, level: int) -> None:
    """Not the course 'ENGL 1ST': an ordinal is a year, whatever its case."""
    (group,) = parse_transfer_credit(text, "UBCV").alternatives
    assert (group[0].kind.value, group[0].code, group[0].level) == ("unassigned", None, level)


def test_bc_an_upper_case_year_past_4th_is_refused() -> None:
    with pytest.raises(NotationError, match="names year 5TH"):
        parse_transfer_credit("UBCV ENGL 5TH (3)", "UBCV")


def test_ontario_rejects_a_competency_over_the_hubs_cap(tmp_path: Path) -> None:
    """The hub dead-letters a competency over MAX_TEXT; the adapter said nothing."""
    lines = [{"type": "credential", "kind": "micro-credential", "institution": "HUMB",
              "code": code, "title": "t", "value": 28, "competencies": [words]}
             for code, words in (("MC-1", "x" * (MAX_TEXT + 1)), ("MC-2", "data-cleaning"))]
    path = tmp_path / "on.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    out = list(OntarioReader().read(path))
    assert [x.id for x in out if not isinstance(x, Rejection)] == ["ON:HUMB:MC-2"]
    (rejection,) = [x for x in out if isinstance(x, Rejection)]
    assert f"competencies[0] is {MAX_TEXT + 1:,} characters long" in rejection.reason


class TestYearLevelsAreOneToFour:
    """MODEL.md's level is "the year (1-4)"; the events say 1-4 too. A re-test found
    "SFU ENGL 9XX (3)", "KPU ENGL 7XXX (3)" and "EC ENGL 500 lev (3)" applied as years 9, 7
    and 5, and the hub applying a hand-built grant of year 7."""

    @pytest.mark.parametrize(("text", "receiving"), [
        ("SFU ENGL 9XX (3)", "SFU"), ("KPU ENGL 7XXX (3)", "KPU"),
        ("EC ENGL 500 lev (3)", "EC")])
    def test_unassigned_credit_past_the_4th_year_is_refused(self, text: str,
                                                           receiving: str) -> None:
        with pytest.raises(NotationError, match="unassigned credit is at a year of study"):
            parse_transfer_credit(text, receiving)

    def test_a_course_numbered_past_4999_is_a_course_of_no_year(self) -> None:
        """BCIT's FMGT 7210 is in the real Guide text: a course, not a seventh year."""
        (group,) = parse_transfer_credit("BCIT FMGT 7210 (3)", "BCIT").alternatives
        assert (group[0].kind.value, group[0].code, group[0].level) == (
            "course", "FMGT 7210", None)

    @pytest.mark.parametrize("grant_level, credential_level", [(7, 0), (0, 9)])
    def test_the_hub_refuses_a_level_past_4(self, grant_level: int,
                                            credential_level: int) -> None:
        if grant_level:
            record = Rule("BC:1", 1, ("BC:CAPU:ENGL 100",), "BC:UBCV", GrantKind.UNASSIGNED,
                          ((Grant(GrantKind.UNASSIGNED, 3.0, subject="ENGL",
                                  level=grant_level),),))
        else:
            record = Credential("BC:CAPU:ENGL 100", CredentialKind.COURSE, "t", 3.0,
                                "ENGL", credential_level, (), (), None, None, 0)
        event = ev.envelope_to_bytes(ev.upserted(record, version=1, province="BC",
                                                 occurred_at="2026-11-30T00:00:00Z",
                                                 source="test"))
        with pytest.raises(UnreadableEvent, match="is not a year level 1-4"):
            translate("transferhub.events.bc", event)
