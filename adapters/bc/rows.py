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
- Rule ids are the Guide's id with the province prefixed (``BC:88213``);
  spaces around the id in a hand-made export are not part of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from adapters.base import fields as f
from adapters.bc.dates import parse_effective_end, parse_effective_start
from adapters.bc.notation import NotationError, parse_transfer_credit
from hub.domain.errors import DomainError
from hub.domain.grades import GradingScale
from hub.domain.model import MAX_SENDING, CreditSystem, Institution, Rule, named_twice

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
    system = CreditSystem(f.short(unit, label, "credit_unit"),
                          _number(standard, label, "standard_course"))
    return Institution(id=ident, name=f.short(name, label, "name"), credit_system=system,
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
        letter = letter.strip()
        if letter in scale:   # a dict would keep the last silently (other case: f.grading)
            raise f.Bad(f"{label}: grading letter {letter} is given twice")
        try:
            scale[letter] = float(percent)
        except ValueError:
            raise f.Bad(f"{label}: grading entry {item!r} has no percent number") from None
    return f.grading(scale, label)


def institution_key(row: Sequence[str]) -> str | None:
    """The id a rejected ``institutions.csv`` row was about, when its code still reads as BC's."""
    try:
        return f.own_institution({"code": row[0].strip()}, "code", PROVINCE, "institution")
    except (f.Bad, DomainError):
        return None


def rule_key(row: Sequence[str]) -> str | None:
    """The id a rejected ``equivalencies.csv`` row was about, when its id still reads.

    None also when its receiving institution reads as another province's: that
    rule is not BC's to keep.
    """
    ident = row[0]
    if _RULE_ID.match(ident) is None:
        try:
            ident = f.rule_id(ident)   # as RuleRow.rule reads it
        except f.Bad:
            return None
    if _foreign_receiver(row):
        return None
    return f"{PROVINCE}:{ident}"


def _foreign_receiver(row: Sequence[str]) -> bool:
    """Whether a row's receiving institution reads as another province's (damaged is not)."""
    try:
        receiver = f.institution_in(row[6], PROVINCE, "receiving_institution")
    except (f.Bad, DomainError):
        return False
    return not receiver.startswith(f"{PROVINCE}:")


def unidentified(row: Sequence[str]) -> bool:
    """Whether a rejected ``equivalencies.csv`` row may be about BC records it no longer
    names (:attr:`adapters.base.records.Rejection.unidentified`): its rule id does not
    read, and its receiving institution is not another province's; or its sending
    institution is (or may be) BC's and its sending courses do not read."""
    if _foreign_receiver(row):
        return False   # another province's rule: not BC's to keep
    if rule_key(row) is None:
        return True
    try:
        sender = f.institution_in(row[2], PROVINCE, "sending_institution")
    except (f.Bad, DomainError):
        return True
    try:
        return sender.startswith(f"{PROVINCE}:") and not any(_course_codes(row[3]))
    except f.Bad:
        return True


def sending_keys(row: Sequence[str]) -> tuple[str, ...]:
    """The BC sending courses a rejected ``equivalencies.csv`` row names, when they still read.

    A BC course exists in the export only through the rows naming it, so a
    damaged row must keep them too, not only its rule.
    """
    try:
        sender = f.institution_in(row[2], PROVINCE, "sending_institution")
        if not sender.startswith(f"{PROVINCE}:"):
            return ()
        return _qualified(sender, _course_codes(row[3]))
    except (f.Bad, DomainError):
        return ()


class ReadRow(NamedTuple):
    """A rule, and the one sending course the row describes with its title and credits."""

    rule: Rule
    course: str | None = None
    title: str = ""
    credits: float | None = None


class RuleRow:
    """Reads ``equivalencies.csv`` rows against the grading scales the file declared.

    Values that repeat across rows (institutions, course lists, credit text,
    dates, grades) are read once and remembered: a Guide export repeats them
    thousands of times, and reading is the adapter's hot path.
    """

    def __init__(self, scales: dict[str, GradingScale]) -> None:
        self._scales = scales
        self._pairs: dict[tuple[str, str], tuple[str, str]] = {}
        self._grades: dict[tuple[str, str], str | None] = {}

    def rule(self, row: Sequence[str]) -> ReadRow:
        """The row's rule, with the sending title and credits when it names one course."""
        ident = row[0]
        if _RULE_ID.match(ident) is None:
            ident = f.rule_id(ident)   # trims spaces, or raises saying what an id may hold
        return self._read(ident, row)

    def _read(self, ident: str, row: Sequence[str]) -> ReadRow:
        (_, version, sending_inst, sending_courses, title, credits, receiving, text,
         min_grade, start, end) = row
        pair = self._pairs.get((sending_inst, receiving))
        if pair is None:
            pair = self._pairs[sending_inst, receiving] = _institutions(sending_inst, receiving)
        sender, receiver = pair
        codes = _codes(sending_courses)
        if len(text) > MAX_NOTATION:
            raise f.Bad(f"transfer_credit is longer than {MAX_NOTATION} characters")
        try:
            credit = parse_transfer_credit(text, receiver[3:],
                                           compact_sending_codes=sender[:3] != "BC:")
        except NotationError as error:
            raise f.Bad(f"transfer_credit {error}") from None
        sending = _sending(credit.sending, credit.sending_institution, codes, sender) \
            if credit.sending else codes
        effective_start, effective_end = _window(start, end)
        grade = self._grades.get((min_grade, sender), _UNSEEN)
        if grade is _UNSEEN:
            grade = self._grades[min_grade, sender] = self._min_grade(min_grade, sender)
        # Positional, in Rule's field order (id, version, sending, receiving_institution,
        # outcome, alternatives, any_n, min_grade, effective_start, effective_end,
        # notes, notation): measurably cheaper than keywords on the hot path.
        rule = Rule(f"{PROVINCE}:{ident}", _version(version), _qualified(sender, sending),
                    receiver, credit.outcome, credit.alternatives, credit.any_n, grade,
                    effective_start, effective_end, credit.notes, text)
        if len(rule.sending) > MAX_SENDING:   # the rest of rule_problem the grammar ensures
            f.stated(rule, "sending_courses")
        if len(codes) != 1:
            return ReadRow(rule)
        value = _credits(credits) if credits else None
        return ReadRow(rule, f"{sender}:{codes[0]}", f.short(title.strip(), "", "sending_title"),
                       value)

    def _min_grade(self, text: str, sender: str) -> str | None:
        grade = f.min_grade(text.strip(), "min_grade")
        scale = self._scales.get(sender)
        if grade is not None and scale is not None:
            scale.to_percent(grade, field="min_grade")
        return grade


_UNSEEN = object()
_RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}\Z")   # no spaces, no newline


