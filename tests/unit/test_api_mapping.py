"""Protobuf ↔ domain translation of the hub's API, the error→status map and CLI.md's JSON."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import grpc
import pytest
from rich.console import Console

from hub.api import requests, responses
from hub.api.errors import Unimplemented, status_for
from hub.api.limits import MAX_COMPLETED, MAX_STRING
from hub.domain.answers import (
    Award,
    Counted,
    NotCounted,
    NotTransferred,
    Reason,
    StackAnswer,
    Suggestion,
    TransferAnswer,
)
from hub.domain.errors import (
    InvalidDate,
    InvalidGrade,
    InvalidIdentifier,
    InvalidQuery,
    NotFound,
)
from hub.domain.model import Grant, GrantKind, Rule
from hub.store.errors import StoreUnavailable
from transferhub.cli import render, tables
from transferhub.cli.transcript import BadTranscript, parse_completed
from transferhub.hub.v1 import query_service_pb2 as pb

ENGL_1ST = Grant(GrantKind.UNASSIGNED, 3.0, subject="ENGL", level=1)
SOCI_1240 = Grant(GrantKind.COURSE, 3.0, code="SOCI 1240", subject="SOCI", level=1,
                  designation="Q/B-Sci")
SOCI_2XX = Grant(GrantKind.UNASSIGNED, 3.0, subject="SOCI", level=2)
BBA_BLOCK = Grant(GrantKind.BLOCK, 60.0, program="BBA")
UNKNOWN = Grant(GrantKind.COURSE, None, code="MATH 100", subject="MATH", level=1)


def rule(rule_id: str, alternatives: tuple[tuple[Grant, ...], ...], **kw: object) -> Rule:
    outcome = alternatives[0][0].kind if alternatives else GrantKind.NO_CREDIT
    return Rule(id=rule_id, version=kw.pop("version", 1),  # type: ignore[arg-type]
                sending=kw.pop("sending", ("BC:CAPU:ENGL 100",)),  # type: ignore[arg-type]
                receiving_institution="BC:UBCV", outcome=outcome, alternatives=alternatives,
                **kw)  # type: ignore[arg-type]


def completed(credential: str, grade: str, on: str) -> pb.CompletedCredential:
    return pb.CompletedCredential(credential=credential, grade=grade, completed_on=on)


def answer() -> TransferAnswer:
    english = rule("BC:88213", ((ENGL_1ST,),), notation="UBCV ENGL 1st (3)")
    sociology = rule("BC:77001", ((SOCI_1240,), (SOCI_2XX,)), sending=("BC:CAPU:SOCI 100",),
                     notes="Precludes credit for SOCI 1250.")
    block = rule("BC:99000", ((BBA_BLOCK,),), sending=("BC:CAPU:DIPL-BUS",))
    return TransferAnswer(
        receiving_institution="BC:UBCV", credit_unit="credits",
        awarded=(Award(english, ("BC:CAPU:ENGL 100",), 3.0, 3.0),
                 Award(sociology, ("BC:CAPU:SOCI 100",), 3.0, 3.0),
                 Award(block, ("BC:CAPU:DIPL-BUS",), 60.0, 60.0)),
        not_transferred=(
            NotTransferred("BC:CAPU:ZOOL 100", Reason.NO_AGREEMENT, "no rule covers ZOOL 100"),
            NotTransferred("BC:CAPU:BADM 101", Reason.BELOW_MIN_GRADE, "needs C"),
        ),
        suggested=(Suggestion(("ON:SENE:IPC144",), (ENGL_1ST,),
                              (rule("BC:88216", ()), rule("BC:88220", ()))),),
        total_credits=66.0, total_tc=66.0,
    )


class TestRequests:
    """Requests become domain queries, each malformed field refused by name."""

    def test_transfer_request_becomes_a_query_with_normalised_ids_and_dates(self) -> None:
        query = requests.transfer_query(pb.TransferRequest(
            receiving_institution="bc:ubcv",
            completed=[completed("BC:CAPU:engl   100", " B+ ", "2016-04"),
                       completed("ON:SENE:IPC144", "78", "2021-12-15")]))
        assert query.receiving_institution == "BC:UBCV"
        assert [c.credential for c in query.completed] == ["BC:CAPU:ENGL 100", "ON:SENE:IPC144"]
        assert query.completed[0].grade == "B+"
        assert query.completed[0].completed_on == date(2016, 4, 30)
        assert query.completed[1].completed_on == date(2021, 12, 15)

    @pytest.mark.parametrize(("item", "error", "field"), [
        (completed("BC:CAPU:ENGL 100", "B", "2016-13"), InvalidDate, "completed[1].completed_on"),
        (completed("CAPU ENGL 100", "B", "2016-04"), InvalidIdentifier, "completed[1].credential"),
        (completed("BC:CAPU:ENGL 100", "", "2016-04"), InvalidQuery, "completed[1].grade"),
        (completed("BC:CAPU:ENGL 100", "B" * (MAX_STRING + 1), "2016-04"), InvalidQuery,
         "completed[1].grade"),
    ])
    def test_a_bad_item_is_refused_naming_its_field(self, item: pb.CompletedCredential,
                                                   error: type, field: str) -> None:
        good = completed("BC:CAPU:ENGL 101", "A", "2016-04")
        with pytest.raises(error) as caught:
            requests.transfer_query(pb.TransferRequest(receiving_institution="BC:UBCV",
                                                       completed=[good, item]))
        assert caught.value.field == field
        assert field in str(caught.value)

    def test_more_than_the_cap_of_items_is_refused(self) -> None:
        items = [completed(f"BC:CAPU:C {i}", "A", "2016-04") for i in range(MAX_COMPLETED + 1)]
        with pytest.raises(InvalidQuery) as caught:
            requests.stack_query(pb.StackRequest(target="ON:HUMB:CERT-DA", completed=items))
        assert caught.value.field == "completed"

    def test_the_cap_itself_is_accepted(self) -> None:
        items = [completed(f"BC:CAPU:C {i}", "A", "2016-04") for i in range(MAX_COMPLETED)]
        query = requests.stack_query(pb.StackRequest(target="ON:HUMB:CERT-DA", completed=items))
        assert len(query.completed) == MAX_COMPLETED

    def test_missing_receiving_institution_is_named(self) -> None:
        with pytest.raises(InvalidQuery) as caught:
            requests.transfer_query(pb.TransferRequest())
        assert caught.value.field == "receiving_institution"

    def test_to_is_an_institution_or_a_province(self) -> None:
        assert requests.institution_or_province("bc:ubcv") == "BC:UBCV"
        assert requests.institution_or_province("bc") == "BC"
        assert requests.institution_or_province("") is None
        with pytest.raises(InvalidIdentifier) as caught:
            requests.institution_or_province("British Columbia")
        assert caught.value.field == "to"


class TestResponses:
    """Domain answers become protobuf responses with CLI.md's fields."""

    def test_transfer_response_keeps_rules_reasons_and_chains_in_stable_order(self) -> None:
        response = responses.transfer_response(answer())
        assert [a.rule for a in response.awarded] == ["BC:77001", "BC:88213", "BC:99000"]
        assert [n.credential for n in response.not_transferred] == [
            "BC:CAPU:BADM 101", "BC:CAPU:ZOOL 100"]
        assert response.not_transferred[0].reason == pb.REASON_BELOW_MIN_GRADE
        assert list(response.suggested[0].chain) == ["BC:88216", "BC:88220"]
        assert response.total_credits == 66.0

    def test_alternatives_appear_only_where_a_rule_has_several(self) -> None:
        sociology, english, _ = responses.transfer_response(answer()).awarded
        assert len(sociology.alternatives) == 2
        assert sociology.grants[0].code == "SOCI 1240"
        assert sociology.notes == "Precludes credit for SOCI 1250."
        assert len(english.alternatives) == 0

    def test_a_grant_set_shared_by_rules_is_whole_in_each_and_every_response(self) -> None:
        # The conversion keeps each grant set's messages and copies them into every
        # response that names it: no response may change another's.
        shared = ((SOCI_1240,), (SOCI_2XX,))
        first, second = rule("BC:1", shared), rule("BC:2", shared, sending=("BC:CAPU:X 1",))
        reply = replace(answer(), awarded=(Award(first, ("BC:CAPU:ENGL 100",), 3.0, 3.0),
                                           Award(second, ("BC:CAPU:X 1",), 3.0, 3.0)),
                        suggested=(Suggestion(("ON:SENE:IPC144",), shared[0], (first, second)),))
        response = responses.transfer_response(reply)
        response.awarded[0].grants[0].code = "CHANGED"
        again = responses.transfer_response(reply)
        for message in (*again.awarded, *again.suggested):
            assert [g.code for g in message.grants] == ["SOCI 1240"]
            assert [[g.subject for g in alt.grants] for alt in message.alternatives] == [
                ["SOCI"], ["SOCI"]]
        assert response.awarded[1].grants[0].code == "SOCI 1240"
        assert again.SerializeToString() == responses.transfer_response(reply).SerializeToString()

    def test_unknown_credits_stay_unset(self) -> None:
        assert not responses.grant(UNKNOWN).HasField("credits")
        assert responses.grant(ENGL_1ST).credits == 3.0

    def test_equivalent_carries_provenance(self) -> None:
        item = responses.equivalent(rule("SK:SKTCG-4471", ((ENGL_1ST,),), version=7,
                                         effective_start=date(2015, 9, 1), min_grade="C"))
        assert (item.province, item.version, item.effective_start, item.effective_end) == (
            "SK", 7, "2015-09-01", "")
        assert item.outcome == pb.RULE_OUTCOME_UNASSIGNED
        assert item.min_grade == "C"

    def test_stack_response_maps_every_field(self) -> None:
        response = responses.stack_response(StackAnswer(
            "ON:HUMB:CERT-DA", "hours", 112.0, 56.0, 56.0,
            (Counted("ON:HUMB:MC-DA-01", 28.0), Counted("BC:X:Y", 28.0, via_rule="ON:1"))))
        assert (response.unit, response.required, response.earned, response.remaining) == (
            "hours", 112.0, 56.0, 56.0)
        assert [c.via_rule for c in response.counted] == ["", "ON:1"]
        assert not response.required_unknown
        assert "required_unknown" not in render.stack(response)

    def test_a_required_value_unknown_is_said_in_every_view(self) -> None:
        response = responses.stack_response(StackAnswer(
            "ON:HUMB:DIP-X", "hours", 0.0, 28.0, 0.0, (Counted("ON:HUMB:MC-X", 28.0),),
            required_unknown=True))
        doc = render.stack(response)
        assert doc["required_unknown"] is True and doc["remaining"] == 0.0
        out = Console(file=io.StringIO(), width=200, force_terminal=False)
        tables.print_stack(out, doc)
        text = out.file.getvalue()   # type: ignore[attr-defined]
        assert "Required unknown (the target's record gives no value), earned 28 hours" in text
        assert "remaining" not in text


