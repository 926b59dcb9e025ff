"""Ontario's JSON Lines export (FORMATS.md) read into canonical records.

One JSON object a line; blank lines and ``//`` lines are skipped. Every line
is checked field by field; a line that fails becomes one ``Rejection`` at
``line N`` naming the field and what would fix it, and the file goes on. A
line that is still a JSON object names the entity it was about
(:func:`entity_key`) when that reads, so its last good version is kept.

Errors of this module:

    ExportUnreadable    (adapters.base.records) the file is missing, not a
                        file, binary, or yielded no record at all
    _Bad                private: one line's fault, turned into a Rejection

Choices a registrar would make, where FORMATS.md is silent:

- Unknown keys are ignored, so that the province can add fields without
  breaking the adapter; known keys are checked strictly.
- A file in which no line could be read raises ``ExportUnreadable`` after its
  rejections: an export that yields no record must never be taken for an
  empty snapshot (that would retire every Ontario record).
- A file cut short: when its last line has no end of line and is not whole
  JSON, its rejection is marked ``cut_short`` and the run removes nothing, so
  that the records after the cut are not taken for deleted
  (:data:`adapters.base.records.CUT_SHORT`).
- ``effective_start`` is required, ``effective_end`` may be ``null`` (open).
- A UTF-8 byte order mark at the start of the file is UTF-8 all the same.
- An entity written twice (the same institution, credential or equivalency
  id) is read from its first line; the later line is rejected at its own
  place, naming the first, as the BC reader does.
- A course grant's subject and level come from its code when it reads as
  ``SUBJ 1234`` (``EECS 1015`` → EECS, 1); entries may also give them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from adapters.base import fields as f
from adapters.base.records import CUT_SHORT, ExportUnreadable, Record, Rejection
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
MAX_LINE_BYTES = 1 << 20  # no real line comes near 1 MiB; a longer one is damage
# FORMATS.md lists the first four; ``assessment`` (MODEL.md's fifth grant kind, "Individual
# assessment") is read too, so that an Ontario rule can say what BC's text can.
_GRANTS = ("course", "unassigned", "block", "no_credit", "assessment")
_KINDS = {Institution: "institution", Credential: "credential", Rule: "equivalency"}


class OntarioReader:
    """Reads an Ontario JSON Lines export into records and rejections, line by line."""

    province = PROVINCE

    def read(self, path: Path) -> Iterator[Record | Rejection]:
        """Stream the export at ``path``; raise ``ExportUnreadable`` when nothing can be read."""
        for _, item in self.read_placed(path):
            yield item

    def read_placed(self, path: Path) -> Iterator[tuple[int | None, Record | Rejection]]:
        """:meth:`read`'s items, each record with its line number (None for a rejection)."""
        stream = _open(Path(path))
        records = 0
        content_lines = 0
        seen: dict[tuple[type, str], int] = {}  # each entity's first line
        with stream:
            for number, raw in _lines(stream):
                text = raw.strip()
                if not text or text.startswith(b"//"):
                    continue
                content_lines += 1
                where = f"line {number}"
                if len(raw) > MAX_LINE_BYTES:
                    yield None, Rejection(where, f"line is longer than {MAX_LINE_BYTES} "
                                                 "bytes; split it into one record a line")
                    continue
                try:
                    obj = _decode(text)
                except f.Bad as exc:
                    if raw.endswith(b"\n"):
                        yield None, Rejection(where, str(exc))
                    else:   # the last line, and a record stops part-way
                        yield None, Rejection(where, f"{exc}; {CUT_SHORT}", cut_short=True)
                    continue
                try:
                    record = _record(obj)
                except (f.Bad, DomainError) as exc:
                    yield None, Rejection(where, str(exc), entity_key(obj))
                    continue
                first = seen.setdefault((type(record), record.id), number)
                if first != number:
                    yield None, Rejection(where, f"{_KINDS[type(record)]} {record.id} is "
                                                 f"already on line {first}; only the first is "
                                                 "used", record.id)
                    continue
                records += 1
                yield number, record
        if records == 0:
            what = "has no records" if content_lines == 0 else (
                f"has no readable record (all {content_lines} lines were rejected)")
            raise ExportUnreadable(f"{path}: the Ontario export {what}")


