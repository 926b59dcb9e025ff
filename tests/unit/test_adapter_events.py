"""Domain records become canonical envelopes with deterministic ids."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.base import events, wire
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
from transferhub.events.v1 import events_pb2 as pb

KW = {"province": "BC", "occurred_at": "2026-11-29T18:00:00Z", "source": "test"}


class TestEventId:
    """Event ids are UUIDv5 over (event type, entity key, version)."""

    def test_same_inputs_give_the_same_id(self) -> None:
        assert events.event_id("RuleUpserted", "BC:1", 2) == events.event_id(
            "RuleUpserted", "BC:1", 2)

    def test_each_input_changes_the_id(self) -> None:
        base = events.event_id("RuleUpserted", "BC:1", 2)
        assert base != events.event_id("RuleRevoked", "BC:1", 2)
        assert base != events.event_id("RuleUpserted", "BC:2", 2)
        assert base != events.event_id("RuleUpserted", "BC:1", 3)

    def test_id_is_a_version_5_uuid_in_the_published_namespace(self) -> None:
        value = uuid.UUID(events.event_id("CredentialRetired", "BC:CAPU:ENGL 100", 4))
        assert value.version == 5
        assert value == uuid.uuid5(events.EVENT_NAMESPACE, "CredentialRetired|BC:CAPU:ENGL 100|4")


class TestEnvelope:
    """Envelopes carry the entity key, version, RFC 3339 time and one payload."""

    def test_rule_maps_every_field(self) -> None:
        rule = Rule(
            id="BC:88214", version=3, sending=("BC:CAPU:CSCI 110", "BC:CAPU:CSCI 111"),
            receiving_institution="BC:UBCV", outcome=GrantKind.COURSE,
            alternatives=((Grant(GrantKind.COURSE, 4.0, code="CPSC 110", subject="CPSC",
                                 level=1, designation="Q"),
                           Grant(GrantKind.UNASSIGNED, None, subject="CPSC", level=1)),),
            any_n=None, min_grade="C", effective_start=date(2018, 9, 1),
            effective_end=date(2023, 8, 31), notes="Precludes X", notation="UBCV CPSC 110 (4)")
        env = events.upserted(rule, version=3, **KW)
        assert env.WhichOneof("payload") == "rule_upserted"
        assert (env.entity_key, env.version, env.province) == ("BC:88214", 3, "BC")
        assert env.event_id == events.event_id("RuleUpserted", "BC:88214", 3)
        body = env.rule_upserted
        assert list(body.sending) == ["BC:CAPU:CSCI 110", "BC:CAPU:CSCI 111"]
        assert (body.outcome, body.min_grade, body.any_n) == ("course", "C", 0)
        assert (body.effective_start, body.effective_end) == ("2018-09-01", "2023-08-31")
        first, second = body.alternatives[0].grants
        assert (first.code, first.credits, first.designation) == ("CPSC 110", 4.0, "Q")
        assert not second.HasField("credits")  # unknown credits stay absent, not 0
        assert (body.notes, body.notation) == ("Precludes X", "UBCV CPSC 110 (4)")

    def test_credential_keeps_optional_value_absent_and_dates_iso(self) -> None:
        cred = Credential(id="ON:HUMB:MC-DA-01", kind=CredentialKind.MICRO_CREDENTIAL,
                          title="Data", stacks_into=(StackLink("ON:HUMB:CERT-DA", 28.0),),
                          competencies=("a", "b"), valid_from=date(2021, 9, 1))
        body = events.upserted(cred, version=1, **KW).credential_upserted
        assert body.kind == "micro-credential"
        assert not body.HasField("value")
        assert (body.valid_from, body.valid_to, body.level) == ("2021-09-01", "", 0)
        assert body.stacks_into[0].target == "ON:HUMB:CERT-DA"
        assert list(body.competencies) == ["a", "b"]

    def test_institution_grading_highest_first_and_default_empty(self) -> None:
        inst = Institution(id="BC:UVIC", name="UVic", credit_system=CreditSystem("units", 1.5),
                           grading=GradingScale.of({"B": 73, "A": 85}))
        body = events.upserted(inst, version=1, **KW).institution_upserted
        assert [(g.letter, g.min_percent) for g in body.grading] == [("A", 85), ("B", 73)]
        assert (body.credit_unit, body.standard_course) == ("units", 1.5)
        plain = events.upserted(Institution(id="BC:CAPU", name="Cap"), version=1, **KW)
        assert len(plain.institution_upserted.grading) == 0

    def test_removals_and_kafka_addressing(self) -> None:
        env = events.credential_retired("BC:CAPU:ENGL 100", version=2, **KW)
        assert env.credential_retired.credential_id == "BC:CAPU:ENGL 100"
        assert events.kafka_key(env) == b"BC:CAPU:ENGL 100"
        assert events.topic_for("BC") == "transferhub.events.bc"
        revoked = events.rule_revoked("BC:1", version=5, **KW)
        assert revoked.rule_revoked.reason == events.REVOKED_VANISHED
        decoded = pb.EventEnvelope.FromString(events.envelope_to_bytes(revoked))
        assert decoded == revoked

    def test_occurred_at_is_rfc3339_utc(self) -> None:
        moment = datetime(2026, 11, 29, 18, 0, 5, 123, tzinfo=UTC)
        assert events.rfc3339(moment) == "2026-11-29T18:00:05Z"


class TestContentDigest:
    """The digest changes with content, never with version."""

    def test_digest_ignores_version_and_sees_content(self) -> None:
        a = Rule(id="BC:1", version=1, sending=("BC:A:X 1",), receiving_institution="BC:B",
                 outcome=GrantKind.NO_CREDIT)
        b = Rule(id="BC:1", version=9, sending=("BC:A:X 1",), receiving_institution="BC:B",
                 outcome=GrantKind.NO_CREDIT)
        c = Rule(id="BC:1", version=1, sending=("BC:A:X 2",), receiving_institution="BC:B",
                 outcome=GrantKind.NO_CREDIT)
        digest = events.content_digest
        assert digest(events.payload_of(a)) == digest(events.payload_of(b))
        assert digest(events.payload_of(a)) != digest(events.payload_of(c))


class TestEncodedEnvelope:
    """The fast encoding is byte for byte the envelope's deterministic serialization."""

    def test_matches_envelope_to_bytes(self) -> None:
        long_notes = "Precludes credit for " + "X" * 400  # a length needing a 2-byte varint
        rules = [Rule(id="BC:1", version=v, sending=("BC:A:X 1",), receiving_institution="BC:B",
                      outcome=GrantKind.NO_CREDIT, notes=notes)
                 for v in (0, 1, 300) for notes in (None, long_notes)]
        encoder = events.EnvelopeEncoder(**KW)
        for rule in rules:
            payload = events.payload_of(rule)
            fast = events.encoded_envelope(payload, entity_key=rule.id, version=rule.version, **KW)
            slow = events.envelope_to_bytes(events.upserted(rule, version=rule.version, **KW))
            body = payload.SerializeToString(deterministic=True)
            encoded = encoder.encode(payload, body, entity_key=rule.id, version=rule.version)
            assert fast == slow == encoded
        negative = events.payload_of(rules[0])
        assert encoder.encode(negative, negative.SerializeToString(deterministic=True),
                              entity_key="BC:1", version=-1) == events.envelope_to_bytes(
            events.upserted(rules[0], version=-1, **KW))
        retired = pb.CredentialRetired(credential_id="BC:A:X 1")
        assert events.encoded_envelope(retired, entity_key="BC:A:X 1", version=2, **KW) == \
            events.envelope_to_bytes(events.credential_retired("BC:A:X 1", version=2, **KW))


