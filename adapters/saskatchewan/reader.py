"""Saskatchewan's XML transfer credit guide feed (FORMATS.md) read as a stream.

The feed is parsed with expat, 64 KiB at a time, with handlers that build one
child of ``<TransferCreditGuide>`` at a time (C-speed elements, no tree kept):
when its end tag arrives it is turned into a record or a ``Rejection`` at its
path (``/TransferCreditGuide/Equivalency[12]``, the index counting that element
name among its siblings, from 1) and dropped, so memory stays constant
whatever the feed's size. A DOCTYPE, entity declaration or external entity
stops the parse at the declaration itself, before any record is read
(expat's DOCTYPE handler fires first; parameter entities are never parsed).

Errors of this module:

    ExportUnreadable    (adapters.base.records) missing, empty, not XML, not a
                        TransferCreditGuide of SK, hostile (DOCTYPE or entity
                        declarations, refused before any record is read; a tag
                        or comment over MAX_MARKUP_BYTES),
                        broken off part-way, or no readable record at all;
                        ExportCutShort when the file ends before the root
                        element does
    fields.Bad          private to a record: turned into a Rejection

Choices a registrar would make, where FORMATS.md is silent:

- A feed that stops being well-formed part-way is unreadable as a whole, after
  the records before the break: a cut-short snapshot must never be taken for
  a complete one (that would retire every record after the break). The error
  names the break by line, column and element path (``inside`` the root child
  left open, or ``after`` the last one read).
- Unknown attributes are ignored; unknown child elements of the root are
  rejected so that a misspelt ``<Equivalence>`` does not vanish silently.
- ``effectiveFrom`` is required; an empty or absent ``effectiveTo`` is open.
- No piece of markup (a tag, comment or processing instruction) may run over
  :data:`MAX_MARKUP_BYTES` (1 MiB, the other adapters' line cap): expat holds
  an unfinished one whole and parses it again with every chunk, so a 40 MB
  attribute took 16 s and 300 MB, and 200 MB never ended. After each chunk the
  bytes expat still holds are counted; past the cap the feed is hostile or
  broken, refused as a whole at the byte offset and line the markup starts on.
  (Text between elements is not held: expat passes it on as it comes.)
- An attribute value longer than :data:`MAX_ATTRIBUTE` characters (the other
  adapters' field cap, the csv module's field limit) rejects its root child at
  its path; the feed goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, SubElement
from xml.parsers import expat

from adapters.base.fields import Bad
from adapters.base.records import (
    ExportCutShort,
    ExportUnreadable,
    Record,
    Rejection,
    not_readable_as,
)
from adapters.saskatchewan import elements
from hub.domain.errors import DomainError

PROVINCE = "SK"
ROOT = "TransferCreditGuide"
CHUNK_BYTES = 1 << 16
MAX_DEPTH = 6  # the feed nests four deep; deeper is damage or an attack
MAX_ELEMENTS_PER_RECORD = 10_000  # bounds the memory one record may take
MAX_MARKUP_BYTES = 1 << 20  # one tag, comment or instruction; no real one nears 1 KiB
MAX_ATTRIBUTE = 128 * 1024  # characters of one attribute value


class SaskatchewanReader:
    """Reads a Saskatchewan XML feed into records and rejections, element by element."""

    province = PROVINCE

    def generated(self, path: Path) -> datetime | None:
        """When the province generated the feed (its root's ``generated``), if it says."""
        return generated(path)

    def read(self, path: Path) -> Iterator[Record | Rejection]:
        """Stream the feed at ``path``; raise ``ExportUnreadable`` when nothing can be read."""
        for _, item in self.read_placed(path):
            yield item

    def read_placed(self, path: Path) -> Iterator[tuple[str | None, Record | Rejection]]:
        """:meth:`read`'s items, each record with its element path (None for a rejection)."""
        path = Path(path)
        problem = not_readable_as(path)
        if problem:
            raise ExportUnreadable(f"{path}: {problem} (expected a Saskatchewan XML feed)")
        if path.stat().st_size == 0:
            raise ExportUnreadable(f"{path}: the Saskatchewan feed is empty")
        records = 0
        for placed in self._items(path):
            if not isinstance(placed[1], Rejection):
                records += 1
            yield placed
        if records == 0:
            raise ExportUnreadable(f"{path}: the Saskatchewan feed has no readable record")

    def _items(self, path: Path) -> Iterator[tuple[str | None, Record | Rejection]]:
        builder = _Builder(path)
        ended = False
        try:
            with path.open("rb") as stream:
                fed = 0
                while chunk := stream.read(CHUNK_BYTES):
                    # Only a tag begun over a chunk before this one can hold an over-long
                    # attribute: the others are not looked into (the hot path stays as it was).
                    held = fed - builder.parser.CurrentByteIndex
                    builder.parser.StartElementHandler = (
                        builder.start_checked if held > MAX_ATTRIBUTE - CHUNK_BYTES
                        else builder.start)
                    builder.parser.Parse(chunk, False)
                    fed += len(chunk)
                    yield from builder.drain()
                    _check_unfinished(path, builder, fed)
                ended = True
                builder.parser.Parse(b"", True)
                yield from builder.drain()
        except expat.ExpatError as exc:
            # Well-formed up to the end of the file, with the root still open: cut short.
            cut = ended and bool(builder.stack)
            raise (ExportCutShort if cut else ExportUnreadable)(
                f"{path}: not well-formed XML at line {exc.lineno}, column {exc.offset}, "
                f"{builder.place()}: {expat.ErrorString(exc.code)}; the feed is "
                + ("cut short (it ends before </TransferCreditGuide>)" if cut
                   else "cut short or damaged")) from None
        except OSError as exc:
            raise ExportUnreadable(f"{path}: cannot be read ({exc.strerror})") from None


def _guarded(refuse: Callable[..., None]) -> Any:
    """An expat parser that never parses parameter entities and calls ``refuse`` at a
    DOCTYPE, an entity declaration or an external entity, before anything is built."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    return parser


class _Root(Exception):
    """The root's attributes, found: the parse stops there."""

    def __init__(self, attrib: dict[str, str]) -> None:
        self.attrib = attrib


def _stop_at_root(_tag: str, attrib: dict[str, str]) -> None:
    raise _Root(attrib)


SASKATCHEWAN_TIME = timezone(timedelta(hours=-6), "CST")
"""Saskatchewan's clock: UTC-6 all year (the province keeps no daylight saving time)."""


def generated(path: Path) -> datetime | None:
    """The root's ``generated`` time; None when the feed has none, or it does not read
    (the read itself then says what is wrong with the file).

    A time without a zone is the province's own clock (:data:`SASKATCHEWAN_TIME`), as a
    feed written by a Saskatchewan system means it, not UTC: read as UTC, a zoneless
    feed after one with ``Z`` was compared six hours off.

    Read apart from the records, from the first bytes, by a parser that refuses what the
    reader refuses (a DOCTYPE, entities) and stops at the root's start tag.
    """
    parser = _guarded(_refuse_quietly)
    parser.StartElementHandler = _stop_at_root
    try:
        with Path(path).open("rb") as stream:
            for _ in range(MAX_MARKUP_BYTES // CHUNK_BYTES + 1):
                chunk = stream.read(CHUNK_BYTES)
                if not chunk:
                    return None
                parser.Parse(chunk, False)
    except _Root as root:
        text = root.attrib.get("generated", "").strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=SASKATCHEWAN_TIME)
    except (expat.ExpatError, OSError, ValueError):
        return None
    return None


def _refuse_quietly(*_: object) -> None:
    raise ValueError("a DOCTYPE or entity")


def _check_unfinished(path: Path, builder: _Builder, fed: int) -> None:
    """Refuse the feed when expat holds over :data:`MAX_MARKUP_BYTES` of unfinished markup.

    Between chunks, expat's current byte index is where the markup it has not
    finished starts (text is passed on as it comes, so it is never held).
    """
    parser = builder.parser
    start = parser.CurrentByteIndex
    if fed - start > MAX_MARKUP_BYTES:
        raise ExportUnreadable(
            f"{path}: refused: markup starting at byte {start:,} (line {parser.CurrentLineNumber}"
            f", {builder.place()}) runs over {MAX_MARKUP_BYTES:,} bytes without ending; no tag "
            "of the feed nears that, so the file is hostile or broken")


class _Builder:
    """Expat handlers building one root child at a time; a DOCTYPE stops the parse at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stack: list[Element] = []
        self.counts: dict[str, int] = {}
        self.inside = 0
        self.last = ""  # the path of the last root child read
        self.too_long = ""  # why the open root child is rejected: an over-long attribute
        self.done: list[tuple[str | None, Record | Rejection]] = []
        parser = _guarded(self._refuse)
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self._end
        parser.buffer_text = True
        self.parser = parser

    def place(self) -> str:
        """Where the parse is, by element path: ``inside …`` an open element, else ``after …``."""
        if len(self.stack) > 1:
            tag = self.stack[1].tag
            return f"inside /{ROOT}/{tag}[{self.counts.get(tag, 0) + 1}]"
        if self.last:
            return f"after {self.last}"
        return f"inside /{ROOT}" if self.stack else f"before <{ROOT}>"

    def drain(self) -> list[tuple[str | None, Record | Rejection]]:
        done, self.done = self.done, []
        return done

    def _refuse(self, *_: object) -> None:
        raise ExportUnreadable(f"{self.path}: refused: the feed declares a DOCTYPE or entities; "
                               "the feed never has them, so the file is hostile or broken")

    def start_checked(self, tag: str, attrib: dict[str, str]) -> None:
        """:meth:`start`, noting an attribute over :data:`MAX_ATTRIBUTE` characters."""
        for name, value in attrib.items():
            if len(value) > MAX_ATTRIBUTE and len(self.stack) > 0 and not self.too_long:
                self.too_long = (f"<{tag}> attribute {name} is {len(value):,} characters "
                                 f"long, more than the {MAX_ATTRIBUTE:,} allowed")
        self.start(tag, attrib)

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        """A start tag: the root is checked, a root child begun, a nested element added."""
        depth = len(self.stack)
        if depth == 0:
            _check_root(self.path, tag, attrib)
            self.stack.append(Element(tag))
            return
        if depth >= MAX_DEPTH:
            raise ExportUnreadable(f"{self.path}: elements nest deeper than {MAX_DEPTH} levels; "
                                   "this is not a transfer credit guide")
        self.inside += 1
        if self.inside > MAX_ELEMENTS_PER_RECORD:
            raise ExportUnreadable(f"{self.path}: one record holds over "
                                   f"{MAX_ELEMENTS_PER_RECORD} elements")
        element = Element(tag, attrib) if depth == 1 else SubElement(self.stack[-1], tag, attrib)
        self.stack.append(element)

    def _end(self, tag: str) -> None:
        element = self.stack.pop()
        if len(self.stack) != 1:
            if not self.stack:
                self.last = f"</{ROOT}>"
            return
        self.counts[tag] = self.counts.get(tag, 0) + 1
        self.last = f"/{ROOT}/{tag}[{self.counts[tag]}]"
        item = _read(element, self.last, self.too_long)
        self.done.append((None if isinstance(item, Rejection) else self.last, item))
        self.inside = 0
        self.too_long = ""


def _check_root(path: Path, tag: str, attrib: dict[str, str]) -> None:
    if tag != ROOT:
        raise ExportUnreadable(f"{path}: the root element is <{tag}>, expected <{ROOT}>")
    province = attrib.get("province", PROVINCE).strip().upper()
    if province != PROVINCE:
        raise ExportUnreadable(f"{path}: the feed is for province {province!r}; the Saskatchewan "
                               "adapter reads only SK feeds")


_IDENTIFYING = ("id", "institution", "code")


def _read(element: Element, where: str, too_long: str = "") -> Record | Rejection:
    reader = elements.READERS.get(element.tag)
    if reader is None:
        return Rejection(where, f"unknown element <{element.tag}>; expected Institution, "
                                "Course or Equivalency",
                         # a misspelt record (it names one) may be any absent one
                         unidentified=any(a in element.attrib for a in _IDENTIFYING))
    try:
        if too_long:
            raise Bad(too_long)
        return reader(element)
    except (Bad, DomainError) as exc:
        key = elements.entity_key(element)
        return Rejection(where, str(exc), key,
                         unidentified=key is None and not elements.foreign(element))
