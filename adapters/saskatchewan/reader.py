"""Saskatchewan's XML transfer credit guide feed (FORMATS.md) read as a stream.

The feed is parsed with ``defusedxml``'s ``iterparse``: each child of
``<TransferCreditGuide>`` is read when its end tag arrives, turned into a
record or a ``Rejection`` at its path (``/TransferCreditGuide/Equivalency[12]``,
the index counting that element name among its siblings, from 1), and then
cleared, so memory stays constant whatever the feed's size.

Errors of this module:

    ExportUnreadable    (adapters.base.records) missing, empty, not XML, not a
                        TransferCreditGuide of SK, hostile (DOCTYPE or entity
                        declarations, refused before any record is read),
                        broken off part-way, or no readable record at all
    fields.Bad          private to a record: turned into a Rejection

Choices a registrar would make, where FORMATS.md is silent:

- A feed that stops being well-formed part-way is unreadable as a whole, after
  the records before the break: a cut-short snapshot must never be taken for
  a complete one (that would retire every record after the break).
- Unknown attributes are ignored; unknown child elements of the root are
  rejected so that a misspelt ``<Equivalence>`` does not vanish silently.
- ``effectiveFrom`` is required; an empty or absent ``effectiveTo`` is open.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from adapters.base.fields import Bad
from adapters.base.records import ExportUnreadable, Record, Rejection
from adapters.saskatchewan import elements
from hub.domain.errors import DomainError

PROVINCE = "SK"
ROOT = "TransferCreditGuide"
MAX_DEPTH = 6  # the feed nests four deep; deeper is damage or an attack
MAX_ELEMENTS_PER_RECORD = 10_000  # bounds the memory one record may take


class SaskatchewanReader:
    """Reads a Saskatchewan XML feed into records and rejections, element by element."""

    province = PROVINCE

    def read(self, path: Path) -> Iterator[Record | Rejection]:
        """Stream the feed at ``path``; raise ``ExportUnreadable`` when nothing can be read."""
        path = Path(path)
        if not path.is_file():
            raise ExportUnreadable(f"{path}: no such file (expected a Saskatchewan XML feed)")
        if path.stat().st_size == 0:
            raise ExportUnreadable(f"{path}: the Saskatchewan feed is empty")
        records = 0
        for item in self._items(path):
            if not isinstance(item, Rejection):
                records += 1
            yield item
        if records == 0:
            raise ExportUnreadable(f"{path}: the Saskatchewan feed has no readable record")

    def _items(self, path: Path) -> Iterator[Record | Rejection]:
        counts: dict[str, int] = {}
        depth = 0
        inside = 0
        root: Element | None = None
        try:
            for event, element in iterparse(str(path), events=("start", "end"),
                                            forbid_dtd=True, forbid_entities=True,
                                            forbid_external=True):
                if event == "start":
                    depth += 1
                    if depth == 1:
                        root = element
                        _check_root(path, element)
                    elif depth > MAX_DEPTH:
                        raise ExportUnreadable(f"{path}: elements nest deeper than {MAX_DEPTH} "
                                               "levels; this is not a transfer credit guide")
                    inside += 1
                    if inside > MAX_ELEMENTS_PER_RECORD:
                        raise ExportUnreadable(f"{path}: one record holds over "
                                               f"{MAX_ELEMENTS_PER_RECORD} elements")
                    continue
                depth -= 1
                if depth != 1 or root is None:
                    continue
                counts[element.tag] = counts.get(element.tag, 0) + 1
                where = f"/{ROOT}/{element.tag}[{counts[element.tag]}]"
                yield _read(element, where)
                inside = 0
                root.clear()  # drop what was read: memory stays constant
        except DefusedXmlException as exc:
            raise ExportUnreadable(f"{path}: refused: the feed declares a DOCTYPE or entities "
                                   f"({exc.__class__.__name__}); the feed never has them, "
                                   "so the file is hostile or broken") from None
        except ParseError as exc:
            line, column = exc.position
            raise ExportUnreadable(f"{path}: not well-formed XML at line {line}, column "
                                   f"{column}; the feed is cut short or damaged") from None
        except OSError as exc:
            raise ExportUnreadable(f"{path}: cannot be read ({exc.strerror})") from None


def _check_root(path: Path, root: Element) -> None:
    if root.tag != ROOT:
        raise ExportUnreadable(f"{path}: the root element is <{root.tag}>, expected <{ROOT}>")
    province = root.get("province", PROVINCE).strip().upper()
    if province != PROVINCE:
        raise ExportUnreadable(f"{path}: the feed is for province {province!r}; the Saskatchewan "
                               "adapter reads only SK feeds")


def _read(element: Element, where: str) -> Record | Rejection:
    reader = elements.READERS.get(element.tag)
    if reader is None:
        return Rejection(where, f"unknown element <{element.tag}>; expected Institution, "
                                "Course or Equivalency")
    try:
        return reader(element)
    except (Bad, DomainError) as exc:
        return Rejection(where, str(exc))