def _open(path: Path) -> BinaryIO:
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "no such file"
        raise ExportUnreadable(f"{path}: {what} (expected an Ontario .jsonl export)")
    try:
        stream = path.open("rb")
        head = stream.read(4096)
    except OSError as exc:
        raise ExportUnreadable(f"{path}: cannot be read ({exc.strerror})") from None
    if b"\x00" in head:
        stream.close()
        raise ExportUnreadable(f"{path}: is a binary file, not UTF-8 JSON Lines")
    stream.seek(0)
    return stream


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Lines with their 1-based numbers; an over-long line is cut and its rest skipped."""
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")   # a UTF-8 byte order mark (Windows tools)
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass  # skip the rest of a hostile line without holding it
        yield number, raw


class _RepeatedKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are all distinct: ``{"version": 1, "version": 2}`` says two
    things, and parsers disagree on which one counts (Python's takes the last)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return obj


def _decode(text: bytes) -> dict[str, Any]:
    try:
        obj = json.loads(text.decode("utf-8"), parse_constant=_no_constant,
                         object_pairs_hook=_unique_keys)
    except _RepeatedKey as exc:
        raise f.Bad(f"key {exc.args[0]!r} appears twice in one object; keep the one "
                    "that is meant") from None
    except UnicodeDecodeError as exc:
        raise f.Bad(f"not UTF-8 text (byte {exc.start + 1}); save the export as UTF-8") from None
    except json.JSONDecodeError as exc:
        raise f.Bad(f"not a JSON object: {exc.msg} at column {exc.colno}") from None
    except (RecursionError, ValueError) as exc:
        raise f.Bad(f"not a JSON object: {exc}"[:200]) from None
    if not isinstance(obj, dict):
        raise f.Bad(f"a line must be one JSON object, got a JSON {type(obj).__name__}")
    if b"\\u" in text:   # only an escape can give a lone surrogate, which no event can carry
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise f.Bad(f"the escape \\u{ord(exc.object[exc.start]):04x} is half of a UTF-16 "
                        "pair, not Unicode text; write the character itself") from None
    return obj


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


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


def _foreign(institution: Any) -> bool:
    """True when ``institution`` reads as an institution outside Ontario."""
    try:
        ident = f.institution_in(institution, PROVINCE, "to.institution")
    except (f.Bad, DomainError):
        return False   # damaged, not foreign
    return not ident.startswith(f"{PROVINCE}:")


def _record(obj: dict[str, Any]) -> Record:
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
        stacks_into=tuple(_stack_links(obj.get("stacks_into"), institution, label)),
        competencies=f.strings(obj, "competencies", label),
        valid_from=valid_from,
        valid_to=valid_to,
        version=0,
    )


def _stack_links(value: Any, institution: str, label: str) -> Iterator[StackLink]:
    for i, item in enumerate(f.list_of_objects(value, "stacks_into", label)):
        where = f"stacks_into[{i}]"
        code = f.text(item, "code", f"{label}: {where}")
        target = f.reference(code, institution, f"{label}: {where}.code")
        yield StackLink(target=target, value=f.number(item, "value", f"{label}: {where}"))


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
    grants = tuple(_grants(grant, to, f"{label}: to"))
    start = f.day(obj, "effective_start", label)
    end = f.day(obj, "effective_end", label, required=False)
    f.ordered(start, end, label, "effective_start", "effective_end")
    return Rule(
        id=f"{PROVINCE}:{local_id}",
        version=version,
        sending=sending,
        receiving_institution=receiving,
        outcome=GrantKind(grant),
        alternatives=(grants,) if grants else (),
        min_grade=f.min_grade(obj.get("min_grade"), label),
        effective_start=start,
        effective_end=end,
    )


def _grants(grant: str, to: dict[str, Any], label: str) -> Iterator[Grant]:
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
