"""One Saskatchewan feed element (Institution, Course, Equivalency) to one record.

Each reader raises ``adapters.base.fields.Bad`` (or a domain
``InvalidIdentifier``) with a message naming the attribute and what is
expected; the feed reader turns that into a ``Rejection`` at the element's path,
naming the entity the element was about when that still reads
(:func:`entity_key`), so its last good version is kept.
Attribute values are text: numbers and levels are read from their digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from xml.etree.ElementTree import Element

from adapters.base import fields as f
from hub.domain.errors import DomainError
from hub.domain.model import (
    Credential,
    CredentialKind,
    CreditSystem,
    Grant,
    GrantKind,
    Institution,
    Rule,
)

PROVINCE = "SK"
_NUMBER_RE = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")  # ASCII digits only, not "٣"
# FORMATS.md lists the first four; MODEL.md's own words ``no_credit`` and ``assessment``
# (its fifth grant kind, "Individual assessment") are read too.
_GRANTS = {"course": GrantKind.COURSE, "unassigned": GrantKind.UNASSIGNED,
           "block": GrantKind.BLOCK, "none": GrantKind.NO_CREDIT,
           "no_credit": GrantKind.NO_CREDIT, "assessment": GrantKind.ASSESSMENT}


def _number(element: Element, key: str, label: str, *, required: bool = True,
            positive: bool = False) -> float | None:
    value = element.get(key, "").strip()
    if not value:
        if required:
            raise f.Bad(f"{label}: {key} is missing; expected a number")
        return None
    if not _NUMBER_RE.match(value):
        raise f.Bad(f"{label}: {key} must be a number such as 3 or 1.5, got {value!r}")
    return f.check_number(float(value), label, key, positive=positive)


def _whole(value: str | None) -> int | str | None:
    """A few ASCII digits as a whole number; anything else as it is, for the check to refuse."""
    # str.isdigit() alone also takes "²" (int() refuses it) and "٣" (another script's 3);
    # int() refuses over 4,300 digits; a version (int64) has at most 19, and the check
    # refuses any whole number past its range with the number itself in the message.
    digits = value.strip() if value else ""
    return int(digits) if digits.isdigit() and digits.isascii() and len(digits) <= 20 else value


def _level(element: Element, label: str, *, required: bool) -> int | None:
    value = element.get("level", "").strip()
    if not value:
        if required:
            raise f.Bad(f"{label}: level is missing; expected a year level 1-4")
        return None
    return f.check_level(_whole(value), label)


def institution(element: Element) -> Institution:
    """An ``<Institution>`` with its optional ``<Grade letter minPercent>`` children."""
    ident = f.own_institution(element.attrib, "id", PROVINCE, "Institution")
    label = f"Institution {ident}"
    letters: dict[str, float] = {}
    for i, grade in enumerate(element.findall("Grade"), 1):
        letter = f.text(grade.attrib, "letter", f"{label} Grade[{i}]")
        if letter in letters:   # a dict would keep the last silently (other case: f.grading)
            raise f.Bad(f"{label}: grading letter {letter} is given twice")
        letters[letter] = _number(grade, "minPercent", f"{label} Grade[{i}]")
    return Institution(
        id=ident,
        name=f.text(element.attrib, "name", label),
        credit_system=CreditSystem(
            unit=f.text(element.attrib, "creditUnit", label),
            standard_course=_number(element, "standardCourse", label, positive=True),
        ),
        grading=f.grading(letters, label) if letters else None,
        sector=f.text(element.attrib, "sector", label, required=False),
        version=0,
    )


def course(element: Element) -> Credential:
    """A ``<Course>`` of a Saskatchewan institution (``kind`` defaults to ``course``)."""
    inst = f.own_institution(element.attrib, "institution", PROVINCE, "Course")
    ident = f.credential_of(inst, f.text(element.attrib, "code", "Course"), "Course code")
    label = f"Course {ident}"
    kind = element.get("kind", "course").strip() or "course"
    kinds = [k.value for k in CredentialKind]
    if kind not in kinds:
        raise f.Bad(f"{label}: kind is {kind!r}; expected one of {', '.join(kinds)}")
    return Credential(
        id=ident,
        kind=CredentialKind(kind),
        title=f.text(element.attrib, "title", label, required=False) or "",
        value=_number(element, "credits", label, required=False),
        subject=f.subject(element.attrib, "subject", label, required=False),
        level=_level(element, label, required=False),
        version=0,
    )


def equivalency(element: Element) -> Rule:
    """An ``<Equivalency>``: Sending courses, Receiving grant, optional Condition."""
    local_id = f.rule_id(element.get("id"))
    label = f"Equivalency {local_id}"
    sending_el = _one(element, "Sending", label)
    sender = f.institution_in(sending_el.get("institution"), PROVINCE, f"{label} Sending")
    sending = _sending(sender, sending_el, label)
    receiving_el = _one(element, "Receiving", label)
    receiving = f.own_institution(receiving_el.attrib, "institution", PROVINCE,
                                  f"{label} Receiving", what="receiving institution")
    grant = receiving_el.get("grant", "").strip()
    if grant not in _GRANTS:
        raise f.Bad(f"{label}: Receiving grant is {grant!r}; expected one of "
                    f"{', '.join(_GRANTS)}")
    where = f"{label} Receiving"
    grants = f.granted_once(tuple(_grants(grant, receiving_el, where)), where)
    conditions = element.findall("Condition")
    if element.get("minimumGrade") is not None:
        # Ignored, the rule would have no minimum at all: credit the province withholds.
        raise f.Bad(f"{label}: minimumGrade belongs on <Condition minimumGrade=...>, "
                    "not on <Equivalency>")
    if len(conditions) > 1:
        raise f.Bad(f"{label}: more than one <Condition>; put minimumGrade on one")
    start = f.day(element.attrib, "effectiveFrom", label)
    end = f.day(element.attrib, "effectiveTo", label, required=False)
    f.ordered(start, end, label, "effectiveFrom", "effectiveTo")
    return f.stated(Rule(
        id=f"{PROVINCE}:{local_id}",
        version=f.version(_whole(element.get("version")), label),
        sending=sending,
        receiving_institution=receiving,
        outcome=_GRANTS[grant],
        alternatives=(grants,) if grants else (),
        min_grade=f.min_grade(conditions[0].get("minimumGrade") if conditions else None, label),
        effective_start=start,
        effective_end=end,
    ), label)


def _sending(sender: str, sending_el: Element, label: str) -> tuple[str, ...]:
    """The ``<Course code>`` children of ``<Sending>``, each a code of ``sender``."""
    courses = sending_el.findall("Course")
    if not courses:
        raise f.Bad(f"{label}: Sending must hold one or more <Course code=...>")
    ids: list[str] = []
    for i, item in enumerate(courses, 1):
        where = f"{label} Sending Course[{i}]"
        ident = f.credential_of(sender, f.text(item.attrib, "code", where), f"{where} code")
        if ident in ids:
            raise f.Bad(f"{where}: {ident} is already named by Sending Course"
                        f"[{ids.index(ident) + 1}]; name each sending course once, "
                        "not twice")
        ids.append(ident)
    return tuple(ids)


def _one(element: Element, tag: str, label: str) -> Element:
    found = element.findall(tag)
    if len(found) != 1:
        raise f.Bad(f"{label}: expected exactly one <{tag}>, found {len(found)}")
    return found[0]


def _grants(grant: str, receiving: Element, label: str) -> Iterator[Grant]:
    if grant != "course" and receiving.find("Course") is not None:
        raise f.Bad(f"{label}: grant={grant!r} names no course, but <Course> is given; "
                    "a course grant is grant=\"course\"")
    if grant == "course":
        courses = receiving.findall("Course")
        if not courses:
            raise f.Bad(f"{label}: a course grant needs one or more <Course code credits>")
        for i, item in enumerate(courses, 1):
            where = f"{label} Course[{i}]"
            code = f.code(f.text(item.attrib, "code", where) or "", f"{where} code")
            subject, level = f.subject_level_of(code)
            yield Grant(kind=GrantKind.COURSE, credits=_number(item, "credits", where),
                        code=code, subject=subject, level=level)
    elif grant == "unassigned":
        yield Grant(kind=GrantKind.UNASSIGNED, credits=_number(receiving, "credits", label),
                    subject=f.subject(receiving.attrib, "subject", label),
                    level=_level(receiving, label, required=True))
    elif grant == "block":
        yield Grant(kind=GrantKind.BLOCK, credits=_number(receiving, "credits", label),
                    program=f.text(receiving.attrib, "program", label))


def entity_key(element: Element) -> str | None:
    """The id of the record a rejected element was about, when it still reads, else None.

    The same id the good record would have had (``SK:USASK``, ``SK:SAPO:COSC 100``,
    ``SK:SKTCG-4471``); None for an unknown element, an id that does not read,
    or a record of another province (its institution, or an equivalency's
    receiving institution, reads as outside Saskatchewan): not SK's to keep.
    """
    attrib = element.attrib
    try:
        if element.tag == "Institution":
            return f.own_institution(attrib, "id", PROVINCE, "Institution")
        if element.tag == "Course":
            inst = f.own_institution(attrib, "institution", PROVINCE, "Course")
            return f.credential_of(inst, f.text(attrib, "code", "Course"), "Course code")
        if element.tag == "Equivalency":
            local_id = f.rule_id(element.get("id"))
            if any(_foreign(r.get("institution")) for r in element.findall("Receiving")):
                return None
            return f"{PROVINCE}:{local_id}"
    except (f.Bad, DomainError):
        return None
    return None


def foreign(element: Element) -> bool:
    """Whether a rejected element reads as another province's record (not SK's to keep,
    nor to hold back removals for): its institution, or a receiving one, is."""
    if element.tag == "Institution":
        return _foreign(element.get("id"))
    if element.tag == "Course":
        return _foreign(element.get("institution"))
    return element.tag == "Equivalency" and any(
        _foreign(r.get("institution")) for r in element.findall("Receiving"))


def _foreign(institution: str | None) -> bool:
    """True when ``institution`` reads as an institution outside Saskatchewan."""
    try:
        ident = f.institution_in(institution, PROVINCE, "Receiving institution")
    except (f.Bad, DomainError):
        return False   # damaged or missing, not foreign
    return not ident.startswith(f"{PROVINCE}:")


READERS: dict[str, Callable[[Element], Institution | Credential | Rule]] = {
    "Institution": institution,
    "Course": course,
    "Equivalency": equivalency,
}
