"""The pieces of BC Transfer Guide credit text: one grant, one sending course, a designation.

Every pattern is precompiled and anchored at a position (``pattern.match(text,
pos)``) with bounded repetition, so that reading a row costs a handful of
linear matches and no input can make the matcher backtrack without bound.

A grant is ``[INST] SUBJ NUMBER (CREDITS)``; its NUMBER says what kind it is:

| number | grant | level |
| --- | --- | --- |
| ``110``, ``1100``, ``160B``, ``111X``, ``1X11`` | ``course`` ``SUBJ NUMBER`` | first digit |
| ``1st`` ``2nd`` ``3rd`` ``4th`` | ``unassigned`` | the ordinal |
| ``1XX``, ``2XXX`` | ``unassigned`` | first digit |
| ``XXX``, ``XX1`` | ``unassigned`` | none given |
| ``100 lev``, ``1 lev`` | ``unassigned`` | first digit |

A number of only X's with at most a leading digit (or SFU's ``XX1``) is
unassigned; one with a single X among digits (TRU's lab ``1X11``) names a real
course. A leading ``0`` gives no level (``MATH 097`` is not a year of study).

Unassigned credit in one of the Guide's generic subjects (``ARTS``, ``HUMN``,
``SCIE``, ``GE``, ``ELEV``, ``SSEL``, ``UNSP``, ``OPEN``, ``GEN``) is credit in
no single subject: its subject is ``GEN`` (FORMATS.md, CLI.md). The Guide's own
word stays in the rule's notation. A specific course (``VIU ARTS 202``) keeps
its subject.
"""

from __future__ import annotations

import re

from hub.domain.model import GENERIC_SUBJECT, Grant, GrantKind

_INST = r"[A-Z][A-Z0-9]{1,9}"
_SUBJ = r"[A-Z][A-Za-z]{0,9}(?:/[A-Z][A-Za-z]{0,9})?"
# The institution code is only taken when a subject and a number follow it, so
# that a part without one ("CPSC 1st (2)") is never read as institution CPSC.
_INST_PREFIX = rf"(?:(?P<inst>{_INST})\s+(?={_SUBJ}\s+[0-9X]))?"
_CREDITS = r"\(\s*(?P<cr>\d{1,3}(?:\.\d{1,2})?|\.\d{1,2}|-)\s*\)"
# An ordinal in any case ("1ST" too); a course number is never one ("ENGL 5TH" is a year
# the Guide does not have, refused by ``explain``, not a course).
_ORDINAL_END = r"(?:[sS][tT]|[nN][dD]|[rR][dD]|[tT][hH])(?![A-Za-z0-9])"
_NUMBER = (rf"(?:(?P<ord>[1-4]){_ORDINAL_END}"
           r"|(?P<lev>\d{1,4})\s+lev\b\.?"
           r"|(?P<unas>\d?X{2,3}|XX\d)"  # "0XX": below the first year, so no year
           rf"|(?!\d+{_ORDINAL_END})(?P<course>\d[0-9A-Z]{{0,7}}))(?![A-Za-z0-9])")

GRANT = re.compile(rf"{_INST_PREFIX}(?P<subj>{_SUBJ})\s+{_NUMBER}\s*{_CREDITS}")
SENDING = re.compile(
    rf"{_INST_PREFIX}(?P<subj>{_SUBJ})\s+(?P<num>\d[0-9A-Z]{{0,7}})(?![A-Za-z0-9])"
    rf"(?:\s*\(\s*(?:\d{{1,3}}(?:\.\d{{1,2}})?|-)\s*\))?")
# Another province's codes need no space (``SENE IPC144``).
SENDING_COMPACT = re.compile(
    rf"(?:(?P<inst>{_INST})\s+(?=[A-Z]))?(?P<code>[A-Z][A-Za-z0-9-]{{0,19}}(?:\s+\d[0-9A-Z]{{0,7}})?)"
    rf"(?![A-Za-z0-9])(?:\s*\(\s*(?:\d{{1,3}}(?:\.\d{{1,2}})?|-)\s*\))?")
# Something a person meant as a grant: capitals then a number or credits.
GRANT_START = re.compile(rf"(?:{_INST}\s+)?[A-Z]{{2,}}(?:/[A-Z]{{2,}})?\s*[0-9X(]")

