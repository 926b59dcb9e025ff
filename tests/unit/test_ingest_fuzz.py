"""No event, however malformed, stops the hub's ingest or corrupts its store (issue 4).

Valid envelopes of every payload kind are mutated: random bytes, truncation at
every length, bit flips, every field (of the envelope, the payload and the
messages inside it) replaced by a hostile value, repeated fields emptied or
made 10,000 long, grading scales with repeated letters. Two properties:

1. ``translate`` answers an event or a :class:`PoisonEvent` with a reason (the
   dead-letter path), never any other exception;
2. a batch of such events, applied as the consumer applies it
   (:func:`read` then :func:`apply_isolating`) to SQLite and to PostgreSQL,
   raises nothing; every event is applied, stale, duplicate or dead-lettered
   with its reason, and every dead letter is stored with its original bytes;
   the store never has to refuse one (``store_rejected``: the translation let
   through what the store cannot hold, and the reason would not name the
   field); a valid event after the hostile ones is applied and the offsets
   move past the batch; both databases end with the same outcomes and read
   back what the in-memory store holds.

Each named mutation gets an event id, a version and an entity of its own
(unless that is what it changes): a batch writes only each entity's last
version, so otherwise most of them would never reach the store's writes.
"""

from __future__ import annotations

import itertools
import math
import random
import string
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from hub.ingest.apply import APPLIED, DEAD_LETTERED, DUPLICATE, STALE
from hub.ingest.commands import (
    IncomingEvent,
    UpsertCredential,
    UpsertInstitution,
    UpsertRule,
)
from hub.ingest.deliveries import Delivery, read
from hub.ingest.errors import PoisonEvent
from hub.ingest.isolating import STORE_REJECTED, apply_isolating
from hub.ingest.translate import translate
from hub.store.factory import open_store
from hub.store.memory_ledger import InMemoryStore
from hub.store.ports import Store
from transferhub.events.v1 import events_pb2 as pb

TOPIC = "transferhub.events.bc"
WHEN = "2026-11-29T18:00:00Z"
GROUP = "fuzz"

INSTITUTION = Institution("BC:UBCV", "University of British Columbia",
                          CreditSystem("credits", 3.0),
                          GradingScale.of({"A": 85, "B": 72, "F": 0}), "university")
CREDENTIAL = Credential("BC:CAPU:MC-01", CredentialKind.MICRO_CREDENTIAL, "Data", value=1.5,
                        subject="DATA", level=1, stacks_into=(StackLink("BC:CAPU:CERT", 1.5),),
                        competencies=("sql", "excel"), valid_from=date(2020, 1, 1),
                        valid_to=date(2030, 12, 31))
RULE = Rule(
    id="BC:88213", version=7, sending=("BC:CAPU:ENGL 100", "BC:CAPU:ENGL 101"),
    receiving_institution="BC:UBCV", outcome=GrantKind.COURSE,
    alternatives=((Grant(GrantKind.COURSE, 3.0, code="ENGL 110", subject="ENGL", level=1,
                         program="BA", designation="Q/B-Sci"),),
                  (Grant(GrantKind.UNASSIGNED, None, subject="GEN", level=1),)),
    any_n=1, min_grade="C+", effective_start=date(2015, 9, 1), effective_end=date(2030, 4, 30),
    notes="Precludes credit for ENGL 112", notation="UBCV ENGL 110 (3)",
)


def _bases() -> list[pb.EventEnvelope]:
    """One valid envelope of every payload kind."""
    common = {"province": "BC", "occurred_at": WHEN, "source": "fuzz"}
    return [
        ev.upserted(INSTITUTION, version=3, **common),
        ev.upserted(CREDENTIAL, version=2, **common),
        ev.credential_retired("BC:CAPU:ENGL 100", version=5, **common),
        ev.upserted(RULE, version=7, **common),
        ev.rule_revoked("BC:88214", version=8, **common),
    ]


BASES = _bases()
BASE_BYTES = [ev.envelope_to_bytes(e) for e in BASES]

# 10,000 characters no compression shortens (PostgreSQL compresses long index keys).
_INCOMPRESSIBLE = "".join(random.Random(4).choices(string.ascii_uppercase + string.digits,
                                                   k=10_000))
