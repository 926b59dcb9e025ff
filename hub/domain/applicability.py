"""Whether a rule applies to a transcript, credential by credential (MODEL.md).

A sending credential *qualifies* for a rule when it is in the transcript, its
grade meets the rule's min_grade (both as percents through the sending
institution's scale) and it was completed inside the rule's effective window,
both ends included. A rule *applies* when all its sending credentials qualify,
or, for "any N of", at least N of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from itertools import combinations

from hub.domain.model import Rule
from hub.domain.transcript import Entry, Scales, Transcript


class Standing(StrEnum):
    """How one sending credential of a rule stands against the transcript."""

    QUALIFIES = "qualifies"
    BELOW_MIN_GRADE = "below_min_grade"
    OUTSIDE_EFFECTIVE_WINDOW = "outside_effective_window"
    MISSING = "missing"


def standing_of(rule: Rule, entry: Entry | None, minimum: float | None) -> Standing:
    """One credential's standing; an unreadable minimum (``None``) is never met."""
    if entry is None:
        return Standing.MISSING
    if minimum is None or entry.percent < minimum:
        return Standing.BELOW_MIN_GRADE
    if not rule.in_force_on(entry.completed_on):
        return Standing.OUTSIDE_EFFECTIVE_WINDOW
    return Standing.QUALIFIES


@dataclass(frozen=True, slots=True)
class RuleReading:
    """A rule read against one transcript: each sending credential's standing.

    ``qualifying`` lists the qualifying sending credentials in credential-id
    order (read once, with the standings).
    """

    rule: Rule
    minimum: float | None
    standing: dict[str, Standing]
    qualifying: tuple[str, ...]

    @property
    def required(self) -> int:
        """How many sending credentials must qualify (at least one): N for "any N of",
        else every distinct one (``standing`` holds each distinct credential once)."""
        n = self.rule.any_n
        return max(1, n if n is not None else len(self.standing))

    @property
    def applies(self) -> bool:
        """True when enough sending credentials qualify."""
        return len(self.qualifying) >= self.required

    def partners_present(self, credential: str) -> bool:
        """True when the other required sending credentials are in the transcript.

        For "any N of", N-1 of the others suffice.
        """
        present = sum(1 for c, s in self.standing.items()
                      if c != credential and s is not Standing.MISSING)
        return present >= self.required - 1

    def partners_qualify(self, credential: str) -> bool:
        """True when enough of the other sending credentials qualify."""
        qualifying = sum(1 for c in self.qualifying if c != credential)
        return qualifying >= self.required - 1

    def uses(self) -> list[tuple[str, ...]]:
        """Every set of credentials the rule can be awarded with, in credential-id order."""
        if not self.applies:
            return []
        return list(combinations(self.qualifying, self.required))


def read_rule(rule: Rule, transcript: Transcript, scales: Scales) -> RuleReading:
    """Read ``rule`` against ``transcript`` (min grade through the sending scale)."""
    minimum = scales.minimum_percent(rule)
    entries = transcript.entries
    standing = {c: standing_of(rule, entries.get(c), minimum) for c in set(rule.sending)}
    qualifying = tuple(sorted(c for c, s in standing.items() if s is Standing.QUALIFIES))
    return RuleReading(rule, minimum, standing, qualifying)
