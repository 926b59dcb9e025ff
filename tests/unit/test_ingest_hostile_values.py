"""Values the stores cannot keep faithfully are refused at translation, naming the field.

Found by ``test_ingest_fuzz.py``: each of these reached the store, where
PostgreSQL refused it (``store_rejected``, a reason naming no field) or
SQLite kept something else than it was given (a NUL cut the text short, NaN
became NULL), so the two databases disagreed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date

import pytest

from adapters.base import events as ev
from adapters.bc.rows import MAX_NOTATION
from hub.domain.grades import GradingScale
from hub.domain.model import (
    MAX_AMOUNT,
    MAX_LETTER,
    MAX_NAME,
    MAX_TEXT,
    Credential,
    CredentialKind,
    CreditSystem,
    Grant,
    GrantKind,
    Institution,
    Rule,
    StackLink,
)
from hub.ingest.errors import UnreadableEvent
from hub.ingest.translate import translate
from transferhub.events.v1 import events_pb2 as pb

BC = "transferhub.events.bc"
WHEN = "2026-11-29T18:00:00Z"

INSTITUTION = Institution("BC:UBCV", "University of British Columbia",
                          CreditSystem("credits", 3.0),
                          GradingScale.of({"A": 85, "B": 72, "F": 0}), "university", version=3)
CREDENTIAL = Credential("BC:CAPU:MC-01", CredentialKind.MICRO_CREDENTIAL, "Data", value=1.5,
                        subject="DATA", level=1, stacks_into=(StackLink("BC:CAPU:CERT", 1.5),),
                        competencies=("sql",), version=2)
RULE = Rule(
    id="BC:88213", version=7, sending=("BC:CAPU:ENGL 100",), receiving_institution="BC:UBCV",
    outcome=GrantKind.COURSE,
    alternatives=((Grant(GrantKind.COURSE, 3.0, code="ENGL 110", subject="ENGL", level=1,
                         program="BA", designation="Q/B-Sci"),),),
    min_grade="C+", effective_start=date(2015, 9, 1), notes="Precludes ENGL 112",
    notation="UBCV ENGL 110 (3)",
)
Mutation = Callable[[pb.EventEnvelope], None]


def _envelope(record: Institution | Credential | Rule) -> pb.EventEnvelope:
    return ev.upserted(record, version=record.version, province="BC", occurred_at=WHEN,
                       source="test")


def _refused(record: Institution | Credential | Rule, mutate: Mutation) -> UnreadableEvent:
    env = _envelope(record)
    mutate(env)
    with pytest.raises(UnreadableEvent) as caught:
        translate(BC, ev.envelope_to_bytes(env))
    return caught.value


def _set(path: str, value: object) -> Mutation:
    """Set the field at a dotted ``path`` (``rule_upserted.alternatives.0.grants.0.code``)."""
    def mutate(env: pb.EventEnvelope) -> None:
        *parents, name = path.split(".")
        owner: object = env
        for part in parents:
            owner = owner[int(part)] if part.isdigit() else getattr(owner, part)  # type: ignore[index]
        if name.isdigit():
            owner[int(name)] = value  # type: ignore[index]
        else:
            setattr(owner, name, value)
    return mutate


class TestNul:
    """PostgreSQL keeps no NUL in text, SQLite cuts the text at it: refused, field named."""

    @pytest.mark.parametrize(("record", "path", "field"), [
        (INSTITUTION, "institution_upserted.name", "name"),
        (INSTITUTION, "institution_upserted.credit_unit", "credit_unit"),
        (INSTITUTION, "institution_upserted.sector", "sector"),
        (INSTITUTION, "institution_upserted.grading.0.letter", "grading"),
        (CREDENTIAL, "credential_upserted.title", "title"),
        (CREDENTIAL, "credential_upserted.subject", "subject"),
        (CREDENTIAL, "credential_upserted.competencies.0", "competencies"),
        (RULE, "rule_upserted.min_grade", "min_grade"),
        (RULE, "rule_upserted.notes", "notes"),
        (RULE, "rule_upserted.notation", "notation"),
        (RULE, "rule_upserted.alternatives.0.grants.0.code", "code"),
        (RULE, "rule_upserted.alternatives.0.grants.0.subject", "subject"),
        (RULE, "rule_upserted.alternatives.0.grants.0.program", "program"),
        (RULE, "rule_upserted.alternatives.0.grants.0.designation", "designation"),
    ])
    @pytest.mark.parametrize("text", ["\x00", "ENGL\x00", "\x00ENGL"])
    def test_a_nul_in_kept_text(self, record: Institution | Credential | Rule, path: str,
                                field: str, text: str) -> None:
        refused = _refused(record, _set(path, text))
        assert field in refused.reason and "NUL" in refused.reason

    @pytest.mark.parametrize(("record", "path"), [
        (CREDENTIAL, "credential_upserted.credential_id"),
        (CREDENTIAL, "credential_upserted.stacks_into.0.target"),
        (RULE, "rule_upserted.sending.0"),
    ])
    def test_a_nul_inside_a_credential_code(self, record: Institution | Credential | Rule,
                                            path: str) -> None:
        def mutate(env: pb.EventEnvelope) -> None:
            _set(path, "BC:CAPU:ENGL\x00100")(env)
            if path.endswith("credential_id"):
                env.entity_key = "BC:CAPU:ENGL\x00100"
        refused = _refused(record, mutate)
        assert path.split(".")[1] in refused.reason

    def test_other_text_still_reads(self) -> None:
        env = _envelope(RULE)
        env.rule_upserted.notes = "Précludes\tcredit\nfor ENGL 112 — 日本語"
        assert translate(BC, ev.envelope_to_bytes(env)).command.rule.notes == (  # type: ignore[union-attr]
            "Précludes\tcredit\nfor ENGL 112 — 日本語")


class TestLength:
    """A hostile feed's 20 MB institution name, once applied, made every ListInstitutions
    answer larger than gRPC's 4 MB default (RESOURCE_EXHAUSTED for every default client):
    over-long text is refused at translation, naming the field."""

    @pytest.mark.parametrize(("record", "path", "field", "limit"), [
        (INSTITUTION, "institution_upserted.name", "name", MAX_NAME),
        (INSTITUTION, "institution_upserted.credit_unit", "credit_unit", MAX_NAME),
        (INSTITUTION, "institution_upserted.sector", "sector", MAX_NAME),
        (INSTITUTION, "institution_upserted.grading.0.letter", "letter", MAX_LETTER),
        (CREDENTIAL, "credential_upserted.title", "title", MAX_NAME),
        (CREDENTIAL, "credential_upserted.subject", "subject", MAX_NAME),
        (CREDENTIAL, "credential_upserted.competencies.0", "competencies", MAX_TEXT),
        (RULE, "rule_upserted.min_grade", "min_grade", MAX_NAME),
        (RULE, "rule_upserted.notes", "notes", MAX_TEXT),
        (RULE, "rule_upserted.notation", "notation", MAX_TEXT),
        (RULE, "rule_upserted.alternatives.0.grants.0.program", "program", MAX_NAME),
        (RULE, "rule_upserted.alternatives.0.grants.0.designation", "designation", MAX_NAME),
    ])
    def test_longer_than_the_cap(self, record: Institution | Credential | Rule, path: str,
                                 field: str, limit: int) -> None:
        refused = _refused(record, _set(path, "x" * (limit + 1)))
        assert field in refused.reason and f"{limit:,} allowed" in refused.reason

    def test_a_20_mb_name(self) -> None:
        refused = _refused(INSTITUTION, _set("institution_upserted.name", "U" * (20 << 20)))
        assert "institution_upserted.name is 20,971,520 characters long" in refused.reason

    def test_at_the_cap_still_reads(self) -> None:
        env = _envelope(RULE)
        env.rule_upserted.notes = "n" * MAX_TEXT
        env.rule_upserted.alternatives[0].grants[0].program = "p" * MAX_NAME
        command = translate(BC, ev.envelope_to_bytes(env)).command
        assert command.rule.notes == "n" * MAX_TEXT  # type: ignore[union-attr]
        assert MAX_NAME >= MAX_NOTATION   # a real Guide note fits a name's cap too


class TestRuleId:
    """A rule id the stores cannot keep (PostgreSQL's column is 128 long) or show is refused."""

    @pytest.mark.parametrize("rule_id", ["BC:" + "X" * 126, "BC:88213\x00", "BC:88\n213",
                                         "BC:\u202e88213"])
    @pytest.mark.parametrize("kind", ["rule_upserted", "rule_revoked"])
    def test_refused(self, rule_id: str, kind: str) -> None:
        env = (_envelope(RULE) if kind == "rule_upserted" else
               ev.rule_revoked("BC:88213", version=8, province="BC", occurred_at=WHEN,
                               source="test"))
        getattr(env, kind).rule_id = env.entity_key = rule_id
        with pytest.raises(UnreadableEvent, match="rule_id"):
            translate(BC, ev.envelope_to_bytes(env))

    def test_the_longest_kept(self) -> None:
        env = _envelope(RULE)
        env.rule_upserted.rule_id = env.entity_key = "BC:" + "X" * 125
        assert translate(BC, ev.envelope_to_bytes(env)).entity_key == env.entity_key


NUMBERS = [
    (INSTITUTION, "institution_upserted.standard_course"),
    (CREDENTIAL, "credential_upserted.value"),
    (CREDENTIAL, "credential_upserted.stacks_into.0.value"),
    (RULE, "rule_upserted.alternatives.0.grants.0.credits"),
]


class TestNumbers:
    """Credits and values are finite and not negative: SQLite keeps NaN as NULL, PostgreSQL
    as NaN, so the two disagreed (or SQLite refused the row: NOT NULL)."""

    @pytest.mark.parametrize(("record", "path"), NUMBERS)
    @pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf, -1.0, -1e308,
                                        1e308, MAX_AMOUNT * 1.5])
    def test_refused(self, record: Institution | Credential | Rule, path: str,
                     number: float) -> None:
        refused = _refused(record, _set(path, number))
        assert path.split(".")[-1] in refused.reason

    @pytest.mark.parametrize(("record", "path"), NUMBERS)
    def test_the_largest_amount_reads(self, record: Institution | Credential | Rule,
                                      path: str) -> None:
        """Up to MAX_AMOUNT in any unit; past it a total could be infinite (not JSON)."""
        env = _envelope(record)
        _set(path, MAX_AMOUNT)(env)
        assert translate(BC, ev.envelope_to_bytes(env)).command is not None

    def test_a_standard_course_of_zero_is_refused(self) -> None:
        refused = _refused(INSTITUTION, _set("institution_upserted.standard_course", 0.0))
        assert "standard_course" in refused.reason

    @pytest.mark.parametrize(("record", "path"), NUMBERS[1:])
    def test_minus_zero_reads_as_zero(self, record: Institution | Credential | Rule,
                                      path: str) -> None:
        """SQLite keeps -0.0 as 0.0: the hub reads it so, whatever the store."""
        env = _envelope(record)
        _set(path, -0.0)(env)
        command = translate(BC, ev.envelope_to_bytes(env)).command
        number = {"stacks_into.0.value": lambda c: c.credential.stacks_into[0].value,
                  "value": lambda c: c.credential.value,
                  "credits": lambda c: c.rule.alternatives[0][0].credits}
        key = next(k for k in number if path.endswith(k))
        assert math.copysign(1.0, number[key](command)) == 1.0