HOSTILE_TEXT = [
    "", " ", "\x00", "BC:UBCV\x00", "\x00BC:UBCV", "x" * 10_000, "BC:" + "X" * 10_000,
    "BC:CAPU:" + "E" * 10_000, "bc:ubcv", "bc:capu:engl 100", "bc:88213", "BC:UBCV:X:Y",
    "BC:CAPU:ENGL:100:A", "BC::", ":::", ":", "BC:", "BC:CAPU:", "ON:SENE", "ON:SENE:IPC144",
    "ON:1", "ON", "QC:ÉCOLE", "BC:ÜBC", "BC:CAPU:ÉNGL 100", "BC:UBCV\u202e", "\u200b",
    "BC:CAPU:ENGL\u00a0100", "BC:CAPU:ENGL\x00100", "BC:88\n213", "BC:CAPU:ENGL\t100\n",
    " BC:UBCV ", "日本語", "🎓" * 100,
    "BC:88213\r\n", "BC:\x7f", "BC:CAPU:\x1b[31m", "2015-13-01", "2015-02-30", "0000-01-01",
    "0001-01-01", "9999-12-31", "2015-1-1", "20150101", "2015-W01-1", "2015-09-01T00:00",
    "2026-11-29T18:00:00", "2026-11-29T18:00:00+25:00", "yesterday", "COURSE", "course ",
    "maybe", "no_credit", "block", "micro-credential", "degree", "A", "B+", "101", "-5",
    "NaN", "1e308", "%", "C+" * 5_000, _INCOMPRESSIBLE, "BC:CAPU:" + _INCOMPRESSIBLE,
]
_INT_RANGE = {FieldDescriptor.TYPE_INT32: (-2**31, 2**31 - 1),
              FieldDescriptor.TYPE_INT64: (-2**63, 2**63 - 1)}
HOSTILE_INTS = [0, -1, 1, 5, 1_000, 2**31 - 1, -2**31, 2**63 - 1, -2**63, 2**53 + 1]
HOSTILE_FLOATS = [math.nan, math.inf, -math.inf, -1.0, 0.0, -0.0, 1e308, -1e308, 5e-324,
                  101.0, 1e-300, 3.0, 2.0**63]


def _fields(msg: Message, path: str = "") -> Iterator[tuple[str, Message, FieldDescriptor]]:
    """Every field of ``msg`` and of the messages it holds, with a path for failures."""
    for fd in msg.DESCRIPTOR.fields:
        if fd.containing_oneof is not None and msg.WhichOneof(fd.containing_oneof.name) != fd.name:
            continue
        yield f"{path}{fd.name}", msg, fd
        if fd.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        if fd.is_repeated:
            for i, child in enumerate(getattr(msg, fd.name)):
                yield from _fields(child, f"{path}{fd.name}[{i}].")
        else:
            yield from _fields(getattr(msg, fd.name), f"{path}{fd.name}.")


def _scalar_values(fd: FieldDescriptor) -> list[Any]:
    if fd.type == FieldDescriptor.TYPE_STRING:
        return HOSTILE_TEXT
    if fd.type == FieldDescriptor.TYPE_DOUBLE:
        return HOSTILE_FLOATS
    low, high = _INT_RANGE[fd.type]
    return [v for v in HOSTILE_INTS if low <= v <= high]


_ID_FIELD = {"institution_upserted": "institution_id", "credential_upserted": "credential_id",
             "credential_retired": "credential_id", "rule_upserted": "rule_id",
             "rule_revoked": "rule_id"}


def _key_field(env: pb.EventEnvelope) -> str:
    """The payload's id (what the envelope's ``entity_key`` must repeat)."""
    kind = env.WhichOneof("payload")
    return getattr(getattr(env, kind), _ID_FIELD[kind]) if kind else ""  # type: ignore[no-any-return]


