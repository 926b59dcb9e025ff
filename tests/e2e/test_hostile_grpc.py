"""Hostile input to every RPC of the hub's gRPC API: never a traceback, never INTERNAL.

CLI.md: bad input is ``INVALID_ARGUMENT`` with a message naming the field; an
unknown receiving institution or target is ``NOT_FOUND``. Random and malformed
requests (odd code points, NUL, RTL marks, very long and blank strings,
identifiers with the wrong case or number of colons, grades and dates just
outside their forms, empty, over-long and duplicated transcripts) go to a real
server over a seeded store; each must come back OK, INVALID_ARGUMENT naming a
field of the request, or NOT_FOUND.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.api.limits import MAX_COMPLETED
from tests.e2e import test_grpc_api as grpc_api
from tests.e2e.seed import CREDENTIALS, INSTITUTIONS
from transferhub.hub.v1 import operator_service_pb2 as op
from transferhub.hub.v1 import query_service_pb2 as pb
from transferhub.hub.v1.operator_service_pb2_grpc import OperatorServiceStub
from transferhub.hub.v1.query_service_pb2_grpc import QueryServiceStub

channel = grpc_api.channel  # the seeded hub of test_grpc_api, with the ingest below
done = grpc_api.done

ACCEPTED = {grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND}
# "completed[3].grade: …", "receiving_institution: …", "completed: …"
FIELD_RE = re.compile(r"^(?P<field>[a-z_]+)(?:\[(?P<index>\d+)\](?:\.(?P<sub>[a-z_]+))?)?: ")

# Each example reuses the one server of the test: it keeps no state between queries.
BOUNDED = settings(max_examples=150, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])

ODD_CHARACTERS = ["\x00", "\u202e", "\u200f", "\u200b", "\ufeff", "\u0301", "\x7f", "\r\n",
                  "\t", "ß", "ﬁ", "İ", "\u0660", "\uffff", "\U0010ffff", "\U0001f600", "\\",
                  "%", "'", '"', ";", "=", "@", ","]
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
LONG_TEXT = st.integers(150, 20_000).flatmap(
    lambda n: st.sampled_from(["X" * n, "BC:CAPU:" + "E" * n, " " * n, "\u202e" * n]))
BLANK = st.sampled_from(["", " ", "\t", "\n", " \u00a0 ", "\u3000", "\u200b"])


def _spoiled(good: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A good value with an odd character put somewhere in it."""
    return st.tuples(good, st.sampled_from(ODD_CHARACTERS), st.integers(0, 30)).map(
        lambda t: t[0][: t[2]] + t[1] + t[0][t[2]:])


def _hostile(good: list[str], odd: list[str]) -> st.SearchStrategy[str]:
    """Good values, their lower-case and spoiled forms, odd values, random and long text."""
    goods = st.sampled_from(good)
    return st.one_of(goods, goods.map(str.lower), goods.map(lambda s: f"  {s}\t"),
                     _spoiled(goods), st.sampled_from(odd), BLANK, ANY_TEXT, LONG_TEXT)


INSTITUTION_IDS = _hostile([i.id for i in INSTITUTIONS] + ["BC:NOPE", "QC:ABCDEFGHIJ"], [
    "BC", "BCUBCV", "BC:", ":UBCV", "BC:UBCV:", "BC:UBCV:ENGL 100", "BC::UBCV", "::", ":::",
    "BC:U", "BC:ABCDEFGHIJK", "B1:UBCV", "BC:UB-CV", "\u202eBC:UBCV", "ＢＣ:ＵＢＣＶ"])
CREDENTIAL_IDS = _hostile([c.id for c in CREDENTIALS] + ["BC:CAPU:NOPE 1", "ZZ:ZZZ:ZZ"], [
    "BC:CAPU", "BC:CAPU:", "BC:CAPU: ", "BC::ENGL 100", ":CAPU:ENGL 100", "::", ":::",
    "BC:CAPU:ENGL:100", "BC:CAPU:ENGL 100:", "BC:CAPU:ENGL\x00100", "BC:CAPU:" + "E" * 41,
    "BC:CAPU:ENGL\u202e100", "bc:capu:engl 100", "BC:CAPU:ENGL    100", "BC:CAPU:ß"])