def _version(text: str) -> int:
    if text.isdigit() and text[0] != "0" and len(text) < 10 and text.isascii():
        return int(text)
    digits = text.strip()
    # ASCII digits only: str.isdigit() also takes "²" (int() refuses it) and "٣"; and
    # few of them: int() refuses over 4,300, and a version (int64) has at most 19.
    whole = digits.isdigit() and digits.isascii() and len(digits) <= 20
    return f.version(int(digits) if whole else text, "rule")


def _institutions(sending: str, receiving: str) -> tuple[str, str]:
    sender = f.institution_in(sending, PROVINCE, "sending_institution")
    receiver = f.institution_in(receiving, PROVINCE, "receiving_institution")
    if not receiver.startswith("BC:"):
        raise f.Bad(f"receiving institution {receiver} is not a BC institution; "
                    "BC publishes only rules its own institutions decide")
    if sender == receiver:
        raise f.Bad(f"sending_institution is the receiving institution {receiver}; transfer "
                    "credit is from another institution")
    return sender, receiver


def _qualified(institution: str, codes: tuple[str, ...]) -> tuple[str, ...]:
    # Not cached: a sending course is named by few rows, so a cache mostly misses.
    if len(codes) == 1:
        return (f"{institution}:{codes[0]}",)
    return tuple([f"{institution}:{code}" for code in codes])


@lru_cache(maxsize=1024)
def _credits(text: str) -> float:
    return _number(text, "sending course", "sending_credits", positive=False)


@lru_cache(maxsize=65536)
def _course_codes(text: str) -> tuple[str, ...]:
    """The codes ``sending_courses`` names, each once: a rejected row's keys whatever its
    fault, and what :func:`_codes` checks for a course named twice."""
    return tuple(dict.fromkeys(f.code(part, "sending_courses") for part in text.split("&")))


@lru_cache(maxsize=65536)
def _codes(text: str) -> tuple[str, ...]:
    codes = _course_codes(text)
    if len(codes) != text.count("&") + 1:
        twice = named_twice(tuple(f.code(part, "sending_courses") for part in text.split("&")))
        raise f.Bad(f"sending_courses names {twice} twice; name each sending course once")
    return codes


def _sending(named: tuple[str, ...], written: str | None, codes: tuple[str, ...],
             sender: str) -> tuple[str, ...]:
    own_code = sender.split(":", 1)[1]
    if written is not None and written != own_code:
        raise f.Bad(f"transfer_credit names sending institution {written}, "
                    f"but sending_institution is {own_code}")
    missing = [code for code in codes if code not in named]
    if missing:
        raise f.Bad(f"sending_courses {', '.join(missing)} not among the courses "
                    f"transfer_credit names ({' & '.join(named)})")
    return named


@lru_cache(maxsize=4096)
def _window(start: str, end: str) -> tuple[date | None, date | None]:
    try:
        first = parse_effective_start(start)
        last = parse_effective_end(end)
    except DomainError as error:
        raise f.Bad(f"effective date {error}") from None
    f.ordered(first, last, "effective window", "effective_start", "effective_end")
    return first, last