def _mutations(base: pb.EventEnvelope) -> Iterator[tuple[str, pb.EventEnvelope]]:
    """Every (field, hostile value) change of ``base``, and the 10,000-long and empty lists.

    A changed payload id is also tried with the envelope's ``entity_key`` following
    it, so that the checks behind the entity key are reached.
    """
    for index, (path, owner, fd) in enumerate(list(_fields(base))):
        def changed(change: Any, index: int = index) -> pb.EventEnvelope:
            env = pb.EventEnvelope()
            env.CopyFrom(base)
            _, owner, field = list(_fields(env))[index]
            change(owner, field)
            return env

        if fd.is_repeated:
            yield f"{path}=[]", changed(lambda m, f: m.ClearField(f.name))
            if len(getattr(owner, fd.name)):
                def many(m: Message, f: FieldDescriptor) -> None:
                    items = getattr(m, f.name)
                    first = items[0]
                    m.ClearField(f.name)
                    items.extend([first] * 10_000)
                yield f"{path}*10000", changed(many)
            if fd.type == FieldDescriptor.TYPE_STRING:
                for value in HOSTILE_TEXT:
                    def one(m: Message, f: FieldDescriptor, value: str = value) -> None:
                        getattr(m, f.name)[0] = value
                    if len(getattr(owner, fd.name)):
                        yield f"{path}[0]={value[:20]!r}", changed(one)
            continue
        if fd.type == FieldDescriptor.TYPE_MESSAGE:
            continue
        for value in _scalar_values(fd):
            def put(m: Message, f: FieldDescriptor, value: Any = value) -> None:
                setattr(m, f.name, value)
            env = changed(put)
            yield f"{path}={value!r:.20}", env
            if fd.name in ("institution_id", "credential_id", "rule_id"):
                followed = pb.EventEnvelope()
                followed.CopyFrom(env)
                followed.entity_key = _key_field(env)
                yield f"{path}={value!r:.20} (entity_key too)", followed
    if base.HasField("institution_upserted"):
        for letters in ([("A", 90.0), ("A", 80.0)], [("A", 90.0), ("a", 80.0), (" A ", 70.0)],
                        [("A", 150.0), ("B", -20.0)], [("A", math.nan), ("B", math.inf)],
                        [("", 50.0)], [("F", 0.0), ("A", 90.0)]):
            env = pb.EventEnvelope()
            env.CopyFrom(base)
            del env.institution_upserted.grading[:]
            env.institution_upserted.grading.extend(
                pb.GradeThreshold(letter=k, min_percent=v) for k, v in letters)
            yield f"grading={letters}", env


def _own_entity(env: pb.EventEnvelope, n: int) -> None:
    """Make ``env`` speak of an entity of its own (its payload id and entity key)."""
    kind = env.WhichOneof("payload")
    if kind is None:
        return
    entity = {"institution_id": f"BC:F{n:X}", "credential_id": f"BC:CAPU:FUZZ {n}",
              "rule_id": f"BC:FUZZ-{n}"}[_ID_FIELD[kind]]
    setattr(getattr(env, kind), _ID_FIELD[kind], entity)
    env.entity_key = entity


def _fresh(env: pb.EventEnvelope, name: str, n: int) -> pb.EventEnvelope:
    """``env`` with an event id, a version and an entity of its own, unless those changed.

    Otherwise every change of one entity would be a duplicate (same id) or
    stale (same version) of the first, or be replaced by a later one in the
    same batch before the store writes it (a batch writes each entity's last
    version only), and never reach the store's writes.
    """
    if not name.startswith("event_id"):
        env.event_id = str(uuid.UUID(int=n))
    if not name.startswith("version"):
        env.version = 1_000 + n
    if not name.startswith("entity_key") and "_id=" not in name:
        _own_entity(env, n)
    return env


def _all_mutations() -> list[tuple[str, bytes]]:
    out = []
    n = itertools.count(1)
    for base in BASES:
        kind = base.WhichOneof("payload")
        out.extend((f"{kind}.{name}", ev.envelope_to_bytes(_fresh(env, name, next(n))))
                   for name, env in _mutations(base))
    for kind, data in zip([b.WhichOneof("payload") for b in BASES], BASE_BYTES, strict=True):
        out.extend((f"{kind} cut at {n}", data[:n]) for n in range(len(data)))
    # Changed versions last: a version of 2**63-1 makes whatever follows it stale.
    return sorted(out, key=lambda named: ".version=" in named[0])