GRADES = _hostile(["A", "B+", "C-", "D", "F", "78", "100", "0", "64.5", "90%"], [
    "B++", "+", "-5", "101", "100.0001", "1e3", "NaN", "nan", "inf", "-0", "0x50", "٩٠",
    "1_000", "78%%", "A+B", "A\x00", "½"])
DATES = _hostile(["2016-04", "2021-12-15", "2024-01", "2030-12-31"], [
    "2021-13", "2021-00", "2021-02-30", "2021-02-29", "2020-02-30", "0000-01", "0001-01",
    "9999-12-31", "9999-12", "10000-01", "2021-1", "2021-01-1", "21-01", "2021/01",
    "2021-01-01T00:00", "2021-04\n", "٢٠٢١-٠١", "April 2016", "-2021-01", "+2021-01"])
PROVINCES = _hostile(["BC", "ON", "SK", "QC"], ["B", "BCX", "B1", "1", "::", "BC:UBCV"])


def _half(good: st.SearchStrategy[Any], hostile: st.SearchStrategy[Any]
          ) -> st.SearchStrategy[Any]:
    """``good`` half the time (so a transcript is read past it), ``hostile`` otherwise."""
    return st.booleans().flatmap(lambda pick: good if pick else hostile)


ITEMS = st.builds(done, CREDENTIAL_IDS, GRADES, DATES)
GOOD_ITEMS = st.builds(done, st.sampled_from([c.id for c in CREDENTIALS]),
                       st.sampled_from(["A", "B", "78"]), st.sampled_from(["2016-04", "2024-01"]))


def _with_duplicate(items: list[pb.CompletedCredential], which: int, how: int
                    ) -> list[pb.CompletedCredential]:
    """``items`` with one of them listed again, as typed or in another case and spacing."""
    again = pb.CompletedCredential()
    again.CopyFrom(items[which % len(items)])
    again.credential = [again.credential, again.credential.lower(),
                        " " + again.credential.replace(" ", "   ")][how]
    return [*items, again]


TRANSCRIPTS = st.one_of(
    st.lists(_half(GOOD_ITEMS, ITEMS), max_size=6, unique_by=lambda item: item.credential),
    st.builds(_with_duplicate, st.lists(_half(GOOD_ITEMS, ITEMS), min_size=1, max_size=4),
              st.integers(0, 10), st.integers(0, 2)),
    st.integers(MAX_COMPLETED - 1, MAX_COMPLETED + 1).flatmap(
        lambda n: st.lists(GOOD_ITEMS, min_size=n, max_size=n)),
)


@pytest.fixture
def ingest() -> grpc_api.FeedIngest:
    """An ingest in the process, so WatchEvents and ReplayDeadLetters do their real work."""
    return grpc_api.FeedIngest()


def assert_field_named(error: grpc.aio.AioRpcError, request: Message) -> None:
    """INVALID_ARGUMENT's details start with a field of ``request`` (CLI.md)."""
    details = error.details() or ""
    match = FIELD_RE.match(details)
    assert match, f"INVALID_ARGUMENT names no field: {details!r}"
    field = request.DESCRIPTOR.fields_by_name.get(match["field"])
    assert field is not None, f"{match['field']!r} is not a field of {request.DESCRIPTOR.name}"
    if match["index"] is not None:
        items: Any = getattr(request, match["field"])
        assert int(match["index"]) < len(items), details
        if match["sub"] is not None:  # an item of a repeated message, not of a scalar
            assert match["sub"] in items[0].DESCRIPTOR.fields_by_name, details


async def answered(call: Any, request: Message) -> grpc.StatusCode:
    """The status of a unary call, checked against the contract."""
    try:
        await call
    except grpc.aio.AioRpcError as error:
        assert error.code() in ACCEPTED, (error.code(), error.details(), request)
        if error.code() is grpc.StatusCode.INVALID_ARGUMENT:
            assert_field_named(error, request)
        return error.code()
    return grpc.StatusCode.OK