def _scale(*letters: tuple[str, float]) -> Mutation:
    def mutate(env: pb.EventEnvelope) -> None:
        del env.institution_upserted.grading[:]
        env.institution_upserted.grading.extend(
            pb.GradeThreshold(letter=k, min_percent=v) for k, v in letters)
    return mutate


class TestGradingScale:
    """A scale reads back from every store as translated: the stores keep letters
    upper-cased, trimmed and highest first, and one percent per letter."""

    @pytest.mark.parametrize("letters", [
        [("A", 90.0), ("A", 80.0)], [("A", 90.0), ("a", 80.0)], [("A", 90.0), (" A ", 80.0)],
        [("", 50.0)], [(" ", 50.0), ("F", 0.0)],
        [("A", 101.0)], [("A", -1.0)], [("A", math.nan)], [("A", math.inf)],
    ])
    def test_refused(self, letters: list[tuple[str, float]]) -> None:
        assert "grading" in _refused(INSTITUTION, _scale(*letters)).reason

    def test_kept_as_the_stores_keep_it(self) -> None:
        env = _envelope(INSTITUTION)
        _scale(("f", 0.0), (" b+ ", 77.0), ("A", 100.0))(env)
        got = translate(BC, ev.envelope_to_bytes(env)).command.institution.grading  # type: ignore[union-attr]
        assert got == GradingScale((("A", 100.0), ("B+", 77.0), ("F", 0.0)))
        assert got == GradingScale.of(got.as_dict())  # what a SQL store reads back