MUTATIONS = _all_mutations()


def _translated(value: bytes | None) -> IncomingEvent | PoisonEvent:
    """The event, or the poison with its reason; any other exception fails the test."""
    try:
        return translate(TOPIC, value)
    except PoisonEvent as poison:
        assert poison.code and poison.detail, f"a refusal without a reason: {poison!r}"
        return poison


# -- strategies ---------------------------------------------------------------------------

_named_mutation = st.sampled_from(MUTATIONS)


@st.composite
def _bit_flips(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(BASE_BYTES)))
    for bit in draw(st.lists(st.integers(0, len(data) * 8 - 1), min_size=1, max_size=8)):
        data[bit // 8] ^= 1 << (bit % 8)
    return bytes(data)


@st.composite
def _field_fuzz(draw: st.DrawFn) -> bytes:
    """A base envelope with a few fields set to values hypothesis draws."""
    env = pb.EventEnvelope()
    env.CopyFrom(draw(st.sampled_from(BASES)))
    env.event_id = str(draw(st.uuids()))
    env.version = draw(st.integers(1, 2**40))
    _own_entity(env, draw(st.integers(1, 2**32)))
    fields = [(o, f) for _, o, f in _fields(env)
              if not f.is_repeated and f.type != FieldDescriptor.TYPE_MESSAGE]
    for owner, fd in draw(st.lists(st.sampled_from(fields), min_size=1, max_size=4)):
        if fd.type == FieldDescriptor.TYPE_STRING:
            value: Any = draw(st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=50)))
        elif fd.type == FieldDescriptor.TYPE_DOUBLE:
            value = draw(st.one_of(st.sampled_from(HOSTILE_FLOATS), st.floats()))
        else:
            low, high = _INT_RANGE[fd.type]
            value = draw(st.integers(low, high))
        setattr(owner, fd.name, value)
    if draw(st.booleans()):
        env.entity_key = _key_field(env)
    return ev.envelope_to_bytes(env)


HOSTILE = st.one_of(st.none(), st.binary(max_size=300), _bit_flips(), _field_fuzz(),
                    _named_mutation.map(lambda named: named[1]))


class TestTranslate:
    """Translating answers an event or a refusal with a reason, nothing else."""

    def test_every_named_mutation(self) -> None:
        accepted = sum(isinstance(_translated(data), IncomingEvent) for _, data in MUTATIONS)
        assert 0 < accepted < len(MUTATIONS)

    def test_every_base_is_accepted(self) -> None:
        for data in BASE_BYTES:
            assert isinstance(_translated(data), IncomingEvent)

    @settings(max_examples=3000, deadline=None)
    @given(HOSTILE)
    def test_any_bytes(self, data: bytes | None) -> None:
        _translated(data)


# -- the stores ---------------------------------------------------------------------------

_SEQUENCE = itertools.count(1)


def _valid_tail() -> bytes:
    """A valid rule never sent before (so it must be applied, not found duplicate)."""
    n = next(_SEQUENCE)
    rule = Rule(f"BC:TAIL-{n}", 1, ("ON:SENE:IPC144",), "BC:UBCV", GrantKind.NO_CREDIT)
    return ev.envelope_to_bytes(ev.upserted(rule, version=1, province="BC", occurred_at=WHEN,
                                            source="fuzz"))


def _snapshot(store: Store, keys: set[str]) -> dict[str, str]:
    """Everything the store holds under ``keys`` as text (``repr`` so that NaN equals NaN)."""
    with store.reader() as repo:
        out = {f"i:{i.id}": repr(i) for i in repo.list_institutions()}
        # One by one too: a reader checks the table's fingerprint first.
        out.update({f"i:{k}": repr(repo.get_institution(k)) for k in keys
                    if k.count(":") == 1 and repo.get_institution(k) is not None})
        out.update({f"c:{k}": repr(v) for k, v in repo.get_credentials(keys).items()})
        out.update({f"r:{k}": repr(v) for k, v in repo.get_rules(keys).items()})
        return out