class TestHostileQueries:
    """QueryService answers anything with OK, INVALID_ARGUMENT naming a field, or NOT_FOUND."""

    @BOUNDED
    @given(institution=_half(st.sampled_from(["BC:UBCV", "BC:CAPU"]), INSTITUTION_IDS),
           completed=TRANSCRIPTS)
    async def test_transfer(self, channel: grpc.aio.Channel, institution: str,
                            completed: list[pb.CompletedCredential]) -> None:
        request = pb.TransferRequest(receiving_institution=institution, completed=completed)
        await answered(QueryServiceStub(channel).Transfer(request), request)

    @BOUNDED
    @given(target=_half(st.just("ON:HUMB:CERT-DA"), CREDENTIAL_IDS), completed=TRANSCRIPTS)
    async def test_stack(self, channel: grpc.aio.Channel, target: str,
                         completed: list[pb.CompletedCredential]) -> None:
        request = pb.StackRequest(target=target, completed=completed)
        await answered(QueryServiceStub(channel).Stack(request), request)

    @BOUNDED
    @given(credential=CREDENTIAL_IDS, to=st.one_of(INSTITUTION_IDS, PROVINCES))
    async def test_list_equivalents(self, channel: grpc.aio.Channel, credential: str,
                                    to: str) -> None:
        request = pb.ListEquivalentsRequest(credential=credential, to=to)
        await answered(QueryServiceStub(channel).ListEquivalents(request), request)

    @BOUNDED
    @given(credential=CREDENTIAL_IDS)
    async def test_get_credential(self, channel: grpc.aio.Channel, credential: str) -> None:
        request = pb.GetCredentialRequest(credential=credential)
        await answered(QueryServiceStub(channel).GetCredential(request), request)

    @BOUNDED
    @given(province=PROVINCES)
    async def test_list_institutions(self, channel: grpc.aio.Channel, province: str) -> None:
        request = pb.ListInstitutionsRequest(province=province)
        await answered(QueryServiceStub(channel).ListInstitutions(request), request)


class TestHostileOperator:
    """OperatorService answers anything with OK or INVALID_ARGUMENT naming a field."""

    async def test_get_status(self, channel: grpc.aio.Channel) -> None:
        request = op.GetStatusRequest()
        assert await answered(OperatorServiceStub(channel).GetStatus(request),
                              request) is grpc.StatusCode.OK

    @BOUNDED
    @given(limit=st.one_of(st.integers(-(2**31), 2**31 - 1), st.integers(-2, 1002)),
           include_replayed=st.booleans())
    async def test_list_dead_letters(self, channel: grpc.aio.Channel, limit: int,
                                     include_replayed: bool) -> None:
        request = op.ListDeadLettersRequest(limit=limit, include_replayed=include_replayed)
        await answered(OperatorServiceStub(channel).ListDeadLetters(request), request)

    @BOUNDED
    @given(ids=st.one_of(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=8),
                         st.integers(MAX_COMPLETED, MAX_COMPLETED + 2).map(
                             lambda n: list(range(1, n + 1)))))
    async def test_replay_dead_letters(self, channel: grpc.aio.Channel, ids: list[int]) -> None:
        request = op.ReplayDeadLettersRequest(ids=ids)
        await answered(OperatorServiceStub(channel).ReplayDeadLetters(request), request)

    @settings(BOUNDED, max_examples=40)
    @given(province=PROVINCES)
    async def test_watch_events(self, channel: grpc.aio.Channel, province: str) -> None:
        """A province it cannot read is refused at once; any other opens the stream."""
        request = op.WatchEventsRequest(province=province)
        call = OperatorServiceStub(channel).WatchEvents(request)
        try:
            await asyncio.wait_for(call.read(), timeout=0.05)
        except TimeoutError:
            pass  # the stream is open and waiting for events: OK
        except grpc.aio.AioRpcError as error:
            assert error.code() is grpc.StatusCode.INVALID_ARGUMENT, (error.code(), request)
            assert_field_named(error, request)
        finally:
            call.cancel()


@pytest.fixture
async def pg_channel(pg_url: str) -> AsyncIterator[grpc.aio.Channel]:
    """A channel to a started hub over a seeded PostgreSQL store (its own database)."""
    async with grpc_api.serving(pg_url, grpc_api.FeedIngest()) as chan:
        yield chan