@pytest.mark.postgres
class TestHugeVersions:
    """Versions are any int64 (the events' type): institutions near 2**63 read on every store.

    SQLite's ``sum()`` of their versions overflowed, so every institution read
    (each transfer query) failed for good after one such event, on SQLite only.
    """

    @pytest.mark.parametrize("kind", ["sqlite", "postgres"])
    def test_institutions_read(self, kind: str, tmp_path: object,
                               request: pytest.FixtureRequest) -> None:
        from hub.store.factory import open_store

        url = (f"sqlite:///{tmp_path}/hub.db" if kind == "sqlite"
               else str(request.getfixturevalue("pg_url")))
        store = open_store(url)
        try:
            big = [Institution("BC:AA", "A", version=2**63 - 1),
                   Institution("BC:BB", "B", version=2**63 - 2), Institution("BC:CC", "C")]
            with store.unit_of_work() as uow:
                uow.equivalencies.apply_institutions(big)
                uow.commit()
            with store.reader() as repo:
                assert repo.get_institution("BC:AA") == big[0]
            with store.unit_of_work() as uow:  # a change must still be seen by readers
                uow.equivalencies.apply_institutions([Institution("BC:CC", "C2", version=2)])
                uow.commit()
            with store.reader() as repo:
                assert repo.get_institution("BC:CC") == Institution("BC:CC", "C2", version=2)
        finally:
            store.close()


