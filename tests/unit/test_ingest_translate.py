"""Kafka bytes → domain commands: the inverse of the adapters' publisher, and the hub's checks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from adapters.base import events as ev
from hub.domain.grades import GradingScale
from hub.domain.model import (
    Credential,
    CredentialKind,
    CreditSystem,
    Grant,
    GrantKind,
    Institution,
    Rule,
    StackLink,
)
from hub.ingest.commands import (
    RetireCredential,
    RevokeRule,
    UpsertCredential,
    UpsertInstitution,
    UpsertRule,
)
from hub.ingest.errors import ForeignEvent, PoisonEvent, UnreadableEvent
from hub.ingest.translate import translate
from transferhub.events.v1 import events_pb2 as pb

BC = "transferhub.events.bc"
WHEN = "2026-11-29T18:00:00Z"


def _bytes(envelope: pb.EventEnvelope) -> bytes:
    return ev.envelope_to_bytes(envelope)


def _published(record: Institution | Credential | Rule, version: int = 3,
               province: str = "BC") -> bytes:
    return _bytes(ev.upserted(record, version=version, province=province,
                              occurred_at=WHEN, source="test"))


RULE = Rule(
    id="BC:88213", version=7, sending=("BC:CAPU:ENGL 100", "BC:CAPU:ENGL 101"),
    receiving_institution="BC:UBCV", outcome=GrantKind.COURSE,
    alternatives=(
        (Grant(GrantKind.COURSE, 3.0, code="ENGL 110", subject="ENGL", level=1),),
        (Grant(GrantKind.UNASSIGNED, None, subject="GEN", level=1, designation="Q/B-Sci"),
         Grant(GrantKind.UNASSIGNED, 0.0, subject="ENGL")),
    ),
    any_n=1, min_grade="C+", effective_start=date(2015, 9, 1), effective_end=None,
    notes="Precludes credit for ENGL 112", notation="UBCV ENGL 110 (3)",
)


class TestRoundTrip:
    """What an adapter publishes reads back as the same domain record."""

    def test_an_institution_reads_back_with_its_scale_and_version(self) -> None:
        inst = Institution("BC:UBCV", "University of British Columbia",
                           CreditSystem("credits", 3.0),
                           GradingScale.of({"A": 85, "B": 72, "F": 0}), "university", version=3)
        got = translate(BC, _published(inst))
        assert got.command == UpsertInstitution(inst)
        assert (got.province, got.entity_key, got.version) == ("BC", "BC:UBCV", 3)
        assert got.occurred_at == datetime(2026, 11, 29, 18, tzinfo=UTC)
        assert got.event_id == ev.event_id("InstitutionUpserted", "BC:UBCV", 3)

    def test_a_credential_keeps_unknown_and_zero_values_apart(self) -> None:
        cred = Credential("BC:CAPU:MC-01", CredentialKind.MICRO_CREDENTIAL, "Data", value=None,
                          subject=None, level=None, stacks_into=(StackLink("BC:CAPU:CERT", 0.0),),
                          competencies=("sql", "excel"), valid_from=date(2020, 1, 1),
                          version=2)
        assert translate(BC, _published(cred, version=2)).command == UpsertCredential(cred)
        zero = Credential("BC:CAPU:ENGL 100", value=0.0, subject="ENGL", level=1, version=4)
        assert translate(BC, _published(zero, version=4)).command == UpsertCredential(zero)

    def test_a_rule_reads_back_with_its_alternatives(self) -> None:
        assert translate(BC, _published(RULE, version=7)).command == UpsertRule(RULE)

    def test_a_rule_may_send_from_another_province(self) -> None:
        rule = Rule("BC:1", 1, ("ON:SENE:IPC144",), "BC:UBCV", GrantKind.NO_CREDIT)
        assert translate(BC, _published(rule, version=1)).command == UpsertRule(rule)

    def test_removals_read_back(self) -> None:
        retired = ev.credential_retired("BC:CAPU:ENGL 100", version=5, province="BC",
                                        occurred_at=WHEN, source="t")
        revoked = ev.rule_revoked("BC:88213", version=8, province="BC", occurred_at=WHEN,
                                  source="t")
        assert translate(BC, _bytes(retired)).command == RetireCredential("BC:CAPU:ENGL 100", 5)
        assert translate(BC, _bytes(revoked)).command == RevokeRule(
            "BC:88213", 8, ev.REVOKED_VANISHED)


class TestPoison:
    """An event the hub cannot apply raises a poison error with a reason naming the field."""

    def test_bytes_that_are_not_an_envelope(self) -> None:
        with pytest.raises(UnreadableEvent) as caught:
            translate(BC, b"\xff\xff\xff not protobuf")
        assert caught.value.reason.startswith("unreadable:")

    def test_an_empty_message_says_so(self) -> None:
        with pytest.raises(UnreadableEvent) as caught:
            translate("transferhub.events.bc", b"")
        assert caught.value.reason == ("unreadable: the message is empty (no bytes), not an "
                                       "EventEnvelope")

    def test_a_tombstone_is_named_as_one(self) -> None:
        # an operator reading the dead letter learns a producer tried to delete a key
        with pytest.raises(UnreadableEvent, match="no value \\(a Kafka tombstone\\)"):
            translate("transferhub.events.bc", None)

    def test_an_envelope_without_payload(self) -> None:
        bare = pb.EventEnvelope(event_id="x", province="BC", entity_key="BC:1", version=1,
                                occurred_at=WHEN)
        with pytest.raises(UnreadableEvent, match="no payload"):
            translate(BC, _bytes(bare))

    def test_a_province_that_does_not_match_the_topic(self) -> None:
        spoofed = _published(Institution("ON:SENE", "Seneca", version=1), 1, province="ON")
        with pytest.raises(ForeignEvent) as caught:
            translate(BC, spoofed)
        assert caught.value.code == "province_mismatch"
        assert caught.value.event_id == ev.event_id("InstitutionUpserted", "ON:SENE", 1)

    @pytest.mark.parametrize(("record", "code"), [
        (Institution("ON:SENE", "Seneca"), "foreign_institution"),
        (Credential("ON:SENE:IPC144"), "foreign_credential"),
        (Rule("BC:9", 1, ("BC:CAPU:ENGL 100",), "ON:SENE", GrantKind.NO_CREDIT),
         "foreign_receiving_institution"),
        (Rule("ON:9", 1, ("BC:CAPU:ENGL 100",), "BC:UBCV", GrantKind.NO_CREDIT), "foreign_rule"),
    ])
    def test_writing_another_provinces_entity(self, record: object, code: str) -> None:
        with pytest.raises(ForeignEvent) as caught:
            translate(BC, _published(record, province="BC"))  # type: ignore[arg-type]
        assert caught.value.code == code
        assert record.id in caught.value.reason  # type: ignore[attr-defined]

    def test_an_entity_key_that_is_not_the_payloads(self) -> None:
        env = ev.upserted(Institution("BC:UBCV", "UBC"), version=1, province="BC",
                          occurred_at=WHEN, source="t")
        env.entity_key = "BC:SFU"
        with pytest.raises(PoisonEvent, match="entity_key_mismatch"):
            translate(BC, _bytes(env))

    @pytest.mark.parametrize(("mutate", "needle"), [
        (lambda e: setattr(e.rule_upserted, "outcome", "maybe"), "maybe"),
        (lambda e: setattr(e.rule_upserted, "effective_start", "2015-13-01"), "effective_start"),
        (lambda e: setattr(e.rule_upserted, "receiving_institution", "nonsense"),
         "receiving_institution"),
        (lambda e: e.rule_upserted.ClearField("sending"), "sending"),
        (lambda e: setattr(e, "occurred_at", "yesterday"), "occurred_at"),
        (lambda e: setattr(e, "event_id", ""), "event_id"),
    ])
    def test_a_field_the_model_cannot_read(self, mutate: object, needle: str) -> None:
        env = ev.upserted(RULE, version=7, province="BC", occurred_at=WHEN, source="t")
        mutate(env)  # type: ignore[operator]
        with pytest.raises(UnreadableEvent) as caught:
            translate(BC, _bytes(env))
        assert needle in caught.value.reason


class TestMemoised:
    """Values met again are converted once, and a bad one is refused every time."""

    def test_a_bad_value_met_twice_is_refused_both_times(self) -> None:
        env = ev.upserted(RULE, version=7, province="BC", occurred_at=WHEN, source="t")
        env.rule_upserted.sending[0] = "not a credential"
        for _ in range(2):
            with pytest.raises(UnreadableEvent, match="sending"):
                translate(BC, _bytes(env))

    def test_rules_sharing_grant_sets_read_back_each_with_its_own_fields(self) -> None:
        other = Rule(id="BC:88214", version=2, sending=("BC:CAPU:ENGL 101",),
                     receiving_institution="BC:UBCV", outcome=GrantKind.COURSE,
                     alternatives=RULE.alternatives[::-1], effective_end=date(2020, 4, 30))
        for record, version in ((RULE, 7), (other, 2), (RULE, 7)):
            assert translate(BC, _published(record, version)).command == UpsertRule(record)

    def test_the_memo_stays_within_its_bound(self) -> None:
        from hub.memo import Memo

        memo = Memo(str.upper, limit=3)
        assert [memo[w] for w in "abcdef"] == list("ABCDEF")
        assert len(memo) <= 3
        with pytest.raises(TypeError):
            memo[1]
        assert 1 not in memo