def _check_batch(stores: dict[str, Store], values: list[bytes | None]) -> None:
    """Apply ``values`` + a valid tail in one batch to every store; the invariants hold."""
    values = [*values, _valid_tail()]  # the offsets rise from batch to batch
    start = next(_SEQUENCE) * 100_000
    deliveries = [Delivery(TOPIC, 0, start + i, None, v) for i, v in enumerate(values)]
    outcomes: dict[str, list[str]] = {}
    for name, store in stores.items():
        report = apply_isolating(store, GROUP, read(deliveries))
        got = [outcome for _, outcome in report.outcomes]
        assert len(got) == len(values), name
        assert set(got) <= {APPLIED, STALE, DUPLICATE, DEAD_LETTERED}, name
        for handled, outcome in report.outcomes:
            if outcome == DEAD_LETTERED:
                assert handled.poison is not None and handled.poison.reason, name
                assert handled.poison.code != STORE_REJECTED, (
                    f"{name} refused an event translate accepted: {handled.poison.reason}"
                    f" (offset {handled.delivery.offset - start})")
        assert got[-1] == APPLIED, f"{name}: the valid event after the hostile ones: {got[-1]}"
        outcomes[name] = got
        # Every dead letter is stored for operators, once, with its reason and original bytes.
        with store.unit_of_work() as uow:
            letters = {x.offset: x for x in uow.ledger.dead_letters(limit=1_000_000)
                       if x.offset >= start}
        dead = {start + i for i, outcome in enumerate(got) if outcome == DEAD_LETTERED}
        assert set(letters) == dead, name
        for offset in dead:
            assert letters[offset].value == (values[offset - start] or b""), name
            assert letters[offset].reason and letters[offset].province == "BC", name
        with store.unit_of_work() as uow:
            assert uow.ledger.offsets(GROUP)[(TOPIC, 0)] == start + len(values), name
    first = next(iter(outcomes.values()))
    for name, got in outcomes.items():
        assert got == first, f"{name} and {next(iter(outcomes))} disagree"
    keys = {h.event.entity_key for h in read(deliveries) if h.event is not None}
    snapshots = {name: _snapshot(store, keys) for name, store in stores.items()}
    reference = snapshots.pop("memory")
    for name, snapshot in snapshots.items():
        differ = {k: (reference.get(k), snapshot.get(k)) for k in reference.keys() | snapshot
                  if reference.get(k) != snapshot.get(k)}
        assert not differ, f"{name} reads back other than it was given: {differ}"


@pytest.fixture
def stores(tmp_path: Any, request: pytest.FixtureRequest) -> Iterator[dict[str, Store]]:
    """The in-memory store (the reference), SQLite and PostgreSQL, fresh."""
    opened: dict[str, Store] = {"memory": InMemoryStore(),
                                "sqlite": open_store(f"sqlite:///{tmp_path / 'hub.db'}")}
    if request.node.get_closest_marker("postgres"):
        opened["postgres"] = open_store(str(request.getfixturevalue("pg_url")))
    try:
        yield opened
    finally:
        for store in opened.values():
            store.close()


@pytest.mark.postgres
class TestStores:
    """Hostile events and a valid one, in one batch, on SQLite and PostgreSQL."""

    def test_every_named_mutation_in_one_batch(self, stores: dict[str, Store]) -> None:
        _check_batch(stores, [data for _, data in MUTATIONS])

    @settings(max_examples=300, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.lists(HOSTILE, min_size=1, max_size=40))
    def test_hypothesis_batches(self, stores: dict[str, Store],
                                values: list[bytes | None]) -> None:
        # The stores are shared by the examples: later ones meet what earlier ones left.
        _check_batch(stores, values)


def test_the_kinds_of_accepted_commands_cover_every_upsert() -> None:
    """The named mutations reach the store with every kind of upsert (the test is not idle)."""
    kinds = {type(e.command) for e in map(_translated, (d for _, d in MUTATIONS))
             if isinstance(e, IncomingEvent)}
    assert {UpsertInstitution, UpsertCredential, UpsertRule} <= kinds
