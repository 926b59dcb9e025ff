"""One row of the BC export read into canonical records (FORMATS.md's two CSV files).

Errors: every check raises ``adapters.base.fields.Bad`` (or a
``hub.domain.errors.DomainError``) naming the column; the reader turns it into
a ``Rejection`` at the row's line.

Choices a registrar would make, where FORMATS.md is silent:

- A ``transfer_credit`` that names its sending courses (``A & B = ...``) is
  the rule's sending side; the row's own ``sending_courses`` must be among
  them, and the institution written there must be the row's
  ``sending_institution`` (the Guide writes the same one).
- A sending course's title and credits are the row's ``sending_title`` and
  ``sending_credits`` only when the row names that one course alone: for
  ``CSCI 110 & CSCI 111`` they describe the pair, not either course.
- Rule ids are the Guide's id with the province prefixed (``BC:88213``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from adapters.base import fields as f
from adapters.bc.dates import parse_effective_end, parse_effective_start
from adapters.bc.notation import NotationError, parse_transfer_credit
from hub.domain.errors import DomainError
from hub.domain.grades import GradingScale
from hub.domain.model import CreditSystem, Institution, Rule

PROVINCE = "BC"
INSTITUTION_COLUMNS = ("code", "name", "credit_unit", "standard_course", "grading")
EQUIVALENCY_COLUMNS = ("id", "version", "sending_institution", "sending_courses", "sending_title",
                       "sending_credits", "receiving_institution", "transfer_credit", "min_grade",
                       "effective_start", "effective_end")
MAX_NOTATION = 2000  # the Guide's longest real text is about 300 characters


def institution_from(row: Sequence[str]) -> Institution:
    """An ``institutions.csv`` row (columns in :data:`INSTITUTION_COLUMNS` order)."""
    code, name, unit, standard, grading = (value.strip() for value in row)
    ident = f.own_institution({"code": code}, "code", PROVINCE, "institution")
    label = f"institution {ident}"
    if not name:
        raise f.Bad(f"{label}: name is empty")
    if not unit:
        raise f.Bad(f"{label}: credit_unit is empty; expected e.g. credits or units")
    return Institution(id=ident, name=name,
                       credit_system=CreditSystem(unit, _number(standard, label,
                                                                "standard_course")),
                       grading=_grading(grading, label), version=0)


def _number(text: str, label: str, column: str, *, positive: bool = True) -> float:
    try:
        value = float(text)
    except ValueError:
        raise f.Bad(f"{label}: {column} {text!r} is not a number") from None
    return f.check_number(value, label, column, positive=positive)


def _grading(text: str, label: str) -> GradingScale | None:
    """``A+=90;A=85;...``; empty is the default scale."""
    if not text:
        return None
    scale: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(";"))):
        letter, equals, percent = item.partition("=")
        if not equals:
            raise f.Bad(f"{label}: grading entry {item!r} is not LETTER=PERCENT (e.g. B+=76)")
        try:
            scale[letter.strip()] = float(percent)
        except ValueError:
            raise f.Bad(f"{label}: grading entry {item!r} has no percent number") from None
    return f.grading(scale, label)


class ReadRow(NamedTuple):
    """A rule, and the one sending course the row describes with its title and credits."""

    rule: Rule
    course: str | None = None
    title: str = ""
    credits: float | None = None


class RuleRow:
    """Reads ``equivalencies.csv`` rows, remembering the institutions the file declared."""

    def __init__(self, scales: dict[str, GradingScale]) -> None:
        self._scales = scales
        self._institutions: dict[str, str] = {}

    def rule(self, row: Sequence[str]) -> ReadRow:
        """The row's rule, with the sending title and credits when it names one course."""
        (ident, version, sending_inst, sending_courses, title, credits, receiving, text,
         min_grade, start, end) = row
        local_id = f.rule_id(ident)
        label = f"equivalency {local_id}"
        sender = self._institution(sending_inst, f"{label}: sending_institution")
        codes = [f.code(part, f"{label}: sending_courses") for part in sending_courses.split("&")]
        receiver = self._institution(receiving, f"{label}: receiving_institution")
        if not receiver.startswith("BC:"):
            raise f.Bad(f"{label}: receiving institution {receiver} is not a BC institution; "
                        "BC publishes only rules its own institutions decide")
        if len(text) > MAX_NOTATION:
            raise f.Bad(f"{label}: transfer_credit is longer than {MAX_NOTATION} characters")
        try:
            credit = parse_transfer_credit(text, receiver[3:],
                                           compact_sending_codes=not sender.startswith("BC:"))
        except NotationError as error:
            raise f.Bad(f"{label}: transfer_credit {error}") from None
        sending = self._sending(credit.sending, credit.sending_institution, codes, sender, label)
        effective_start, effective_end = _window(start, end, label)
        rule = Rule(
            id=f"{PROVINCE}:{local_id}",
            version=f.version(int(version) if version.strip().isdigit() else version, label),
            sending=tuple(f"{sender}:{code}" for code in sending),
            receiving_institution=receiver,
            outcome=credit.outcome,
            alternatives=credit.alternatives,
            any_n=credit.any_n,
            min_grade=self._min_grade(min_grade, sender, label),
            effective_start=effective_start,
            effective_end=effective_end,
            notes=credit.notes,
            notation=text,
        )
        if len(codes) != 1:
            return ReadRow(rule)
        value = (_number(credits, label, "sending_credits", positive=False)
                 if credits.strip() else None)
        return ReadRow(rule, f"{sender}:{codes[0]}", title.strip(), value)

    def _institution(self, text: str, label: str) -> str:
        known = self._institutions.get(text)
        if known is None:
            known = f.institution_in(text, PROVINCE, label)
            self._institutions[text] = known
        return known

    @staticmethod
    def _sending(named: tuple[str, ...], written: str | None, codes: list[str], sender: str,
                 label: str) -> Sequence[str]:
        if not named:
            return codes
        own_code = sender.split(":", 1)[1]
        if written is not None and written != own_code:
            raise f.Bad(f"{label}: transfer_credit names sending institution {written}, "
                        f"but sending_institution is {own_code}")
        missing = [code for code in codes if code not in named]
        if missing:
            raise f.Bad(f"{label}: sending_courses {', '.join(missing)} not among the courses "
                        f"transfer_credit names ({' & '.join(named)})")
        return named

    def _min_grade(self, text: str, sender: str, label: str) -> str | None:
        grade = f.min_grade(text.strip(), label)
        scale = self._scales.get(sender)
        if grade is not None and scale is not None:
            scale.to_percent(grade, field=f"{label}: min_grade")
        return grade


def _window(start: str, end: str, label: str) -> tuple[date | None, date | None]:
    try:
        first = parse_effective_start(start)
        last = parse_effective_end(end)
    except DomainError as error:
        raise f.Bad(f"{label}: effective date {error}") from None
    f.ordered(first, last, label, "effective_start", "effective_end")
    return first, last
