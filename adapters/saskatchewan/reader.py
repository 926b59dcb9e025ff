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
                        declarations, refused before any record is read),
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
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement
from xml.parsers import expat

from adapters.base.fields import Bad
from adapters.base.records import ExportCutShort, ExportUnreadable, Record, Rejection
from adapters.saskatchewan import elements
from hub.domain.errors import DomainError

PROVINCE = "SK"
ROOT = "TransferCreditGuide"
CHUNK_BYTES = 1 << 16
MAX_DEPTH = 6  # the feed nests four deep; deeper is damage or an attack
MAX_ELEMENTS_PER_RECORD = 10_000  # bounds the memory one record may take


class SaskatchewanReader:
    """Reads a Saskatchewan XML feed into records and rejections, element by element."""

    province = PROVINCE

    def read(self, path: Path) -> Iterator[Record | Rejection]:
        """Stream the feed at ``path``; raise ``ExportUnreadable`` when nothing can be read."""
        for _, item in self.read_placed(path):
            yield item

    def read_placed(self, path: Path) -> Iterator[tuple[str | None, Record | Rejection]]:
        """:meth:`read`'s items, each record with its element path (None for a rejection)."""
        path = Path(path)
        if not path.is_file():
            what = "is a folder, not a file" if path.is_dir() else "no such file"
            raise ExportUnreadable(f"{path}: {what} (expected a Saskatchewan XML feed)")
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
                while chunk := stream.read(CHUNK_BYTES):
                    builder.parser.Parse(chunk, False)
                    yield from builder.drain()
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


class _Builder:
    """Expat handlers building one root child at a time; a DOCTYPE stops the parse at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stack: list[Element] = []
        self.counts: dict[str, int] = {}
        self.inside = 0
        self.last = ""  # the path of the last root child read
        self.done: list[tuple[str | None, Record | Rejection]] = []
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._refuse
        parser.EntityDeclHandler = self._refuse
        parser.ExternalEntityRefHandler = self._refuse
        parser.StartElementHandler = self._start
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

    def _start(self, tag: str, attrib: dict[str, str]) -> None:
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
        item = _read(element, self.last)
        self.done.append((None if isinstance(item, Rejection) else self.last, item))
        self.inside = 0


def _check_root(path: Path, tag: str, attrib: dict[str, str]) -> None:
    if tag != ROOT:
        raise ExportUnreadable(f"{path}: the root element is <{tag}>, expected <{ROOT}>")
    province = attrib.get("province", PROVINCE).strip().upper()
    if province != PROVINCE:
        raise ExportUnreadable(f"{path}: the feed is for province {province!r}; the Saskatchewan "
                               "adapter reads only SK feeds")


_IDENTIFYING = ("id", "institution", "code")


def _read(element: Element, where: str) -> Record | Rejection:
    reader = elements.READERS.get(element.tag)
    if reader is None:
        return Rejection(where, f"unknown element <{element.tag}>; expected Institution, "
                                "Course or Equivalency",
                         # a misspelt record (it names one) may be any absent one
                         unidentified=any(a in element.attrib for a in _IDENTIFYING))
    try:
        return reader(element)
    except (Bad, DomainError) as exc:
        key = elements.entity_key(element)
        return Rejection(where, str(exc), key,
                         unidentified=key is None and not elements.foreign(element))
