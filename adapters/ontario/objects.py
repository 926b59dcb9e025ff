"""One line's JSON object of the Ontario export read into one canonical record.

:func:`record_of` builds the institution, credential or rule a line describes,
raising ``Bad`` (adapters.base.fields) or a ``DomainError`` that names the
field; :func:`entity_key` names the entity a rejected line was about.

Choices a registrar would make, where FORMATS.md is silent:

- Unknown keys are ignored, so that the province can add fields without
  breaking the adapter; known keys are checked strictly.
- ``effective_start`` is required, ``effective_end`` may be ``null`` (open).
- A course grant's subject and level come from its code when it reads as
  ``SUBJ 1234`` (``EECS 1015`` → EECS, 1); entries may also give them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from adapters.base import fields as f
from adapters.base.records import Record
from hub.domain.errors import DomainError
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

PROVINCE = "ON"
# FORMATS.md lists the first four; ``assessment`` (MODEL.md's fifth grant kind, "Individual
# assessment") is read too, so that an Ontario rule can say what BC's text can.
_GRANTS = ("course", "unassigned", "block", "no_credit", "assessment")


def entity_key(obj: dict[str, Any]) -> str | None:
    """The id of the record a rejected line was about, when it still reads, else None.

    The same id the good record would have had (``ON:SENE``, ``ON:HUMB:MC-DA-01``,
    ``ON:ONT-2019-0142``); None when ``type`` is unknown, the id does not read,
    or the record is another province's (its institution, or a rule's receiving
    institution, reads as outside Ontario): that one is not Ontario's to keep.
    """
    kind = obj.get("type")
    try:
        if kind == "institution":
            return f.own_institution(obj, "id", PROVINCE, "institution")
        if kind == "credential":
            institution = f.own_institution(obj, "institution", PROVINCE, "credential")
            return f.credential_of(institution, f.text(obj, "code", "credential"), "code")
        if kind == "equivalency":
            local_id = f.rule_id(obj.get("id"))
            to = obj.get("to")
            receiving = to.get("institution") if isinstance(to, dict) else None
            if receiving is not None and _foreign(receiving):
                return None
            return f"{PROVINCE}:{local_id}"
    except (f.Bad, DomainError):
        return None
    return None


_IDENTIFYING = ("id", "code", "institution")
_RECORD_TYPES = frozenset({"institution", "credential", "equivalency"})


def unidentified(obj: dict[str, Any]) -> bool:
    """Whether a rejected line may be one of Ontario's own records whose id does not read
    (:attr:`adapters.base.records.Rejection.unidentified`): a record kind, or a line that
    carries an identifying key (a misspelt ``type``), with no readable id, and not
    another province's. A line that names nothing (``{"type": "note"}``) is no record."""
    if entity_key(obj) is not None or foreign(obj):
        return False
    return obj.get("type") in _RECORD_TYPES or any(key in obj for key in _IDENTIFYING)


def foreign(obj: dict[str, Any]) -> bool:
    """Whether a rejected line reads as another province's record (not Ontario's to keep,
    nor to hold back removals for): its institution, or a rule's receiving one, is."""
    kind = obj.get("type")
    if kind == "institution":
        return _foreign(obj.get("id"))
    if kind == "credential":
        return _foreign(obj.get("institution"))
    to = obj.get("to")
    return kind == "equivalency" and isinstance(to, dict) and _foreign(to.get("institution"))


def _foreign(institution: Any) -> bool:
    """True when ``institution`` reads as an institution outside Ontario."""
    try:
        ident = f.institution_in(institution, PROVINCE, "to.institution")
    except (f.Bad, DomainError):
        return False   # damaged, not foreign
    return not ident.startswith(f"{PROVINCE}:")


def record_of(obj: dict[str, Any]) -> Record:
    """The institution, credential or equivalency rule that ``obj`` describes."""
    kind = obj.get("type")
    if kind == "institution":
        return _institution(obj)
    if kind == "credential":
        return _credential(obj)
    if kind == "equivalency":
        return _rule(obj)
    raise f.Bad(f"type is {kind!r}; expected 'institution', 'credential' or 'equivalency'")


def _institution(obj: dict[str, Any]) -> Institution:
    ident = f.own_institution(obj, "id", PROVINCE, "institution")
    label = f"institution {ident}"
    grading = f.grading(obj.get("grading"), label)
    return Institution(
        id=ident,
        name=f.text(obj, "name", label),
        credit_system=CreditSystem(
            unit=f.text(obj, "credit_unit", label),
            standard_course=f.number(obj, "standard_course", label, positive=True),
        ),
        grading=grading,
        sector=f.text(obj, "sector", label, required=False),
        version=0,
    )


