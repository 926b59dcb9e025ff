"""The hub's gRPC API end to end: a real aio server on a free port over a real SQLite store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from hub.api.limits import MAX_COMPLETED, MAX_STRING
from hub.api.operator import AppliedNotice, Replayed
from hub.api.server import OPERATOR_SERVICE, QUERY_SERVICE, create_server, stop_server
from hub.domain.model import Credential
from hub.ingest.feed import AppliedFeed
from hub.store.factory import open_store
from hub.store.ports import Store
from tests.e2e.seed import CREDENTIALS, INSTITUTIONS, RULES, seed
from transferhub.hub.v1 import operator_service_pb2 as op
from transferhub.hub.v1 import query_service_pb2 as pb
from transferhub.hub.v1.operator_service_pb2_grpc import OperatorServiceStub
from transferhub.hub.v1.query_service_pb2_grpc import QueryServiceStub


class FeedIngest:
    """The ingest's operator side over the real feed, without a broker (lag and replay fixed)."""

    def __init__(self) -> None:
        self.feed = AppliedFeed()
        self.replayed: list[int] = []
        self.store: Store | None = None   # set by the channel fixture

    async def measured(self, read):  # type: ignore[no-untyped-def]
        assert self.store is not None
        with self.store.unit_of_work() as uow:
            return read(uow)

    def lag(self) -> int:
        return 7

    def lag_by_province(self) -> dict[str, int]:
        return {"BC": 5, "ON": 2, "SK": 0}

    def lag_known(self) -> bool:
        return True

    def watch(self, province: str = "") -> AsyncIterator[AppliedNotice]:
        return self.feed.watch(province)

    async def replay(self, ids: Sequence[int]) -> Replayed:
        self.replayed.extend(ids)
        return Replayed(len(ids), [])


@pytest.fixture
def ingest() -> FeedIngest | None:
    """No ingest: the hub serves queries only (tests override it to add one)."""
    return None


@asynccontextmanager
async def serving(url: str, ingest: FeedIngest | None) -> AsyncIterator[grpc.aio.Channel]:
    """A channel to a started hub over a seeded store at ``url``; all of it stopped after."""
    store = open_store(url)
    seed(store)
    if ingest is not None:
        ingest.store = store
    server, port = await create_server(store, operator=ingest)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as chan:
            yield chan
    finally:
        await stop_server(server, grace=1.0)
        store.close()


@pytest.fixture
async def channel(tmp_path: Path, ingest: FeedIngest | None) -> AsyncIterator[grpc.aio.Channel]:
    """A channel to a started hub over a seeded SQLite store."""
    async with serving(f"sqlite:///{tmp_path / 'hub.db'}", ingest) as chan:
        yield chan


def done(credential: str, grade: str, on: str) -> pb.CompletedCredential:
    return pb.CompletedCredential(credential=credential, grade=grade, completed_on=on)