class TestUpsertBody:
    """The differ's (event type, body) and envelope are the messages' own bytes."""

    def test_body_and_envelope_match_protobuf_for_every_record_kind(self) -> None:
        alternatives = ((Grant(GrantKind.COURSE, 3.0, code="CPSC 110", subject="CPSC", level=1),),
                        (Grant(GrantKind.UNASSIGNED, None, subject="ARTS", level=None,
                               designation="B-Hum"),))
        records = [
            Rule(id="BC:7", version=4, sending=("BC:CAPU:A 1",), receiving_institution="BC:UBCV",
                 outcome=GrantKind.COURSE, alternatives=alternatives, notes="é" * 200),
            Credential(id="BC:CAPU:A 1", title="A", value=0.0, subject="A", level=1, version=0),
            Institution(id="BC:UBCV", name="UBC", grading=GradingScale.of({"A": 85})),
        ]
        encoder = events.EnvelopeEncoder(**KW)
        for record in records:
            event_type, body = events.upsert_body(record)
            payload = events.payload_of(record)
            assert event_type == payload.DESCRIPTOR.name
            assert body == payload.SerializeToString(deterministic=True)
            for version in (1, 200, -3):
                assert encoder.encode_body(event_type, body, entity_key=record.id,
                                           version=version) == events.envelope_to_bytes(
                    events.upserted(record, version=version, **KW))

    def test_shared_grant_sets_are_not_changed_by_a_payload(self) -> None:
        alternatives = ((Grant(GrantKind.COURSE, 3.0, code="MATH 100", subject="MATH"),),)
        rules = [Rule(id=f"BC:{n}", version=1, sending=("BC:CAPU:A 1",),
                      receiving_institution="BC:UBCV", outcome=GrantKind.COURSE,
                      alternatives=alternatives) for n in (1, 2)]
        first = events.rule_payload(rules[0])
        first.alternatives[0].grants[0].code = "CHANGED"  # a caller editing its own copy
        second = events.rule_payload(rules[1])
        assert second.alternatives[0].grants[0].code == "MATH 100"
        other = (alternatives[0], alternatives[0])  # a different tuple is encoded afresh
        assert len(events.rule_payload(Rule(
            id="BC:3", version=1, sending=(), receiving_institution="BC:UBCV",
            outcome=GrantKind.COURSE, alternatives=other)).alternatives) == 2


