"""The common equivalency model (MODEL.md): institutions, credentials, rules.

Credits are kept in each institution's own unit and converted to transfer
credits (tc; 3.0 tc is one standard one-term course) only where asked.
Versions order an entity's changes by the province's own number, never by
arrival: see :func:`supersedes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from hub.domain.grades import DEFAULT_SCALE, GradingScale

TC_PER_STANDARD_COURSE = 3.0

MAX_AMOUNT = 1_000_000.0
"""The most credits, value or standard course the hub takes, in any institution's unit.

Far above any real course or program (a degree is about 5,000 hours), and
small enough that sums and transfer credits stay finite: ``1e308`` credits
would make a total of infinity, which JSON cannot carry.
"""

MAX_NAME = 2_000
"""Characters of a name, title, unit, sector, subject, letter, code, program, designation
or minimum grade: no real one nears it; as long as BC's longest notation. The hub
refuses a longer one in an event, and the adapters refuse it in an export first, so that
the province hears of it (a dead letter at the hub it would never see)."""

MAX_TEXT = 128 * 1024
"""Characters of free text (a rule's notes and notation, a competency): the adapters'
field cap (the csv module's field limit, the Saskatchewan reader's attribute cap)."""


MIN_STANDARD_COURSE = 0.001
"""The smallest standard course the hub takes (a thousandth of a unit; UofT's 0.5 credit
weight is the smallest real one). A standard course of ``5e-324`` made every transfer
credit into that institution overflow (a tester): tc is ``v * 3.0 / standard_course``."""

MAX_SENDING = 100
"""Sending credentials one rule may name. The Guide's longest "Any 2 of" names five; one
hostile rule naming 100,001 (5 MB) made every ``ListEquivalents`` answer from them larger
than gRPC's 4 MB default (a tester)."""

MAX_ITEMS = 100
"""Competencies, or stack links, of one credential; letters of one grading scale. Far
above any real one; past it one record could make answers larger than gRPC's 4 MB default
(forty 128 KiB competencies did, a tester)."""

MAX_LETTER = 16
"""Characters of one grading letter at the hub (the adapters read at most four: ``B+``)."""

MAX_GRANTS = 100
"""Grants one rule may give, over all its alternatives (the Guide's most is 14)."""


class CredentialKind(StrEnum):
    """What an institution issues or accepts."""

    COURSE = "course"
    MICRO_CREDENTIAL = "micro-credential"
    CERTIFICATE = "certificate"
    DIPLOMA = "diploma"
    DEGREE = "degree"


class GrantKind(StrEnum):
    """What a rule grants at the receiving institution (MODEL.md's grant kinds).

    ``course``, ``unassigned`` and ``block`` describe one grant inside a
    granting rule; ``no_credit`` and ``assessment`` are whole-rule outcomes
    with no grants.
    """

    COURSE = "course"
    UNASSIGNED = "unassigned"
    BLOCK = "block"
    NO_CREDIT = "no_credit"
    ASSESSMENT = "assessment"


GENERIC_SUBJECT = "GEN"


@dataclass(frozen=True, slots=True)
class CreditSystem:
    """An institution's credit unit and the value of one standard one-term course."""

    unit: str = "credits"
    standard_course: float = 3.0

    def to_tc(self, value: float) -> float:
        """A value in this unit as transfer credits (tc)."""
        return value * TC_PER_STANDARD_COURSE / self.standard_course


@dataclass(frozen=True, slots=True)
class Institution:
    """An institution with its credit system and grading scale (``None``: the default)."""

    id: str
    name: str
    credit_system: CreditSystem = field(default_factory=CreditSystem)
    grading: GradingScale | None = None
    sector: str | None = None
    version: int = 1

    @property
    def province(self) -> str:
        """The institution's province (``BC`` for ``BC:UBCV``)."""
        return self.id.split(":", 1)[0]

    @property
    def scale(self) -> GradingScale:
        """The scale grades from this institution are read through."""
        return self.grading or DEFAULT_SCALE


@dataclass(frozen=True, slots=True)
class StackLink:
    """A credential counts toward ``target`` with ``value`` in the target's unit."""

    target: str
    value: float


@dataclass(frozen=True, slots=True)
class Credential:
    """A unit of learning an institution issues or accepts (``PROV:INST:CODE``)."""

    id: str
    kind: CredentialKind = CredentialKind.COURSE
    title: str = ""
    value: float | None = None
    subject: str | None = None
    level: int | None = None
    stacks_into: tuple[StackLink, ...] = ()
    competencies: tuple[str, ...] = ()
    valid_from: date | None = None
    valid_to: date | None = None
    version: int = 1
    retired: bool = False

    @property
    def institution(self) -> str:
        """The ``PROV:INST`` that issues it."""
        prov, inst, _ = self.id.split(":", 2)
        return f"{prov}:{inst}"

    @property
    def code(self) -> str:
        """The institution's own code (``ENGL 100``)."""
        return self.id.split(":", 2)[2]


@dataclass(frozen=True, slots=True)
class Grant:
    """One thing a granting rule gives at the receiving institution.

    ``credits`` is in the receiving institution's unit; ``None`` means unknown
    (the Guide's ``(-)``), which counts as 0 and is said so in answers.
    """

    kind: GrantKind
    credits: float | None
    code: str | None = None
    subject: str | None = None
    level: int | None = None
    program: str | None = None
    designation: str | None = None

    @property
    def counted_credits(self) -> float:
        """Credits that count toward totals: unknown credits count as 0."""
        return self.credits or 0.0


def named_twice(items: tuple[str, ...]) -> str | None:
    """The first of ``items`` that appears more than once, else None."""
    if len(set(items)) == len(items):
        return None
    return next(item for i, item in enumerate(items) if item in items[:i])


def granted_twice(grants: tuple[Grant, ...] | list[Grant]) -> str | None:
    """The code of a specific course that one grant set names twice, else None.

    A learner is granted a course once: "CMPT 120 (3) & CMPT 120 (3)" would count
    it twice. Unassigned credit may repeat ("PHYS 1XX (3) & PHYS 1XX (1)": the
    Guide's own text), so only course grants are checked.
    """
    seen: set[str] = set()
    for grant in grants:
        if grant.kind is GrantKind.COURSE and grant.code:
            if grant.code in seen:
                return grant.code
            seen.add(grant.code)
    return None


@dataclass(frozen=True, slots=True)
class Rule:
    """An equivalency rule (articulation), decided by the receiving institution.

    ``sending`` lists credential ids of one sending institution; all are
    required unless ``any_n`` says how many of them suffice. ``outcome`` is
    ``course``/``unassigned``/``block`` for a granting rule (the kind of its
    first grant), or ``no_credit`` / ``assessment``. A granting rule has one or
    more ``alternatives``, each a set of grants given together.
    """

    id: str
    version: int
    sending: tuple[str, ...]
    receiving_institution: str
    outcome: GrantKind
    alternatives: tuple[tuple[Grant, ...], ...] = ()
    any_n: int | None = None
    min_grade: str | None = None
    effective_start: date | None = None
    effective_end: date | None = None
    notes: str | None = None
    notation: str | None = None
    revoked: bool = False

    @property
    def province(self) -> str:
        """The province that published the rule (its id's prefix)."""
        return self.id.split(":", 1)[0]

    @property
    def sending_institution(self) -> str:
        """The one institution all sending credentials come from."""
        prov, inst, _ = self.sending[0].split(":", 2)
        return f"{prov}:{inst}"

    @property
    def grants_credit(self) -> bool:
        """True for ``course``/``unassigned``/``block`` rules."""
        return self.outcome not in (GrantKind.NO_CREDIT, GrantKind.ASSESSMENT)

    @property
    def required_count(self) -> int:
        """How many sending credentials the rule needs: N for "any N of", else every
        distinct one (a credential named twice, "A & A", is required once)."""
        return self.any_n if self.any_n is not None else len(set(self.sending))

    def in_force_on(self, day: date) -> bool:
        """True when ``day`` is inside the effective window, both ends included."""
        if self.effective_start and day < self.effective_start:
            return False
        return not (self.effective_end and day > self.effective_end)


GRANTED_KINDS = frozenset({GrantKind.COURSE, GrantKind.UNASSIGNED, GrantKind.BLOCK})


def rule_problem(rule: Rule) -> str | None:
    """What makes ``rule`` something MODEL.md cannot state, in words for the province; else
    None. The adapters build rules this holds for; the hub checks every event anyway.

    - at most :data:`MAX_SENDING` sending credentials and :data:`MAX_GRANTS` grants;
    - the effective window does not end before it starts;
    - a ``no_credit`` or ``assessment`` rule grants nothing (no alternatives);
    - a rule does not send from its own receiving institution;
    - a granting rule has one or more alternatives, none empty, each grant a ``course``
      with its code, ``unassigned`` credit in a subject (``GEN`` for none) naming no
      course, or a ``block`` toward a named program.
    """
    if len(rule.sending) > MAX_SENDING:
        return (f"names {len(rule.sending):,} sending credentials, more than the "
                f"{MAX_SENDING} allowed")
    if rule.sending and rule.sending_institution == rule.receiving_institution:
        return (f"sends from {rule.receiving_institution} to itself; transfer credit is "
                "from another institution")
    start, end = rule.effective_start, rule.effective_end
    if start is not None and end is not None and end < start:
        return f"effective_end {end} is before effective_start {start}"
    if not rule.grants_credit:
        if rule.alternatives:
            return f"a {rule.outcome.value} rule grants nothing, yet lists grants"
        return None
    if not rule.alternatives:
        return f"a {rule.outcome.value} rule grants nothing: it has no grants"
    if sum(len(alternative) for alternative in rule.alternatives) > MAX_GRANTS:
        return f"gives more than the {MAX_GRANTS} grants allowed"
    for i, alternative in enumerate(rule.alternatives):
        if not alternative:
            return f"alternative {i + 1} grants nothing"
        for grant in alternative:
            if grant.kind not in GRANTED_KINDS:
                return (f"alternative {i + 1} grants {grant.kind.value}; a grant is a "
                        "course, unassigned credit or a block")
            if grant.kind is GrantKind.COURSE and not grant.code:
                return f"alternative {i + 1} grants a course with no code"
            if grant.kind is GrantKind.BLOCK and not grant.program:
                return f"alternative {i + 1} grants a block toward no program"
            if grant.kind is GrantKind.UNASSIGNED and (grant.code or not grant.subject):
                return (f"alternative {i + 1} grants unassigned credit "
                        + (f"naming course {grant.code}" if grant.code else "in no subject")
                        + " (unassigned credit names a subject, GEN for none, and no course)")
    return None


def supersedes(new_version: int, new_is_removal: bool, old_version: int,
               old_is_removal: bool) -> bool:
    """True when a change at ``new_version`` replaces the stored one.

    Higher versions win; at the same version a revocation or retirement wins
    over an upsert (it removes that version), so a late older event never
    resurrects what a newer one replaced or removed.
    """
    return (new_version, new_is_removal) > (old_version, old_is_removal)