class TestRender:
    """Protobuf responses render as CLI.md's JSON shapes."""

    def test_transfer_json_has_exactly_cli_md_keys(self) -> None:
        doc = render.transfer(responses.transfer_response(answer()))
        assert list(doc) == ["receiving_institution", "credit_unit", "awarded",
                             "not_transferred", "suggested", "total_credits", "total_tc"]
        sociology, english, block = doc["awarded"]
        assert english == {
            "rule": "BC:88213", "from": ["BC:CAPU:ENGL 100"],
            "grants": [{"kind": "unassigned", "code": None, "subject": "ENGL", "level": 1,
                        "credits": 3.0}],
            "credits": 3.0, "tc": 3.0, "notation": "UBCV ENGL 1st (3)"}
        assert sociology["grants"][0] == {"kind": "course", "code": "SOCI 1240",
                                          "subject": "SOCI", "level": 1, "credits": 3.0,
                                          "designation": "Q/B-Sci"}
        assert len(sociology["alternatives"]) == 2
        assert sociology["notes"] == "Precludes credit for SOCI 1250."
        assert block["grants"] == [{"kind": "block", "program": "BBA", "credits": 60.0}]
        assert doc["not_transferred"][1] == {"credential": "BC:CAPU:ZOOL 100",
                                             "reason": "no_agreement",
                                             "detail": "no rule covers ZOOL 100"}
        assert doc["suggested"][0]["basis"] == "inferred"
        assert doc["suggested"][0]["chain"] == ["BC:88216", "BC:88220"]
        assert "notes" not in doc["suggested"][0]  # no rule of its chain has notes

    def test_a_suggestion_shows_the_notes_of_its_chain_rules(self) -> None:
        chain = (rule("BC:88216", (), notes="Exempt CSCI 101."), rule("BC:88217", ()),
                 rule("BC:88220", (), notes="Precludes credit for CPSC 110."))
        pathway = Suggestion(("ON:SENE:IPC144",), (ENGL_1ST,), chain)
        response = responses.transfer_response(replace(answer(), suggested=(pathway,)))
        expected = "BC:88216: Exempt CSCI 101.; BC:88220: Precludes credit for CPSC 110."
        assert response.suggested[0].notes == expected
        assert render.transfer(response)["suggested"][0]["notes"] == expected

    def test_a_suggestion_lists_every_alternative_of_its_last_rule(self) -> None:
        last = rule("BC:88220", ((SOCI_1240,), (SOCI_2XX,)))
        pathway = Suggestion(("ON:SENE:IPC144",), (SOCI_1240,), (rule("BC:88216", ()), last))
        response = responses.transfer_response(replace(answer(), suggested=(pathway,)))
        doc = render.transfer(response)["suggested"][0]
        assert [g["code"] for g in doc["grants"]] == ["SOCI 1240"]
        assert [[g["subject"] for g in alt] for alt in doc["alternatives"]] == [["SOCI"],
                                                                                  ["SOCI"]]
        assert [alt[0]["kind"] for alt in doc["alternatives"]] == ["course", "unassigned"]
        assert list(doc) == ["from", "grants", "alternatives", "basis", "chain", "via",
                             "credits", "tc"]
        console = Console(record=True, width=200)
        tables.print_transfer(console, render.transfer(response))
        assert "SOCI 1240 (3) [Q/B-Sci] or SOCI 2nd (3)" in console.export_text()

    def test_unknown_credits_count_as_zero_and_say_so(self) -> None:
        grant = render.grant(responses.grant(UNKNOWN))
        assert grant["credits"] == 0.0
        assert grant["unknown_credits"] is True

    def test_the_table_says_unknown_credits_where_it_counts_them_as_zero(self) -> None:
        """MODEL.md: unknown credits count as 0 "and the answer says so", in the table too."""
        grant = {"kind": "course", "code": "ENGL 110", "subject": "ENGL", "level": 1,
                 "credits": 0.0, "unknown_credits": True}
        doc = {"receiving_institution": "BC:UBCV", "credit_unit": "credits",
               "awarded": [{"rule": "BC:1", "from": ["BC:CAPU:ENGL 100"], "grants": [grant],
                            "credits": 0.0, "tc": 0.0, "unknown_credits": True}],
               "not_transferred": [], "suggested": [], "total_credits": 0.0, "total_tc": 0.0}
        console = Console(record=True, width=200)
        tables.print_transfer(console, doc)
        text = console.export_text()
        assert "ENGL 110 (-)" in text and "0 (unknown)" in text
        assert "unknown credits counted as 0" in text
        known = {**grant, "code": "ENGL 111", "credits": 3.0, "unknown_credits": False}
        doc["awarded"][0].update(grants=[known, grant], credits=3.0, tc=3.0)
        console = Console(record=True, width=200)
        tables.print_transfer(console, doc)
        assert "3 + unknown" in console.export_text()

    def test_a_course_naming_no_subject_or_level_has_them_null(self) -> None:
        grant = render.grant(responses.grant(Grant(GrantKind.COURSE, 0.5, code="X12")))
        assert grant == {"kind": "course", "code": "X12", "subject": None, "level": None,
                         "credits": 0.5}


