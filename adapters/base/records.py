"""What a province's reader yields: canonical records (the hub's domain types) or rejections.

Each province's parser turns its own export into ``hub.domain.model``
``Institution``, ``Credential`` and ``Rule`` objects with fully qualified ids
(``BC:UBCV``, ``BC:CAPU:ENGL 100``, ``BC:88213``), and a :class:`Rejection`
for every record it cannot read, so that one bad record never costs the good
ones. Institutions and credentials carry ``version=0``: provinces do not
version them, so the snapshot differ assigns the adapter's own (the run's
clock, see ``adapters.base.snapshot``). Rules carry the province's own version.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hub.domain.model import Credential, Institution, Rule

Record = Institution | Credential | Rule


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record that was not published: where it is and a reason a person can act on.

    ``where`` is ``line 14`` (CSV, JSON Lines) or an XML element path
    (``/TransferCreditGuide/Equivalency[12]``), as CLI.md's report shows it;
    ``file`` names the file of an export that is a folder (BC's
    ``equivalencies.csv``), and :attr:`place` joins the two for people.
    ``reason`` says what is wrong without repeating the record's id, which is
    ``entity_key``.
    ``entity_key`` is the fully qualified id of the institution, credential or
    rule the record was about (``BC:88213``, ``ON:HUMB:MC-DA-01``) when the
    reader could still read it, exactly as the good record would have had it;
    None when it could not, and always None for a record of another province.
    ``implied_keys`` are further entities that exist in the export only through
    that record (BC's sending courses, known only from the rows naming them).
    A snapshot keeps the last version published under these keys instead of
    removing it (adapters.base.snapshot).
    ``cut_short`` marks the file's last line when it stops part-way through a
    record (:data:`CUT_SHORT`): the run then removes nothing.
    ``unidentified`` marks a record that may be one of the province's own whose id no
    longer reads (a line that is not JSON, a CSV row with a stray quote, an
    ``<Equivalency>`` without ``id``, a misspelt element): it could be any record
    absent from the export, so the run removes nothing either. Before, its record
    looked deleted and was retired or revoked: a damaged line removed credit (a
    black-box tester). A record of another province is not unidentified, nor a line
    or element that names no record (no record kind, id, code or institution).
    """

    where: str
    reason: str
    entity_key: str | None = None
    implied_keys: tuple[str, ...] = ()
    file: str | None = None
    cut_short: bool = False
    unidentified: bool = False

    @property
    def place(self) -> str:
        """Where it is, for people: ``equivalencies.csv line 14``, ``line 14``, an XML path."""
        return f"{self.file} {self.where}" if self.file else self.where


class ExportUnreadable(Exception):
    """Nothing could be read at all: an empty, unreadable or hostile file (exit 2)."""


_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def not_readable_as(path: Path, *, folder: bool = False) -> str | None:
    """Why ``path`` is not the regular file (a folder with ``folder``) an export is, or None.

    Looked at before anything opens it: opening a named pipe blocks until
    something writes to it (a run would hang until killed), and a device may
    never end. Each reader puts the words after the path in its ``ExportUnreadable``.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "no such folder" if folder else "no such file"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISDIR(mode):
        return None if folder else "is a folder, not a file"
    if stat.S_ISREG(mode):
        return "is a file, not a folder" if folder else None
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return f"is {kind}, not a {'folder' if folder else 'regular file'}"


class ExportCutShort(ExportUnreadable):
    """The export is whole up to its end, but ends before its document does (an XML feed
    whose root element is never closed): most likely still being written. Unreadable
    as a whole (exit 2); a watcher leaves it in place to be read again once it changes."""


CUT_SHORT = ("the file ends part-way through this record (no end of line): the export "
             "looks cut short, so nothing was retired or revoked this run; send the whole "
             "export again")
"""Added to the reason of a last line that has no end of line and does not read.

A file copied or downloaded part-way ends mid-record. Taken as a snapshot, every
record after the cut would look deleted and be retired or revoked; so such a
rejection is marked ``cut_short`` and the run withholds its removals. The line
is still one rejection among the others (the run exits 0, having published
what read). A last line without an end of line that reads whole is an
ordinary export.
"""


Place = int | str | None
"""Where a record is in its export, for a rejection the differ may give it: a line
number (of the reader's ``places_file`` when its export is a folder: BC's
``equivalencies.csv``), an XML element path, or None (unknown). A number, not
``line N`` text: it travels with every record, from a worker process too."""


class ExportReader(Protocol):
    """A province's parser: one export in, records and rejections out, in file order.

    A reader may also offer ``read_placed(path)``, the same items each with its
    :data:`Place` (None for a rejection, which names its own), so that a
    record the differ refuses (a changed rule at the same version) is named
    by its line or path rather than by its id; and ``places_file``, the file
    its line numbers are in when its export is a folder.
    """

    province: str

    def read(self, path: Path) -> Iterator[Record | Rejection]:
        """Stream the export at ``path``; raise ``ExportUnreadable`` when nothing can be read."""
