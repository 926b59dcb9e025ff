"""The checks on an event's fields, each distinct value checked and converted once.

Text the stores keep must not hold a NUL: PostgreSQL refuses it (the store
would refuse the event with a reason naming no field) and SQLite cuts the text
at it (the two databases would disagree). Identifiers (credential and rule
ids) must be printable: a control character in an id is invisible to the
operator and can never be typed by a user.

Text is bounded too (:func:`kept`): one hostile feed's 20 MB institution name,
once applied, made every ``ListInstitutions`` answer larger than gRPC's 4 MB
default, so no default client could list institutions any more. A name,
title, unit, code or grade is at most :data:`MAX_NAME` characters; free text
(a rule's notes and notation, a competency) at most :data:`MAX_TEXT`, the
adapters' own field cap.

Credits, values and a standard course are 0 to ``MAX_AMOUNT`` (a standard
course above 0): SQLite keeps NaN as NULL and PostgreSQL as NaN, so the
databases would disagree; no registrar grants minus three credits; and a total
of ``1e308`` credits would be infinite, which JSON cannot carry.
``-0.0`` reads as ``0.0``, as SQLite keeps it.

Speed: a backlog of a million rules repeats the same few thousand sending
credentials, institutions and dates. Each distinct text is checked and
converted once and kept in a bounded memo (:class:`~hub.memo.Memo`); only what
succeeded is kept, so a bad value raises every time it is met.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.domain.dates import parse_iso_date
from hub.domain.identifiers import (
    MAX_CODE_LENGTH,
    PROVINCE_RE,
    institution_of,
    normalise_code,
    parse_institution_id,
    parse_printable_credential_id,
)
from hub.domain.model import MAX_AMOUNT, MAX_NAME, GrantKind
from hub.ingest.errors import UnreadableEvent
from hub.memo import Memo


def _checked(parse: Callable[..., Any], field: str, limit: int = 50_000) -> Memo:
    """A memo of ``parse(text, field=field)``: each distinct text checked once."""
    return Memo(lambda text: parse(text, field=field), limit)


def kept(text: str, field: str, limit: int = MAX_NAME) -> str:
    """``text``, which a store will keep: refused when it holds a NUL or is longer than
    ``limit`` characters."""
    if len(text) > limit:
        raise UnreadableEvent(
            "unreadable", f"{field} is {len(text):,} characters long, more than the "
                          f"{limit:,} allowed")
    if "\x00" in text:
        raise UnreadableEvent(
            "unreadable", f"{field} holds a NUL character, which the stores cannot keep")
    return text


def year_level(level: int, field: str) -> int | None:
    """A year level 1-4, ``None`` for 0 (not given); another number is refused (the events'
    contract, and MODEL.md's "year (1-4)")."""
    if not 0 <= level <= 4:
        raise UnreadableEvent("unreadable", f"{field} {level} is not a year level 1-4")
    return level or None


def amount(number: float, field: str) -> float:
    """``number``, an amount of credits 0 to ``MAX_AMOUNT`` (``-0.0`` read as ``0.0``)."""
    if not 0 <= number <= MAX_AMOUNT:   # NaN fails both
        raise UnreadableEvent("unreadable",
                              f"{field} {number!r} is not a number 0 to {MAX_AMOUNT:,.0f}")
    return number + 0.0


INSTITUTION_ID = _checked(parse_institution_id, "institution_id", 10_000)
RECEIVING = _checked(parse_institution_id, "receiving_institution", 10_000)
CREDENTIAL_ID = _checked(parse_printable_credential_id, "credential_id", 100_000)
STACK_TARGET = _checked(parse_printable_credential_id, "stacks_into.target", 10_000)
VALID_FROM = _checked(parse_iso_date, "valid_from", 10_000)
VALID_TO = _checked(parse_iso_date, "valid_to", 10_000)
EFFECTIVE_START = _checked(parse_iso_date, "effective_start", 10_000)
EFFECTIVE_END = _checked(parse_iso_date, "effective_end", 10_000)
_GRANT_KIND = {kind.value: kind for kind in GrantKind}  # Enum(text) is slow on 3.11


def _sending_credential(text: str) -> tuple[str, str]:
    """(the checked credential id, its institution)."""
    checked = parse_printable_credential_id(text, field="sending")
    return checked, institution_of(checked)


SENDING = Memo(_sending_credential, 200_000)


def grant_kind(text: str) -> GrantKind:
    """The :class:`GrantKind` named ``text`` (the usual ``ValueError`` when none is)."""
    kind = _GRANT_KIND.get(text)
    return kind if kind is not None else GrantKind(text)  # raises the usual ValueError


MAX_RULE_ID = 128  # the rule tables' column


def parse_rule_id(text: str, field: str) -> str:
    """``text``, a rule id ``PROV:ID`` of at most ``MAX_RULE_ID`` printable characters."""
    prefix, _, local = text.partition(":")
    if not PROVINCE_RE.match(prefix) or not local.strip():
        raise UnreadableEvent("unreadable", f"{field}: {text[:40]!r} is not a rule id PROV:ID")
    if len(text) > MAX_RULE_ID or not text.isprintable():
        raise UnreadableEvent(
            "unreadable", f"{field}: {text[:40]!r} is not at most {MAX_RULE_ID} printable"
                          " characters")
    return text


def course_code(code: str, field: str) -> str:
    """A course grant's code as a credential code (MODEL.md: upper-cased, inner white space
    folded): it names a receiving credential (``PROV:INST:CODE``, indexed by the stores),
    so it must be printable and at most 40 characters. Folded, ``ENGL 110`` and
    ``engl  110 `` are one course: kept apart, one rule granting both was refused by the
    store with a raw SQL error, or granted the course twice (a tester)."""
    normal = normalise_code(code)
    if len(normal) > MAX_CODE_LENGTH or not normal.isprintable():
        raise UnreadableEvent(
            "unreadable", f"{field} {code[:20]!r} is not a course code of at most"
                          f" {MAX_CODE_LENGTH} printable characters")
    return normal