class TestStackRendering:
    """A stack answer through the API's message to ``--json`` and the table."""

    def test_counted_and_not_counted_reach_json_and_the_table(self) -> None:
        answer = StackAnswer(
            target="ON:HUMB:CERT-DA", unit="hours", required=112.0, earned=28.0,
            remaining=84.0,
            counted=(Counted("ON:SENE:DAT 101", 28.0, via_rule="ON:R1",
                             counts_as="ON:HUMB:MC-DA-03"),),
            not_counted=(NotCounted("ON:HUMB:OTHER", "does_not_stack",
                                    "ON:HUMB:OTHER has no record that it stacks into "
                                    "ON:HUMB:CERT-DA"),
                         NotCounted("ON:SENE:X", "below_min_grade", "below C")))
        doc = render.stack(responses.stack_response(answer))
        assert doc["counted"] == [{"credential": "ON:SENE:DAT 101", "value": 28.0,
                                   "via_rule": "ON:R1", "counts_as": "ON:HUMB:MC-DA-03"}]
        assert [(n["credential"], n["reason"]) for n in doc["not_counted"]] == [
            ("ON:HUMB:OTHER", "does_not_stack"), ("ON:SENE:X", "below_min_grade")]
        console = Console(record=True, width=200)
        tables.print_stack(console, doc)
        text = console.export_text()
        assert "ON:R1 (as ON:HUMB:MC-DA-03)" in text
        assert "Not counted" in text and "does_not_stack" in text and "below C" in text