class TestGrantCode:
    """A course grant's code names a receiving credential (``PROV:INST:CODE``), which the
    stores index: one over 40 characters (a credential code's limit) passed SQLite and
    broke PostgreSQL's index (rows of at most 8191 bytes), so it is refused."""

    @pytest.mark.parametrize("code", ["ENGL " + "1" * 40, "ENGL\u200b110"])
    def test_refused(self, code: str) -> None:
        refused = _refused(RULE, _set("rule_upserted.alternatives.0.grants.0.code", code))
        assert "alternatives[0].grants[0].code" in refused.reason

    def test_the_longest_kept(self) -> None:
        env = _envelope(RULE)
        env.rule_upserted.alternatives[0].grants[0].code = "ENGL  " + "1" * 35
        grant = translate(BC, ev.envelope_to_bytes(env)).command.rule.alternatives[0][0]  # type: ignore[union-attr]
        assert grant.code == "ENGL " + "1" * 35  # folded, as a credential code is

    def test_unassigned_credit_names_no_code_at_all(self) -> None:
        # Before, any code was kept on it (and shown as its "code", which CLI.md has null).
        env = _envelope(RULE)
        grant = env.rule_upserted.alternatives[0].grants[0]
        grant.kind, grant.code = "unassigned", "x" * 100
        with pytest.raises(UnreadableEvent, match="unassigned credit naming course"):
            translate(BC, ev.envelope_to_bytes(env))