async def refused(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    return caught.value


class TestTransfer:
    """Transfer answers MODEL.md's transfer query and refuses bad input by field."""

    async def test_awards_explains_and_suggests(self, channel: grpc.aio.Channel) -> None:
        response = await QueryServiceStub(channel).Transfer(pb.TransferRequest(
            receiving_institution="BC:UBCV",
            completed=[done("BC:CAPU:ENGL 100", "B+", "2016-04"),
                       done("BC:CAPU:SOCI 100", "A", "2016-04"),
                       done("BC:CAPU:BADM 101", "A", "2016-04"),
                       done("ON:SENE:IPC144", "78", "2021-12-15")]))
        assert response.credit_unit == "credits"
        assert [a.rule for a in response.awarded] == ["BC:77001", "BC:88213"]
        sociology, english = response.awarded
        assert list(getattr(english, "from")) == ["BC:CAPU:ENGL 100"]
        assert english.notation == "UBCV ENGL 1st (3)"
        assert english.grants[0].kind == pb.GRANT_KIND_UNASSIGNED
        assert len(sociology.alternatives) == 2
        assert sociology.grants[0].designation == "Q/B-Sci"
        assert sociology.notes == "Precludes credit for SOCI 1250."
        assert {n.credential: n.reason for n in response.not_transferred} == {
            "BC:CAPU:BADM 101": pb.REASON_NO_AGREEMENT,
            "ON:SENE:IPC144": pb.REASON_NO_AGREEMENT}
        assert [list(s.chain) for s in response.suggested] == [["BC:88216", "BC:88220"]]
        assert (response.total_credits, response.total_tc) == (6.0, 6.0)

    async def test_a_grade_below_the_minimum_is_explained(self, channel: grpc.aio.Channel
                                                          ) -> None:
        response = await QueryServiceStub(channel).Transfer(pb.TransferRequest(
            receiving_institution="BC:UBCV", completed=[done("BC:CAPU:ENGL 100", "D", "2016-04")]))
        assert not response.awarded
        assert response.not_transferred[0].reason == pb.REASON_BELOW_MIN_GRADE

    @pytest.mark.parametrize(("item", "field"), [
        (done("BC:CAPU:ENGL 100", "Q+", "2016-04"), "completed[1].grade"),
        (done("BC:CAPU:ENGL 100", "B", "April 2016"), "completed[1].completed_on"),
        (done("CAPU-ENGL-100", "B", "2016-04"), "completed[1].credential"),
        (done("BC:CAPU:ENGL 100", "B", "2016-04" + " " * MAX_STRING), "completed[1].completed_on"),
    ])
    async def test_bad_input_is_invalid_argument_naming_the_field(
            self, channel: grpc.aio.Channel, item: pb.CompletedCredential, field: str) -> None:
        error = await refused(QueryServiceStub(channel).Transfer(pb.TransferRequest(
            receiving_institution="BC:UBCV",
            completed=[done("BC:CAPU:SOCI 100", "A", "2016-04"), item])))
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert field in (error.details() or "")

    async def test_too_many_items_are_invalid_argument(self, channel: grpc.aio.Channel) -> None:
        items = [done(f"BC:CAPU:X {i}", "A", "2016-04") for i in range(MAX_COMPLETED + 1)]
        error = await refused(QueryServiceStub(channel).Transfer(pb.TransferRequest(
            receiving_institution="BC:UBCV", completed=items)))
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert "completed" in (error.details() or "")
        assert str(MAX_COMPLETED) in (error.details() or "")

    async def test_unknown_receiving_institution_is_not_found(self, channel: grpc.aio.Channel
                                                              ) -> None:
        error = await refused(QueryServiceStub(channel).Transfer(pb.TransferRequest(
            receiving_institution="BC:NOPE", completed=[done("BC:CAPU:ENGL 100", "A", "2016-04")])))
        assert error.code() is grpc.StatusCode.NOT_FOUND
        assert "BC:NOPE" in (error.details() or "")


class TestStack:
    """Stack answers MODEL.md's stacking query."""

    async def test_counts_micro_credentials_toward_the_certificate(
            self, channel: grpc.aio.Channel) -> None:
        response = await QueryServiceStub(channel).Stack(pb.StackRequest(
            target="ON:HUMB:CERT-DA",
            completed=[done("ON:HUMB:MC-DA-02", "A", "2024-04"),
                       done("ON:HUMB:MC-DA-01", "B", "2024-01")]))
        assert (response.unit, response.required, response.earned, response.remaining) == (
            "hours", 112.0, 56.0, 56.0)
        assert [(c.credential, c.value) for c in response.counted] == [
            ("ON:HUMB:MC-DA-01", 28.0), ("ON:HUMB:MC-DA-02", 28.0)]

    async def test_unknown_target_is_not_found(self, channel: grpc.aio.Channel) -> None:
        error = await refused(QueryServiceStub(channel).Stack(pb.StackRequest(
            target="ON:HUMB:CERT-NOPE", completed=[done("ON:HUMB:MC-DA-01", "A", "2024-01")])))
        assert error.code() is grpc.StatusCode.NOT_FOUND

    async def test_a_malformed_target_is_invalid_argument(self, channel: grpc.aio.Channel
                                                         ) -> None:
        error = await refused(QueryServiceStub(channel).Stack(pb.StackRequest(
            target="CERT-DA", completed=[done("ON:HUMB:MC-DA-01", "A", "2024-01")])))
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert "target" in (error.details() or "")


@asynccontextmanager
async def _seeded_with(tmp_path: Path, change: Callable[[Any], object]
                       ) -> AsyncIterator[QueryServiceStub]:
    """A query stub on a hub over the seeded federation plus ``change`` (given the store's
    equivalency repository, in one unit of work); all of it stopped after."""
    store = open_store(f"sqlite:///{tmp_path / 'changed.db'}")
    seed(store)
    with store.unit_of_work() as uow:
        change(uow.equivalencies)
        uow.commit()
    server, port = await create_server(store)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as chan:
            yield QueryServiceStub(chan)
    finally:
        await stop_server(server, grace=1.0)
        store.close()


class TestRegistry:
    """ListEquivalents, GetCredential and ListInstitutions read the store."""

    async def test_equivalents_carry_provenance(self, channel: grpc.aio.Channel) -> None:
        response = await QueryServiceStub(channel).ListEquivalents(
            pb.ListEquivalentsRequest(credential="on:sene:ipc144"))
        assert response.credential == "ON:SENE:IPC144"
        (rule,) = response.equivalents
        assert (rule.rule, rule.province, rule.version, rule.receiving_institution) == (
            "BC:88216", "BC", 1, "BC:CAPU")
        assert (rule.effective_start, rule.effective_end) == ("2015-01-01", "2030-12-31")

    async def test_equivalents_limited_to_a_province(self, channel: grpc.aio.Channel) -> None:
        stub = QueryServiceStub(channel)
        to_on = await stub.ListEquivalents(
            pb.ListEquivalentsRequest(credential="BC:CAPU:ENGL 100", to="ON"))
        to_bc = await stub.ListEquivalents(
            pb.ListEquivalentsRequest(credential="BC:CAPU:ENGL 100", to="BC:UBCV"))
        assert list(to_on.equivalents) == []
        assert [e.rule for e in to_bc.equivalents] == ["BC:88213"]

    async def test_rules_into_an_institution_not_yet_recorded_are_listed(
            self, tmp_path: Path) -> None:
        """A rule may arrive before its receiving institution's record: it is still listed,
        while an institution that neither a record nor a rule names is NOT_FOUND."""
        early = replace(RULES[0], id="BC:99001", receiving_institution="BC:NEWU")
        async with _seeded_with(tmp_path, lambda repo: repo.upsert_rule(early)) as stub:
            listed = await stub.ListEquivalents(pb.ListEquivalentsRequest(
                credential="BC:CAPU:ENGL 100", to="BC:NEWU"))
            assert [e.rule for e in listed.equivalents] == ["BC:99001"]
            error = await refused(stub.ListEquivalents(pb.ListEquivalentsRequest(
                credential="BC:CAPU:ENGL 100", to="BC:NONE")))
            assert error.code() is grpc.StatusCode.NOT_FOUND

    async def test_a_credential_only_rules_name_is_listed_empty_elsewhere(
            self, tmp_path: Path) -> None:
        """A credential with no record of its own that a rule names (another province's
        course) is known: limited to where no rule of it goes, it is an empty list, not
        NOT_FOUND (which said "no rule names it" while one did)."""
        named = replace(RULES[0], id="BC:99002", sending=("SK:NOWHERE:ENGL 100",))
        async with _seeded_with(tmp_path, lambda repo: repo.upsert_rule(named)) as stub:
            every = await stub.ListEquivalents(pb.ListEquivalentsRequest(
                credential="SK:NOWHERE:ENGL 100"))
            assert [e.rule for e in every.equivalents] == ["BC:99002"]
            for to in ("ON", "ON:HUMB"):
                elsewhere = await stub.ListEquivalents(pb.ListEquivalentsRequest(
                    credential="SK:NOWHERE:ENGL 100", to=to))
                assert list(elsewhere.equivalents) == []

    async def test_a_retired_credential_no_rule_names_is_not_found(self, tmp_path: Path) -> None:
        """Retired, it is no record, as a transfer answer's ``unknown_credential`` says (a
        black-box tester saw an empty list beside that answer, from the same store)."""
        def retire(repo: Any) -> None:
            repo.upsert_credential(Credential("BC:CAPU:GONE 100", version=1))
            repo.retire_credential("BC:CAPU:GONE 100", 2)

        async with _seeded_with(tmp_path, retire) as stub:
            error = await refused(stub.ListEquivalents(
                pb.ListEquivalentsRequest(credential="BC:CAPU:GONE 100")))
            assert error.code() is grpc.StatusCode.NOT_FOUND

    async def test_unknown_credential_is_not_found(self, channel: grpc.aio.Channel) -> None:
        stub = QueryServiceStub(channel)
        for call in (stub.ListEquivalents(pb.ListEquivalentsRequest(credential="BC:CAPU:NOPE")),
                     stub.GetCredential(pb.GetCredentialRequest(credential="BC:CAPU:NOPE"))):
            assert (await refused(call)).code() is grpc.StatusCode.NOT_FOUND

    async def test_a_too_long_credential_is_invalid_argument(self, channel: grpc.aio.Channel
                                                            ) -> None:
        error = await refused(QueryServiceStub(channel).GetCredential(
            pb.GetCredentialRequest(credential="BC:CAPU:" + "X" * MAX_STRING)))
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert "credential" in (error.details() or "")

    async def test_get_credential_returns_its_record(self, channel: grpc.aio.Channel) -> None:
        record = await QueryServiceStub(channel).GetCredential(
            pb.GetCredentialRequest(credential="ON:HUMB:MC-DA-01"))
        assert (record.kind, record.value) == ("micro-credential", 28.0)
        assert [(s.target, s.value) for s in record.stacks_into] == [("ON:HUMB:CERT-DA", 28.0)]

    async def test_institutions_by_province(self, channel: grpc.aio.Channel) -> None:
        stub = QueryServiceStub(channel)
        every = await stub.ListInstitutions(pb.ListInstitutionsRequest())
        ontario = await stub.ListInstitutions(pb.ListInstitutionsRequest(province="ON"))
        assert [i.id for i in every.institutions] == sorted(i.id for i in INSTITUTIONS)
        assert [(i.id, i.credit_unit) for i in ontario.institutions] == [
            ("ON:HUMB", "hours"), ("ON:SENE", "hours")]


class TestOperator:
    """OperatorService reports the store; the ingest-only RPCs say they need the ingest."""

    async def test_status_counts_the_store(self, channel: grpc.aio.Channel) -> None:
        status = await OperatorServiceStub(channel).GetStatus(op.GetStatusRequest())
        assert (status.institutions, status.credentials, status.rules) == (
            len(INSTITUTIONS), len(CREDENTIALS), len(RULES))
        assert status.events_applied == 0
        assert not status.lag_known  # no ingest here: nothing measures a lag

    async def test_dead_letters_start_empty(self, channel: grpc.aio.Channel) -> None:
        response = await OperatorServiceStub(channel).ListDeadLetters(op.ListDeadLettersRequest())
        assert list(response.dead_letters) == []

    @pytest.mark.parametrize("ids", [[0], [3, -1]])
    async def test_replay_of_an_id_no_dead_letter_can_have_names_it(
            self, channel: grpc.aio.Channel, ids: list[int]) -> None:
        """Ids are numbered from 1: zero or below is bad input, before anything else."""
        error = await refused(OperatorServiceStub(channel).ReplayDeadLetters(
            op.ReplayDeadLettersRequest(ids=ids)))
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert f"ids[{len(ids) - 1}]" in (error.details() or "")

    async def test_replay_without_ingest_is_unimplemented(self, channel: grpc.aio.Channel
                                                          ) -> None:
        error = await refused(OperatorServiceStub(channel).ReplayDeadLetters(
            op.ReplayDeadLettersRequest()))
        assert error.code() is grpc.StatusCode.UNIMPLEMENTED
        assert "consumption" in (error.details() or "")


    async def test_watch_without_ingest_is_unimplemented(self, channel: grpc.aio.Channel
                                                         ) -> None:
        call = OperatorServiceStub(channel).WatchEvents(op.WatchEventsRequest())
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call.read()
        assert caught.value.code() is grpc.StatusCode.UNIMPLEMENTED


class TestOperatorWithIngest:
    """With an ingest in the process, status has its lag and events stream live."""

    @pytest.fixture
    def ingest(self) -> FeedIngest:
        return FeedIngest()

    async def test_status_reports_the_ingest_lag(self, channel: grpc.aio.Channel) -> None:
        status = await OperatorServiceStub(channel).GetStatus(op.GetStatusRequest())
        assert status.lag == 7 and status.lag_known

    async def test_status_reports_the_lag_of_each_province(self, channel: grpc.aio.Channel
                                                           ) -> None:
        # Nothing applied yet: each province that lags is listed all the same; SK, with
        # nothing applied nor waiting, is not.
        status = await OperatorServiceStub(channel).GetStatus(op.GetStatusRequest())
        assert {p: (s.lag, s.events_applied) for p, s in status.by_province.items()} == {
            "BC": (5, 0), "ON": (2, 0)}

    async def test_watch_streams_events_of_one_province(self, channel: grpc.aio.Channel,
                                                        ingest: FeedIngest) -> None:
        call = OperatorServiceStub(channel).WatchEvents(op.WatchEventsRequest(province="bc"))
        while ingest.feed.watchers == 0:  # the stream is open once the servicer watches
            await asyncio.sleep(0.01)
        at = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
        ingest.feed.publish([
            AppliedNotice("e1", "ON", "ON:SENE", 1, "applied", at),
            AppliedNotice("e2", "BC", "BC:88213", 3, "stale", at)])
        event = await asyncio.wait_for(call.read(), timeout=5)
        call.cancel()
        assert (event.event_id, event.entity_key, event.version, event.outcome,
                event.applied_at) == ("e2", "BC:88213", 3, "stale", "2026-11-29T18:00:00Z")

    async def test_replay_goes_to_the_ingest(self, channel: grpc.aio.Channel,
                                             ingest: FeedIngest) -> None:
        response = await OperatorServiceStub(channel).ReplayDeadLetters(
            op.ReplayDeadLettersRequest(ids=[4, 9]))
        assert (response.applied, response.failed) == (2, 0)
        assert ingest.replayed == [4, 9]


class TestGenericTools:
    """Health checking and reflection work without the .proto files."""

    @pytest.mark.parametrize("service", ["", QUERY_SERVICE, OPERATOR_SERVICE])
    async def test_health_is_serving(self, channel: grpc.aio.Channel, service: str) -> None:
        response = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.SERVING

    async def test_health_lists_every_service(self, channel: grpc.aio.Channel) -> None:
        """``Health/List`` (advertised by reflection) answers, not UNIMPLEMENTED."""
        response = await health_pb2_grpc.HealthStub(channel).List(
            health_pb2.HealthListRequest())
        assert {name: s.status for name, s in response.statuses.items()} == {
            name: health_pb2.HealthCheckResponse.SERVING
            for name in ("", QUERY_SERVICE, OPERATOR_SERVICE)}

    async def test_reflection_lists_both_services(self, channel: grpc.aio.Channel) -> None:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        call = stub.ServerReflectionInfo()
        await call.write(reflection_pb2.ServerReflectionRequest(list_services=""))
        response = await call.read()
        await call.done_writing()
        names = {s.name for s in response.list_services_response.service}
        assert {"transferhub.hub.v1.QueryService", "transferhub.hub.v1.OperatorService",
                "grpc.health.v1.Health"} <= names

    async def test_reflection_answers_under_its_v1_name_too(
            self, channel: grpc.aio.Channel) -> None:
        """Tools ask grpc.reflection.v1 first; some never fall back to v1alpha."""
        call = channel.stream_stream(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString)()
        await call.write(reflection_pb2.ServerReflectionRequest(list_services=""))
        listed = await call.read()
        await call.write(reflection_pb2.ServerReflectionRequest(
            file_containing_symbol="transferhub.hub.v1.QueryService"))
        described = await call.read()
        await call.done_writing()
        assert "transferhub.hub.v1.QueryService" in {
            s.name for s in listed.list_services_response.service}
        assert described.file_descriptor_response.file_descriptor_proto   # the service's file


class TestUndecodableRequests:
    """Bytes protobuf cannot decode are bad input: INVALID_ARGUMENT, never UNKNOWN."""

    LATIN_1 = b"\x0a\x0bUniversit\xe9"   # field 1, a string that is not UTF-8
    CORRUPT = b"\xff\xff\xff\xff"

    @pytest.mark.parametrize("method", [
        "/transferhub.hub.v1.QueryService/Transfer",
        "/transferhub.hub.v1.QueryService/ListInstitutions",
        "/transferhub.hub.v1.OperatorService/GetStatus",
        "/grpc.health.v1.Health/Check",
    ])
    @pytest.mark.parametrize("payload", [LATIN_1, CORRUPT])
    async def test_unary_methods(self, channel: grpc.aio.Channel, method: str,
                                 payload: bytes) -> None:
        call = channel.unary_unary(method, request_serializer=None,
                                   response_deserializer=None)(payload)
        error = await refused(call)
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
        details = error.details() or ""
        assert details.startswith("request: the message does not decode")
        assert "<class" not in details

    async def test_a_streaming_method(self, channel: grpc.aio.Channel) -> None:
        call = channel.unary_stream("/transferhub.hub.v1.OperatorService/WatchEvents",
                                    request_serializer=None,
                                    response_deserializer=None)(self.LATIN_1)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call.read()
        assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT

    async def test_good_requests_still_answer(self, channel: grpc.aio.Channel) -> None:
        for _ in range(2):   # the second call takes the wrapped handler built by the first
            response = await QueryServiceStub(channel).ListInstitutions(
                pb.ListInstitutionsRequest(province="BC"))
            assert response.institutions