# Every string field of every request, with a good value where another field needs one.
def _string_fields(text: str) -> list[tuple[str, Message]]:
    item = done("BC:CAPU:ENGL 100", "A", "2016-04")
    spoiled = [done(text, "A", "2016-04"), done("BC:CAPU:ENGL 100", text, "2016-04"),
               done("BC:CAPU:ENGL 100", "A", text)]
    return [
        ("Transfer", pb.TransferRequest(receiving_institution=text, completed=[item])),
        *(("Transfer", pb.TransferRequest(receiving_institution="BC:UBCV", completed=[i]))
          for i in spoiled),
        ("Stack", pb.StackRequest(target=text, completed=[item])),
        *(("Stack", pb.StackRequest(target="ON:HUMB:CERT-DA", completed=[i])) for i in spoiled),
        ("ListEquivalents", pb.ListEquivalentsRequest(credential=text)),
        ("ListEquivalents", pb.ListEquivalentsRequest(credential="BC:CAPU:ENGL 100", to=text)),
        ("GetCredential", pb.GetCredentialRequest(credential=text)),
        ("ListInstitutions", pb.ListInstitutionsRequest(province=text)),
    ]


@pytest.mark.postgres
class TestHostileQueriesOnPostgres:
    """On PostgreSQL, whose text cannot hold NUL, odd strings are refused by field too."""

    @pytest.mark.parametrize("text", ["BC:CAPU:ENGL\x00100", "\x00", "BC:UBCV\x00",
                                      "ON:HUMB:CERT-DA\x00", "B\x00", "2016-04\x00",
                                      "BC:CAPU:\U0010ffff\u202e", "BC:CAPU:ENGL \uffff"])
    async def test_every_string_field(self, pg_channel: grpc.aio.Channel, text: str) -> None:
        stub = QueryServiceStub(pg_channel)
        for method, request in _string_fields(text):
            await answered(getattr(stub, method)(request), request)


# Upper-cased, each reads as a real province or institution: "ſk" is SK, "ß" SS, "ﬀ" FF.
LOOK_ALIKES = ["ſk", "ß", "ﬀ", "ſk:uregina", "bc:capı"]


@pytest.mark.parametrize("text", LOOK_ALIKES)
async def test_a_look_alike_province_is_refused_not_upper_cased(
        channel: grpc.aio.Channel, text: str) -> None:
    """MODEL.md: PROV is two capital letters. A province or institution is checked as
    written, as Transfer's receiving institution is, never after ``upper()``."""
    query, operator = QueryServiceStub(channel), OperatorServiceStub(channel)
    requests: list[tuple[Any, Message]] = [
        (query.ListEquivalents, pb.ListEquivalentsRequest(credential="BC:CAPU:ENGL 100",
                                                          to=text))]
    if ":" not in text:
        requests.append((query.ListInstitutions, pb.ListInstitutionsRequest(province=text)))
    for method, request in requests:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await method(request)
        assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT, request
        assert text in (refused.value.details() or ""), refused.value.details()
    if ":" not in text:
        call = operator.WatchEvents(op.WatchEventsRequest(province=text))
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await asyncio.wait_for(call.read(), timeout=10)
        assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize("code", ["\x1b[31mENGL 100", "ENGL\u200b100", "ENGL 100\x7f"])
async def test_a_credential_holding_a_control_character_is_refused(
        channel: grpc.aio.Channel, code: str) -> None:
    """No kept credential holds one (the ingest refuses them), so a query naming one is bad
    input naming its field, not an ``unknown_credential`` answer."""
    stub = QueryServiceStub(channel)
    text = f"BC:CAPU:{code}"
    for method, request, field in [
            (stub.Transfer, pb.TransferRequest(receiving_institution="BC:UBCV",
                                               completed=[done(text, "A", "2016-04")]),
             "completed[0].credential"),
            (stub.Stack, pb.StackRequest(target=text, completed=[
                done("BC:CAPU:ENGL 100", "A", "2016-04")]), "target"),
            (stub.GetCredential, pb.GetCredentialRequest(credential=text), "credential"),
            (stub.ListEquivalents, pb.ListEquivalentsRequest(credential=text), "credential")]:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await method(request)
        assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT, request
        assert (refused.value.details() or "").startswith(f"{field}: "), refused.value.details()
        assert "control character" in (refused.value.details() or "")