class TestStatusMap:
    """Every error becomes one status code in one place."""

    @pytest.mark.parametrize(("exc", "code"), [
        (InvalidGrade("not a grade", field="completed[0].grade"),
         grpc.StatusCode.INVALID_ARGUMENT),
        (InvalidDate("not a date", field="completed[0].completed_on"),
         grpc.StatusCode.INVALID_ARGUMENT),
        (InvalidIdentifier("bad id", field="target"), grpc.StatusCode.INVALID_ARGUMENT),
        (InvalidQuery("too many", field="completed"), grpc.StatusCode.INVALID_ARGUMENT),
        (NotFound("unknown", field="receiving_institution"), grpc.StatusCode.NOT_FOUND),
        (StoreUnavailable("database is locked"), grpc.StatusCode.UNAVAILABLE),
        (Unimplemented("no ingest"), grpc.StatusCode.UNIMPLEMENTED),
    ])
    def test_errors_map_to_codes_naming_the_field(self, exc: Exception,
                                                  code: grpc.StatusCode) -> None:
        mapped, message = status_for(exc)
        assert mapped is code
        if getattr(exc, "field", None):
            assert message.startswith(f"{exc.field}: ")

    def test_an_unexpected_error_is_internal_and_leaks_nothing(self) -> None:
        code, message = status_for(KeyError("secret internals"))
        assert code is grpc.StatusCode.INTERNAL
        assert "secret" not in message


class TestCompletedOption:
    """``--completed REF=GRADE@DATE`` is read, or refused saying where."""

    def test_reference_grade_and_date_are_split_at_the_last_separators(self) -> None:
        item = parse_completed("BC:CAPU:ENGL 100=B+@2016-04")
        assert (item.credential, item.grade, item.completed_on) == (
            "BC:CAPU:ENGL 100", "B+", "2016-04")

    @pytest.mark.parametrize("text", ["BC:CAPU:ENGL 100=B+", "BC:CAPU:ENGL 100@2016-04",
                                      "BC:CAPU:ENGL 100=B+@2016-4x", "ENGL 100=B+@2016-04"])
    def test_malformed_values_are_refused_with_the_value(self, text: str) -> None:
        with pytest.raises(BadTranscript) as caught:
            parse_completed(text)
        assert text in str(caught.value)