def _credential(obj: dict[str, Any]) -> Credential:
    institution = f.own_institution(obj, "institution", PROVINCE, "credential")
    ident = f.credential_of(institution, f.text(obj, "code", "credential"), "code")
    label = f"credential {ident}"
    kind_text = obj.get("kind", "course")
    kinds = [k.value for k in CredentialKind]
    if kind_text not in kinds:
        raise f.Bad(f"{label}: kind is {kind_text!r}; expected one of {', '.join(kinds)}")
    valid_from = f.day(obj, "valid_from", label, required=False)
    valid_to = f.day(obj, "valid_to", label, required=False)
    f.ordered(valid_from, valid_to, label, "valid_from", "valid_to")
    return Credential(
        id=ident,
        kind=CredentialKind(kind_text),
        title=f.text(obj, "title", label, required=False) or "",
        value=f.number(obj, "value", label, required=False),
        subject=f.subject(obj, "subject", label, required=False),
        level=f.level(obj, "level", label, required=False),
        stacks_into=_stack_links(obj.get("stacks_into"), institution, ident, label),
        competencies=f.strings(obj, "competencies", label),
        valid_from=valid_from,
        valid_to=valid_to,
        version=0,
    )


def _stack_links(value: Any, institution: str, ident: str, label: str
                 ) -> tuple[StackLink, ...]:
    """The targets it stacks into: never itself, each once (the hub refuses either)."""
    links: dict[str, StackLink] = {}
    for i, item in enumerate(f.list_of_objects(value, "stacks_into", label)):
        where = f"stacks_into[{i}]"
        code = f.text(item, "code", f"{label}: {where}")
        target = f.reference(code, institution, f"{label}: {where}.code")
        if target == ident:
            raise f.Bad(f"{label}: {where} names the credential itself")
        if target in links:
            raise f.Bad(f"{label}: {where} names {target} again; a credential counts "
                        "toward a target once")
        links[target] = StackLink(target=target,
                                  value=f.number(item, "value", f"{label}: {where}"))
    return tuple(links.values())


def _rule(obj: dict[str, Any]) -> Rule:
    local_id = f.rule_id(obj.get("id"))
    label = f"equivalency {local_id}"
    version = f.version(obj.get("version"), label)
    sending = f.sending(obj.get("from"), PROVINCE, label)
    to = obj.get("to")
    if not isinstance(to, dict):
        raise f.Bad(f"{label}: 'to' must be an object with institution and grant")
    receiving = f.own_institution(to, "institution", PROVINCE, f"{label}: to.institution",
                                  what="receiving institution")
    grant = to.get("grant")
    if grant not in _GRANTS:
        raise f.Bad(f"{label}: to.grant is {grant!r}; expected one of {', '.join(_GRANTS)}")
    grants = f.granted_once(tuple(_grants(grant, to, f"{label}: to")), f"{label}: to")
    start = f.day(obj, "effective_start", label)
    end = f.day(obj, "effective_end", label, required=False)
    f.ordered(start, end, label, "effective_start", "effective_end")
    return f.stated(Rule(
        id=f"{PROVINCE}:{local_id}",
        version=version,
        sending=sending,
        receiving_institution=receiving,
        outcome=GrantKind(grant),
        alternatives=(grants,) if grants else (),
        min_grade=f.min_grade(obj.get("min_grade"), label),
        effective_start=start,
        effective_end=end,
    ), label)


def _grants(grant: str, to: dict[str, Any], label: str) -> Iterator[Grant]:
    if grant != "course" and to.get("courses"):
        raise f.Bad(f"{label}.grant is {grant!r}, which names no course, but courses are "
                    "given; a course grant is \"grant\": \"course\"")
    if grant == "course":
        courses = f.list_of_objects(to.get("courses"), "courses", label)
        if not courses:
            raise f.Bad(f"{label}.courses must list at least one {{code, value}} "
                        "for a course grant")
        for i, item in enumerate(courses):
            where = f"{label}.courses[{i}]"
            code = f.code(f.text(item, "code", where), f"{where}.code")
            subject, level = f.subject_level_of(code)
            yield Grant(
                kind=GrantKind.COURSE,
                credits=f.number(item, "value", where),
                code=code,
                subject=f.subject(item, "subject", where, required=False) or subject,
                level=f.level(item, "level", where, required=False) or level,
            )
    elif grant == "unassigned":
        yield Grant(kind=GrantKind.UNASSIGNED, credits=f.number(to, "value", label),
                    subject=f.subject(to, "subject", label), level=f.level(to, "level", label))
    elif grant == "block":
        yield Grant(kind=GrantKind.BLOCK, credits=f.number(to, "value", label),
                    program=f.text(to, "program", label))
