"""Reading a learner's transcript from the command line: ``--completed`` and ``--transcript``.

``REF=GRADE@DATE`` (``"BC:CAPU:ENGL 100=B+@2016-04"``) and a CSV with the header
``credential,grade,completed`` (CLI.md). Identifiers and dates are checked here
so a typo is reported with where it is before the hub is asked; grades are read
by the hub, which knows each sending institution's scale.

Each item keeps where it came from (``--completed '…'``, ``FILE line N``), so
that the hub's refusal of ``completed[212].grade`` is said as the line to fix.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from hub.api.limits import MAX_COMPLETED
from hub.domain.dates import parse_completion_date
from hub.domain.errors import DomainError
from hub.domain.identifiers import parse_printable_credential_id
from transferhub.hub.v1 import query_service_pb2 as pb

TRANSCRIPT_HEADER = ("credential", "grade", "completed")
MAX_LINE = 1 << 20
"""Characters in one line of a transcript: a row is a few dozen. The csv module reads a
whole line before it checks a field's size, so a file with no line end (``/dev/zero``, a
binary file) would otherwise be read whole into memory."""
_HUB_ITEM_RE = re.compile(r"\bcompleted\[(\d+)\](\.\w+)?")


class BadTranscript(ValueError):
    """A ``--completed`` value or transcript row that cannot be read; says where."""


def _item(credential: str, grade: str, completed: str, where: str) -> pb.CompletedCredential:
    if not credential.strip() or not grade.strip() or not completed.strip():
        raise BadTranscript(f"{where}: credential, grade and date are all required")
    try:
        credential_id = parse_printable_credential_id(credential)
        parse_completion_date(completed)
    except DomainError as exc:
        raise BadTranscript(f"{where}: {exc}") from None
    return pb.CompletedCredential(credential=credential_id, grade=grade.strip(),
                                  completed_on=completed.strip())


def source_of(text: str) -> str:
    """Where a ``--completed`` value came from, as messages say it."""
    return f"--completed {text!r}"


def parse_completed(text: str) -> pb.CompletedCredential:
    """One ``REF=GRADE@DATE`` value."""
    where = source_of(text)
    rest, at, completed = text.rpartition("@")
    credential, eq, grade = rest.rpartition("=")
    if not at or not eq or "=" in credential or "@" in rest:
        # "ENGL 100=B+=C@2016-04" is a typo, not credential 'ENGL 100=B+' graded C.
        raise BadTranscript(f"{where}: expected REF=GRADE@DATE with one '=' and one '@', "
                            "e.g. 'BC:CAPU:ENGL 100=B+@2016-04'")
    return _item(credential, grade, completed, where)


def read_transcript(path: Path, limit: int = MAX_COMPLETED
                    ) -> list[tuple[str, pb.CompletedCredential]]:
    """Every row of a transcript CSV, in file order, each with where it is (``FILE line N``).

    More than ``limit`` rows is refused at the first row past it: the hub answers
    at most that many in one query, and a file of millions is not read whole.
    """
    source = "standard input" if str(path) == "-" else str(path)
    try:
        with _opened(path) as handle:
            reader = csv.DictReader(_lines(handle, source))
            # "Credential, Grade, Completed" (a spreadsheet's export) is the same header:
            # the rows are read by the names as checked, not as written. The columns are
            # found by name, in any order, beside any others a student system exports.
            header = [name.strip().lower() for name in reader.fieldnames or ()]
            if any(header.count(name) != 1 for name in TRANSCRIPT_HEADER):
                raise BadTranscript(f"{source}: the header must name "
                                    f"{','.join(TRANSCRIPT_HEADER)} once each, not "
                                    f"{','.join(header)!r}")
            reader.fieldnames = header
            # More fields than the header names: a comma left unquoted. Past the three
            # columns it is harmless (a note "from Capilano, really") and tolerated; in a
            # column before one of them, it moved that one's value, which is refused.
            named = [header.index(name) for name in TRANSCRIPT_HEADER]
            shifted = any(i < max(named) for i, name in enumerate(header)
                          if name not in TRANSCRIPT_HEADER)
            items = []
            for row in reader:
                if _blank(row):  # "   " or ",,": a spreadsheet's empty row, not an item
                    continue
                where = f"{source} line {reader.line_num}"
                if None in row and shifted:
                    raise BadTranscript(
                        f"{where}: {len(header) + len(row[None])} fields, but the header "
                        f"names {len(header)}; a value holding a comma must be quoted")
                if len(items) == limit:
                    raise BadTranscript(f"{where}: one row too many; one query answers at most "
                                        f"{MAX_COMPLETED} completed items (--completed and "
                                        "--transcript together)")
                items.append((where, _item(row.get("credential") or "", row.get("grade") or "",
                                           row.get("completed") or "", where)))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BadTranscript(f"{source}: cannot be read ({exc})") from None
    if not items:
        raise BadTranscript(f"{source}: has a header but no rows; "
                            "a transcript lists at least one completed credential")
    return items


def _lines(handle: IO[str], source: str) -> Iterator[str]:
    """The lines of ``handle``, each refused once longer than :data:`MAX_LINE`."""
    number = 0
    while line := handle.readline(MAX_LINE + 1):
        number += 1
        if len(line) > MAX_LINE:
            raise BadTranscript(f"{source} line {number}: longer than {MAX_LINE:,} characters, "
                                "not a transcript row (is it the right file?)")
        yield line


def _opened(path: Path) -> IO[str]:
    """The transcript's text: the file, or standard input for ``-`` (as UTF-8 whatever the
    locale, like a file)."""
    if str(path) != "-":
        return path.open(newline="", encoding="utf-8-sig")
    if sys.stdin is None:
        raise OSError("standard input is closed")
    return open(sys.stdin.fileno(), encoding="utf-8-sig", newline="", closefd=False)


def _blank(row: dict[str, object]) -> bool:
    values = [v for value in row.values()
              for v in (value if isinstance(value, list) else [value])]
    return not any(isinstance(v, str) and v.strip() for v in values)


def in_cli_terms(message: str, sources: Sequence[str]) -> str:
    """The hub's message with each ``completed[i]`` it names said as where item i came from.

    ``completed[3].grade: …`` becomes ``FILE line 5 (completed[3].grade): …``; the
    field stays for whoever reads the hub's logs.
    """
    def where(match: re.Match[str]) -> str:
        index = int(match[1])
        if index >= len(sources):
            return match[0]
        return f"{sources[index]} ({match[0]})" if match[2] else sources[index]

    return _HUB_ITEM_RE.sub(where, message)
