"""A learner's transcript as the query engine reads it: each grade as a percent.

Grades become percents through the *sending* institution's scale (the default
scale when the hub has no record of the institution), once, when the query
arrives; an unreadable grade is an error naming its item
(``completed[3].grade``), never a silent pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from hub.domain.answers import Completed
from hub.domain.errors import InvalidGrade, InvalidQuery
from hub.domain.grades import DEFAULT_SCALE, GradingScale
from hub.domain.identifiers import institution_of, parse_credential_id
from hub.domain.model import Rule
from hub.domain.ports import EquivalencyReader


@dataclass(frozen=True, slots=True)
class Entry:
    """One completed credential with its grade read as a percent."""

    index: int
    credential: str
    grade: str
    percent: float
    completed_on: date


class Scales:
    """The grading scale of each institution, fetched from the reader once per institution."""

    def __init__(self, reader: EquivalencyReader) -> None:
        self._reader = reader
        self._scales: dict[str, GradingScale] = {}
        # Readings of one query: rules share minimum grades, transcripts grades.
        self._minimums: dict[tuple[str, str], float | None] = {}
        self._percents: dict[tuple[str, str], float] = {}

    def of(self, institution_id: str) -> GradingScale:
        """The scale grades from ``institution_id`` are read through."""
        scale = self._scales.get(institution_id)
        if scale is None:
            institution = self._reader.get_institution(institution_id)
            scale = institution.scale if institution is not None else DEFAULT_SCALE
            self._scales[institution_id] = scale
        return scale

    def minimum_percent(self, rule: Rule) -> float | None:
        """``rule``'s minimum grade as a percent through its sending scale (0 when it has none).

        ``None`` when the sending scale cannot read it: the caller treats such
        a minimum as not met, because an unreadable minimum is never a pass.
        Most rules have none: then not even the sending institution is worked out.
        """
        min_grade = rule.min_grade
        if min_grade is None:
            return 0.0
        sending_institution = rule.sending_institution
        key = (min_grade, sending_institution)
        try:
            return self._minimums[key]
        except KeyError:
            pass
        if not min_grade.strip():
            found: float | None = 0.0
        else:
            try:
                found = self.of(sending_institution).to_percent(min_grade)
            except InvalidGrade:
                found = None
        self._minimums[key] = found
        return found

    def percent(self, grade: str, institution_id: str, *, field: str | None = None) -> float:
        """A learner's grade from ``institution_id`` as a percent; raises ``InvalidGrade``
        naming ``field`` when the scale cannot read it."""
        key = (grade, institution_id)
        found = self._percents.get(key)
        if found is None:
            found = self._percents[key] = self.of(institution_id).to_percent(grade, field=field)
        return found


@dataclass(frozen=True, slots=True)
class Transcript:
    """The completed credentials of one query, by credential id."""

    entries: dict[str, Entry]

    @property
    def ids(self) -> list[str]:
        """The completed credential ids in credential-id order."""
        return sorted(self.entries)

    def __contains__(self, credential_id: object) -> bool:
        return credential_id in self.entries

    def get(self, credential_id: str) -> Entry | None:
        """The entry of a completed credential, or ``None``."""
        return self.entries.get(credential_id)

    def subset(self, credential_ids: Iterable[str]) -> Transcript:
        """The entries of ``credential_ids`` only."""
        return Transcript({c: self.entries[c] for c in credential_ids if c in self.entries})


def read_transcript(completed: Sequence[Completed], scales: Scales) -> Transcript:
    """Check and read a query's completed credentials.

    Raises ``InvalidIdentifier`` / ``InvalidGrade`` for an unreadable item and
    ``InvalidQuery`` for a credential listed twice, each naming the item.
    """
    entries: dict[str, Entry] = {}
    for index, item in enumerate(completed):
        where = f"completed[{index}]"
        credential = parse_credential_id(item.credential, field=f"{where}.credential")
        if credential in entries:
            first = entries[credential].index
            raise InvalidQuery(
                f"{credential} is listed twice (also completed[{first}]); "
                "list each credential once",
                field=f"{where}.credential",
            )
        percent = scales.percent(item.grade, institution_of(credential), field=f"{where}.grade")
        entries[credential] = Entry(index, credential, item.grade, percent, item.completed_on)
    return Transcript(entries)