class TestShape:
    """What MODEL.md cannot state is refused at translation, whatever the adapter did (a
    tester's hand-made events were awarded credit: a ``no_credit`` grant inside an
    alternative, a course with no code, a block toward no program, a granting rule with no
    grants; a rule naming 100,001 credentials broke ``ListEquivalents``; ``5e-324`` as a
    standard course made every transfer into that institution fail with INTERNAL)."""

    @staticmethod
    def _grant(**fields: object) -> Mutation:
        def mutate(env: pb.EventEnvelope) -> None:
            grant = env.rule_upserted.alternatives[0].grants[0]
            for name, value in fields.items():
                if value is None:
                    grant.ClearField(name)
                else:
                    setattr(grant, name, value)
        return mutate

    @staticmethod
    def _many_sending(env: pb.EventEnvelope) -> None:
        env.rule_upserted.sending.extend(f"BC:CAPU:ENGL {n}" for n in range(101, 201))

    @pytest.mark.parametrize(("mutate", "words"), [
        (_grant(kind="no_credit"), "alternative 1 grants no_credit"),
        (_grant(code=""), "course with no code"),
        (_grant(kind="block", program=""), "block toward no program"),
        (lambda env: env.rule_upserted.ClearField("alternatives"), "has no grants"),
        (lambda env: env.rule_upserted.alternatives.add(), "alternative 2 grants nothing"),
        (lambda env: setattr(env.rule_upserted, "outcome", "no_credit"), "yet lists grants"),
        (_many_sending, "101 credentials, more than 100"),
        (_set("rule_upserted.receiving_institution", "BC:CAPU"), "sends from BC:CAPU to itself"),
        (_grant(kind="unassigned"), "unassigned credit naming course ENGL 110"),
        (_grant(kind="unassigned", code="", subject=""), "unassigned credit in no subject"),
        (_set("rule_upserted.effective_end", "2015-08-31"), "is before effective_start"),
        (_set("rule_upserted.effective_start", "20150901"), "effective_start"),
        (_set("rule_upserted.effective_start", "2015-W36-2"), "effective_start"),
    ])
    def test_a_rule_refused(self, mutate: Mutation, words: str) -> None:
        assert words in _refused(RULE, mutate).reason

    def test_a_course_spelt_two_ways_is_one_course(self) -> None:
        env = _envelope(RULE)
        grant = env.rule_upserted.alternatives[0].grants.add()
        grant.CopyFrom(env.rule_upserted.alternatives[0].grants[0])
        grant.code = "engl  110 "
        with pytest.raises(UnreadableEvent) as refused:
            translate(BC, ev.envelope_to_bytes(env))
        assert "grants name course ENGL 110 twice" in refused.value.reason

    def test_a_code_is_folded(self) -> None:
        env = _envelope(RULE)
        env.rule_upserted.alternatives[0].grants[0].code = " engl   110"
        rule = translate(BC, ev.envelope_to_bytes(env)).command.rule  # type: ignore[union-attr]
        assert rule.alternatives[0][0].code == "ENGL 110"

    @pytest.mark.parametrize(("mutate", "words"), [
        (lambda env: env.credential_upserted.stacks_into.add(target="BC:CAPU:MC-01", value=1),
         "names the credential itself"),
        (lambda env: env.credential_upserted.stacks_into.add(target="BC:CAPU:CERT", value=1),
         "names BC:CAPU:CERT twice"),
        (lambda env: (setattr(env.credential_upserted, "valid_from", "2021-09-01"),
                      setattr(env.credential_upserted, "valid_to", "2021-08-31")),
         "valid_to 2021-08-31 is before valid_from 2021-09-01"),
    ])
    def test_a_credential_refused(self, mutate: Mutation, words: str) -> None:
        assert words in _refused(CREDENTIAL, mutate).reason

    @staticmethod
    def _many(field: str) -> Mutation:
        def mutate(env: pb.EventEnvelope) -> None:
            if field == "competencies":
                env.credential_upserted.competencies.extend(f"c{n}" for n in range(100))
            elif field == "stacks_into":
                for n in range(100):
                    env.credential_upserted.stacks_into.add(target=f"BC:CAPU:T{n}", value=1)
            else:
                for n in range(98):
                    env.institution_upserted.grading.add(letter=f"L{n}", min_percent=1)
        return mutate

    @pytest.mark.parametrize(("record", "field", "words"), [
        (CREDENTIAL, "competencies", "competencies lists 101 items, more than 100"),
        (CREDENTIAL, "stacks_into", "stacks_into lists 101 items, more than 100"),
        (INSTITUTION, "grading", "grading has 101 letters, more than 100"),
    ])
    def test_more_than_a_hundred(self, record: Institution | Credential, field: str,
                                 words: str) -> None:
        assert words in _refused(record, self._many(field)).reason

    @pytest.mark.parametrize("standard", [5e-324, 1e-300, 0.0009])
    def test_a_standard_course_too_small_to_divide_by(self, standard: float) -> None:
        refused = _refused(INSTITUTION, _set("institution_upserted.standard_course", standard))
        assert "standard_course" in refused.reason

    def test_the_smallest_standard_course_reads(self) -> None:
        env = _envelope(INSTITUTION)
        env.institution_upserted.standard_course = 0.001
        assert translate(BC, ev.envelope_to_bytes(env)).command.institution  # type: ignore[union-attr]
