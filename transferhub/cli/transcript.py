"""Reading a learner's transcript from the command line: ``--completed`` and ``--transcript``.

``REF=GRADE@DATE`` (``"BC:CAPU:ENGL 100=B+@2016-04"``) and a CSV with the header
``credential,grade,completed`` (CLI.md). Identifiers and dates are checked here
so a typo is reported with where it is before the hub is asked; grades are read
by the hub, which knows each sending institution's scale.
"""

from __future__ import annotations

import csv
from pathlib import Path

from hub.domain.dates import parse_completion_date
from hub.domain.errors import DomainError
from hub.domain.identifiers import parse_credential_id
from transferhub.hub.v1 import query_service_pb2 as pb

TRANSCRIPT_HEADER = ("credential", "grade", "completed")


class BadTranscript(ValueError):
    """A ``--completed`` value or transcript row that cannot be read; says where."""


def _item(credential: str, grade: str, completed: str, where: str) -> pb.CompletedCredential:
    if not credential.strip() or not grade.strip() or not completed.strip():
        raise BadTranscript(f"{where}: credential, grade and date are all required")
    try:
        credential_id = parse_credential_id(credential)
        parse_completion_date(completed)
    except DomainError as exc:
        raise BadTranscript(f"{where}: {exc}") from None
    return pb.CompletedCredential(credential=credential_id, grade=grade.strip(),
                                  completed_on=completed.strip())


def parse_completed(text: str) -> pb.CompletedCredential:
    """One ``REF=GRADE@DATE`` value."""
    where = f"--completed {text!r}"
    rest, at, completed = text.rpartition("@")
    credential, eq, grade = rest.rpartition("=")
    if not at or not eq:
        raise BadTranscript(f"{where}: expected REF=GRADE@DATE, e.g. "
                            "'BC:CAPU:ENGL 100=B+@2016-04'")
    return _item(credential, grade, completed, where)


def read_transcript(path: Path) -> list[pb.CompletedCredential]:
    """Every row of a transcript CSV, in file order."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            # "Credential, Grade, Completed" (a spreadsheet's export) is the same header:
            # the rows are read by the names as checked, not as written.
            header = [name.strip().lower() for name in reader.fieldnames or ()]
            if tuple(header[:3]) != TRANSCRIPT_HEADER:
                raise BadTranscript(f"{path}: the header must be "
                                    f"{','.join(TRANSCRIPT_HEADER)}, not {','.join(header)!r}")
            reader.fieldnames = header
            items = [
                _item(row.get("credential") or "", row.get("grade") or "",
                      row.get("completed") or "", f"{path} line {reader.line_num}")
                for row in reader
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BadTranscript(f"{path}: cannot be read ({exc})") from None
    if not items:
        raise BadTranscript(f"{path}: has a header but no rows; "
                            "a transcript lists at least one completed credential")
    return items
