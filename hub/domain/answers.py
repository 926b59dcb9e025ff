"""Inputs and answers of the queries (MODEL.md "A transfer query", "A stacking query").

Plain data: the API maps them to protobuf, the CLI to CLI.md's JSON shapes.
Credits are in the receiving (or target) institution's unit unless named ``tc``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from hub.domain.model import Grant, Rule


class Reason(StrEnum):
    """Why a completed credential was not transferred, in MODEL.md's order."""

    UNKNOWN_CREDENTIAL = "unknown_credential"
    NO_CREDIT = "no_credit"
    INDIVIDUAL_ASSESSMENT = "individual_assessment"
    BELOW_MIN_GRADE = "below_min_grade"
    OUTSIDE_EFFECTIVE_WINDOW = "outside_effective_window"
    INCOMPLETE_COMBINATION = "incomplete_combination"
    USED_ELSEWHERE = "used_elsewhere"
    NO_AGREEMENT = "no_agreement"


@dataclass(frozen=True, slots=True)
class Completed:
    """One completed credential of a transcript: a grade and a completion date."""

    credential: str
    grade: str
    completed_on: date


@dataclass(frozen=True, slots=True)
class TransferQuery:
    """A transfer query: a receiving institution and a learner's transcript."""

    receiving_institution: str
    completed: tuple[Completed, ...]


@dataclass(frozen=True, slots=True)
class Award:
    """A rule that applies and was chosen, with the credentials it used."""

    rule: Rule
    used: tuple[str, ...]
    credits: float
    tc: float
    unknown_credits: bool = False
    counted_alternative: int = 0
    """Index in ``rule.alternatives`` of the smallest alternative, whose credits count."""

    @property
    def grants(self) -> tuple[Grant, ...]:
        """The first alternative's grants (every alternative is in ``rule.alternatives``)."""
        return self.rule.alternatives[0] if self.rule.alternatives else ()


@dataclass(frozen=True, slots=True)
class NotTransferred:
    """A completed credential no awarded rule used, with the first reason that holds."""

    credential: str
    reason: Reason
    detail: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An inferred pathway: never counted in the total, always with its whole chain."""

    sending: tuple[str, ...]
    grants: tuple[Grant, ...]
    chain: tuple[Rule, ...]
    basis: str = "inferred"
    via: tuple[str, ...] = ()   # the credential each link after the first starts from
    credits: float = 0.0
    """What the chain's last rule would grant, counted as an award is (its smallest
    alternative), in the receiving institution's unit; never in any total."""
    tc: float = 0.0
    unknown_credits: bool = False


@dataclass(frozen=True, slots=True)
class TransferAnswer:
    """The answer to a transfer query, lists in CLI.md's stable order."""

    receiving_institution: str
    credit_unit: str
    awarded: tuple[Award, ...]
    not_transferred: tuple[NotTransferred, ...]
    suggested: tuple[Suggestion, ...]
    total_credits: float
    total_tc: float


@dataclass(frozen=True, slots=True)
class StackQuery:
    """A stacking query: a target credential and a learner's transcript."""

    target: str
    completed: tuple[Completed, ...]


@dataclass(frozen=True, slots=True)
class Counted:
    """A completed credential that counted toward the target, with its value."""

    credential: str
    value: float
    via_rule: str | None = None
    counts_as: str | None = None
    """Through a rule: the target institution's credential it was granted as."""


# Why a completed credential did not count toward a stacking target: a transfer
# query's reason (a credential of another institution that the transfer rules did
# not carry into the target's institution), or one of these two.
DOES_NOT_STACK = "does_not_stack"
"""It (or what a rule granted for it) has no record that it stacks into the target."""
ALREADY_COUNTED = "already_counted"
"""What a rule granted for it stacks, but that credential already counted by another route."""


@dataclass(frozen=True, slots=True)
class NotCounted:
    """A completed credential that added nothing toward the target, and why.

    ``reason`` is a :class:`Reason` word, :data:`DOES_NOT_STACK` or
    :data:`ALREADY_COUNTED`.
    """

    credential: str
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class StackAnswer:
    """Required, earned and remaining value in the target institution's unit."""

    target: str
    unit: str
    required: float
    earned: float
    remaining: float
    counted: tuple[Counted, ...] = field(default_factory=tuple)
    not_counted: tuple[NotCounted, ...] = field(default_factory=tuple)
    """Every other completed credential, by credential id."""
    required_unknown: bool = False
    """The target's record gives no value: ``required`` (0) says nothing of its need."""