_AREA = r"(?:Hum|Soc|Sci)"
_BREADTH = rf"B\s*-\s*{_AREA}(?:\s*/\s*{_AREA}){{0,2}}"
# SFU's W (writing), Q (quantitative) and B (breadth) tags, spaced as the Guide spaces them.
# A letter may follow only as the "or " the Guide's export runs into a tag ("B-Scior").
DESIGNATION = re.compile(
    rf"\s*[,-]?\s*(?P<d>[WQ](?:\s*[/-]\s*[WQ])?(?:\s*[/-]\s*{_BREADTH}|/B)?|{_BREADTH})"
    r"(?!(?!or\s)[A-Za-z/-])")

# The commonest text by far: one grant, perhaps tagged, nothing else (read in one match).
SINGLE = re.compile(rf"\s*{GRANT.pattern}(?:{DESIGNATION.pattern})?\s*")

GENERIC_SUBJECTS = frozenset({"ARTS", "HUMN", "SCIE", "GE", "ELEV", "SSEL", "UNSP", "OPEN",
                              GENERIC_SUBJECT})

_RUN_TOGETHER = re.compile(rf"(?:{_INST}\s+)?[A-Z]{{2,}}\d")
_PART_END = re.compile(r"\)|\s*(?:&|,|\bor\b|=)|$")


class GrammarError(ValueError):
    """A part of the text that is not a grant or course of the Guide's forms."""


def level_of(number: str) -> int | None:
    """The year of study a course number names: its first digit 1-4; none for 0, X or 5-9
    (BCIT's FMGT 7210 is a real course, but not a seventh year)."""
    first = number[:1]
    return int(first) if first in ("1", "2", "3", "4") else None


def credits_of(text: str) -> float | None:
    """``(3)`` as 3.0, ``(-)`` (unknown) as ``None``."""
    return None if text == "-" else float(text)


def grant_from(match: re.Match[str]) -> Grant:
    """The grant a :data:`GRANT` match names (the institution is checked by the caller)."""
    subj, cr, number, ordinal, lev, unas = match.group("subj", "cr", "course", "ord", "lev",
                                                      "unas")  # one call, not six
    subject = subj.upper()
    credits = None if cr == "-" else float(cr)
    if number:
        return Grant(GrantKind.COURSE, credits, f"{subject} {number}", subject,
                     level_of(number))
    if ordinal:
        level: int | None = int(ordinal)
    else:
        level = level_of(lev or unas)
        if level is None and (lev or unas)[:1] not in ("0", "X"):
            # Unassigned credit is a subject at a year: "9XX", "500 lev" name none.
            raise GrammarError(f"{match.group().strip()!r} names level {(lev or unas)}; "
                               "unassigned credit is at a year of study 1 to 4")
    if subject in GENERIC_SUBJECTS:
        subject = GENERIC_SUBJECT
    return Grant(GrantKind.UNASSIGNED, credits, None, subject, level)


def part_at(text: str, pos: int) -> str:
    """The stretch of text from ``pos`` a person would call one part, for messages."""
    end = _PART_END.search(text, pos)
    stop = end.end() if end and end.group() == ")" else (end.start() if end else len(text))
    return text[pos:stop].strip() or text[pos:].strip()


def explain(text: str, pos: int) -> GrammarError:
    """Why the part at ``pos`` is not a grant, in words that name the part."""
    part = part_at(text, pos)
    quoted = repr(part)
    if _RUN_TOGETHER.match(text, pos):
        return GrammarError(f"{quoted} runs a subject and its number together")
    if "(" not in part:
        if text.find("(", pos) < 0 and text.find(")", pos) < 0:
            return GrammarError(f"{quoted} has no credits in parentheses")
    elif ")" not in text[text.index("(", pos):]:
        return GrammarError(f"{quoted} has no closing parenthesis")
    head = part.split("(", 1)[0]
    year = re.search(r"\b(?:[05-9]|\d{2,})(?:st|nd|rd|th)\b", head, re.I)
    if year:
        return GrammarError(f"{quoted} names year {year[0]}; a year of study is 1st to 4th")
    if not re.search(r"\d|X{2}|\b(?:1st|2nd|3rd|4th)\b", head):
        return GrammarError(f"{quoted} has no course number or level")
    credits = part[part.find("(") + 1:part.find(")")] if ")" in part else ""
    if credits and not re.fullmatch(r"\s*(?:\d{1,3}(?:\.\d{1,2})?|-)\s*", credits):
        return GrammarError(f"{quoted} has credits {credits!r} that are not a number or '-'")
    return GrammarError(f"{quoted} is not a grant of the form 'INST SUBJ 110 (3)'")