class TestHandWrittenBodies:
    """rule_body and credential_body are protobuf's deterministic bytes, field for field."""

    def test_every_rule_field_and_edge_value(self) -> None:
        grants = (Grant(GrantKind.COURSE, 0.0, code="CPSC 110", subject="CPSC", level=-2,
                        program="", designation="W"),
                  Grant(GrantKind.BLOCK, None, program="BBA" * 50),
                  Grant(GrantKind.UNASSIGNED, 1.5, subject="ARTS", level=1))
        rules = [
            Rule(id="BC:9", version=2, sending=("BC:A:X 1", "", "BC:A:É 2"),
                 receiving_institution="BC:UBCV", outcome=GrantKind.COURSE,
                 alternatives=(grants, (), grants[:1]), any_n=2, min_grade="C+",
                 effective_start=date(2018, 9, 1), effective_end=date(2030, 1, 31),
                 notes="n" * 20000, notation="UBCV CPSC 110 (3) — é"),
            Rule(id="", version=0, sending=(), receiving_institution="",
                 outcome=GrantKind.NO_CREDIT, any_n=-1),
        ]
        for rule in rules:
            assert wire.rule_body(rule) == events.rule_payload(rule).SerializeToString(
                deterministic=True)

    def test_every_credential_field_and_edge_value(self) -> None:
        credentials = [
            Credential(id="BC:A:X 1", title="", value=None, subject=None, level=None, version=0),
            Credential(id="BC:A:X 2", title="Écrire" * 40, value=-0.0, subject="X", level=-7,
                       valid_from=date(2020, 1, 1), valid_to=date(2021, 2, 3)),
            Credential(id="BC:A:X 3", stacks_into=(StackLink("BC:A:CERT", 0.0),),
                       competencies=("a", "")),
        ]
        credentials += [Credential(id="BC:A:X 4", value=value) for value in (0.0, -0.0, 3, 3.0)]
        for cred in credentials:
            assert events.credential_body(cred) == events.credential_payload(
                cred).SerializeToString(deterministic=True)

    def test_the_hand_written_bodies_know_every_field_of_their_messages(self) -> None:
        # A field added to protos/ is silently left out of rule_body/credential_body
        # until they write it too: this list changes only together with them.
        written = {
            pb.RuleUpserted: ["rule_id", "sending", "any_n", "receiving_institution", "outcome",
                              "alternatives", "min_grade", "effective_start", "effective_end",
                              "notes", "notation"],
            pb.CredentialUpserted: ["credential_id", "kind", "title", "value", "subject",
                                    "level", "stacks_into", "competencies", "valid_from",
                                    "valid_to"],
            pb.Grant: ["kind", "code", "subject", "level", "credits", "program", "designation"],
            pb.GrantSet: ["grants"],
            pb.StackLink: ["target", "value"],
        }
        for message, names in written.items():
            assert [f.name for f in message.DESCRIPTOR.fields] == names, message.DESCRIPTOR.name

    @settings(max_examples=300, deadline=None)
    @given(st.data())
    def test_random_rules_match_protobuf(self, data: st.DataObject) -> None:
        text = st.text(max_size=12)
        grant = st.builds(Grant, st.sampled_from(list(GrantKind)),
                          st.none() | st.floats(-1e6, 1e6, allow_nan=False),
                          code=st.none() | text, subject=st.none() | text,
                          level=st.none() | st.integers(-5, 300), program=st.none() | text,
                          designation=st.none() | text)
        day = st.none() | st.dates()
        rule = data.draw(st.builds(
            Rule, id=text, version=st.integers(0, 9), sending=st.tuples(text, text),
            receiving_institution=text, outcome=st.sampled_from(list(GrantKind)),
            alternatives=st.lists(st.lists(grant, max_size=3).map(tuple), max_size=3).map(tuple),
            any_n=st.none() | st.integers(-3, 3), min_grade=st.none() | text,
            effective_start=day, effective_end=day, notes=st.none() | text,
            notation=st.none() | text))
        assert wire.rule_body(rule) == events.rule_payload(rule).SerializeToString(
            deterministic=True)
