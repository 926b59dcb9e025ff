"""BC Transfer Guide credit text (``transfer_credit``) read into grants, and written back.

The forms are FORMATS.md's table; :mod:`adapters.bc.grammar` reads one grant.
How the whole text is read, as a registrar reads it:

- ``No credit`` (any case, optionally ``, notes``) is ``no_credit``;
  ``Individual assessment`` and ``Credit to be determined when student
  applies.`` are ``assessment``. Neither has grants.
- Text before ``=`` names the sending courses: ``A & B`` (all needed),
  ``A or B`` (any one: ``any_n=1``) or ``Any 2 of A or B or C``. Mixed ``&``
  and ``or``, and ``A & one of B, C``, cannot be said as one rule and are refused.
- Grants join with ``&``; ``or`` (or ``, or``) starts another alternative, and
  ``, &`` after alternatives adds to every one of them (``A or B, & C`` is
  ``A & C`` or ``B & C``); an ``or`` after that offers the whole instead
  (``A or B, & C or D`` is ``A & C``, ``B & C`` or ``D``: the Guide's "SFU STAT
  201 (3) or SFU STAT 203 (3), & SFU ACMA 1XX (1) or BUS 232 (4)" offers BUS 232
  (4) in place of a statistics course and ACMA, not beside one).
  A part without an institution code is the first part's.
- A designation (SFU's W/Q/B tags) after ``, `` or `` - `` belongs to the grant
  just before it, spaces removed (``B - Soc/Sci`` is ``B-Soc/Sci``); one that
  ends the text with "for both" (each, all) belongs to every grant joined by
  ``&`` before it (after a lone grant, to every alternative: "SFU STAT 201 (3) or
  SFU STAT 203 (3), Q for both"), one followed by "for PHIL 100 only" to that grant alone, and
  the words stay in the notes. A tag the Guide's export ran into the next
  ``or`` ("B-Scior SFU GEOG 2XX (3)") still ends where the ``or`` begins.
  A tag after one word that ends its part ("SFU SA 1XX (3), SOCI B-Soc", the
  Guide's "B-Soc, Sociology" the other way round) is the grant's too, and the
  word a note; a tag inside a longer sentence stays in the notes.
- Anything else after the grants is the rule's notes, kept whole: a course
  named there ("Exempt UBCO HES 340 (3)") is never a grant. A grant after a
  bare ``, ``, ``; ``, ``. `` or ``and`` (no ``&`` or ``or``) is refused, not kept
  as a note (a grant lost without a word): the Guide never writes that on
  purpose, it is a row run together.
- Unassigned credit in a generic subject (``ARTS``, ``SCIE``, ``GE``,
  ``ELEV``, …) is credit in no single subject: subject ``GEN``, as CLI.md
  writes it (the Guide's word stays in the rule's notation).

Credits stay in the receiving institution's unit; ``(-)`` is unknown (``None``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from adapters.bc import grammar
from adapters.bc.grammar import GrammarError
from hub.domain.model import MAX_GRANTS, MAX_SENDING, Grant, GrantKind, granted_twice

_NO_CREDIT = re.compile(r"\s*no\s+credit\b\.?\s*(?:[,.;]\s*(?P<notes>.*?))?\s*$", re.I | re.S)
_ASSESSMENT = re.compile(
    r"\s*(?:individual\s+assessment|credit\s+to\s+be\s+determined\s+when\s+(?:the\s+)?student"
    r"\s+applies)\b\.?\s*(?:[,.;]\s*(?P<notes>.*?))?\s*$", re.I | re.S)
_ANY_N = re.compile(r"\s*any\s+(?P<n>\d{1,2})\s+of\s+", re.I)
_ONE_OF = re.compile(r"\bone\s+of\b", re.I)
_AND = re.compile(r"\s*(?P<comma>,)?\s*&\s*")
# "B-Scior SFU GEOG 2XX (3)": the Guide's export runs a breadth tag into the "or" after it
_OR = re.compile(r"\s*,?\s*(?:\b|(?<=Hum|Soc|Sci))[oO][rR]\s+")
_SEND_SEP = re.compile(r"\s*(?:(?P<and>&)|\b(?P<or>or)\b)\s*", re.I)
_COMMA = re.compile(r"\s*[,;.]\s*")
_RUN_ON = re.compile(r"\s*(?:[,;.]|\band\b)\s*", re.I)  # what may stand before a run-on grant
_LABEL_AND = re.compile(r"\s*,\s*(?P<label>[A-Za-z*][A-Za-z*-]{0,20})\s*&\s*")
_LABEL_TAG = re.compile(r"\s*,\s*(?P<label>[A-Za-z][A-Za-z]{1,19})\s+")
_TAG_END = re.compile(r"\s*(?:[,;.]|$)")
_FOR_EVERY = re.compile(r"\s+for\s+(?:both|each|all)\b\.?\s*$", re.I)
_FOR_ONLY = re.compile(r"\s+for\s+(?:[A-Z][A-Z0-9]{1,9}\s+)?(?P<code>[A-Z]{2,10}\s+\d[0-9A-Z]{0,7})"
                       r"\s+only\b", re.I)
_LONGEST_SUBJECT = 4   # letters in the longest subject of the Guide's real text
_PART_BREAK = re.compile(r"\s*(?:$|[,&.;]|\bor\b|\band\b)", re.I)


class NotationError(ValueError):
    """Credit text that is not one of the Guide's forms; the message names the part."""


@dataclass(frozen=True, slots=True)
class TransferCredit:
    """What one ``transfer_credit`` text says.

    ``sending`` holds the course codes named before ``=`` (empty when the text
    names none) and ``sending_institution`` the code written with them;
    ``any_n`` is how many of them suffice (``None``: all).
    """

    outcome: GrantKind
    alternatives: tuple[tuple[Grant, ...], ...] = ()
    notes: str | None = None
    sending: tuple[str, ...] = ()
    sending_institution: str | None = None
    any_n: int | None = None


def parse_transfer_credit(text: str, receiving: str, *,
                          compact_sending_codes: bool = False) -> TransferCredit:
    """Read ``text`` granted by ``receiving`` (the Guide's code, ``UBCV``).

    ``compact_sending_codes`` lets sending courses be one word (``SENE
    IPC144``), as another province's codes are. Raises :class:`NotationError`.
    """
    try:
        return _parse_cached(text, receiving, compact_sending_codes)
    except GrammarError as error:
        raise NotationError(str(error)) from None


@lru_cache(maxsize=65536)
def _parse_cached(text: str, receiving: str, compact: bool) -> TransferCredit:
    credit = _parse(text, receiving, compact)
    grants = sum(len(alternative) for alternative in credit.alternatives)
    if grants > MAX_GRANTS:
        raise GrammarError(f"gives {grants} grants, more than the {MAX_GRANTS} a rule may")
    if len(credit.sending) > MAX_SENDING:
        raise GrammarError(f"names {len(credit.sending)} sending courses, more than the "
                           f"{MAX_SENDING} a rule may")
    return credit


def _parse(text: str, receiving: str, compact: bool) -> TransferCredit:
    single = grammar.SINGLE.fullmatch(text)
    if single and single["inst"] in (None, receiving):
        grant = grammar.grant_from(single)
        if single["d"]:
            grant = _with_designation(grant, single["d"])
        return TransferCredit(grant.kind, ((grant,),))
    match = _NO_CREDIT.match(text)
    if match:
        return TransferCredit(GrantKind.NO_CREDIT, notes=match["notes"] or None)
    match = _ASSESSMENT.match(text)
    if match:
        return TransferCredit(GrantKind.ASSESSMENT, notes=match["notes"] or None)
    if text.count("=") > 1:
        raise GrammarError(f"{text.strip()!r} has more than one '='")
    sending: tuple[str, ...] = ()
    sending_inst, any_n, start = None, None, 0
    if "=" in text:
        left, _, _ = text.partition("=")
        sending, sending_inst, any_n = _read_sending(left, compact)
        start = len(left) + 1
        # "A & B = No credit", "Any 2 of … = Individual assessment": a rule with partners
        # that grants nothing (MODEL.md: "it, and any partners the rule needs").
        for kind, form in ((GrantKind.NO_CREDIT, _NO_CREDIT), (GrantKind.ASSESSMENT, _ASSESSMENT)):
            match = form.match(text, start)
            if match:
                return TransferCredit(kind, notes=match["notes"] or None, sending=sending,
                                      sending_institution=sending_inst, any_n=any_n)
    alternatives, notes = _read_grants(text, start, receiving)
    for group in alternatives:
        twice = granted_twice(group)
        if twice:
            raise GrammarError(f"{text.strip()!r} grants {twice} twice in one alternative; "
                               "a course is granted once")
    outcome = alternatives[0][0].kind
    return TransferCredit(outcome, alternatives, notes, sending, sending_inst, any_n)


def _read_sending(left: str, compact: bool) -> tuple[tuple[str, ...], str | None, int | None]:
    if _ONE_OF.search(left):
        raise GrammarError(f"sending courses {left.strip()!r} mix 'all of' and 'one of', "
                           "which one rule cannot say")
    pattern = grammar.SENDING_COMPACT if compact else grammar.SENDING
    any_n = None
    pos = 0
    match = _ANY_N.match(left)
    if match:
        any_n, pos = int(match["n"]), match.end()
    codes: list[str] = []
    inst: str | None = None
    joins: set[str] = set()
    while True:
        pos = len(left) - len(left[pos:].lstrip())
        course = pattern.match(left, pos)
        if not course:
            raise grammar.explain(left, pos)
        if course["inst"]:
            if inst and course["inst"] != inst:
                raise GrammarError(f"sending courses {left.strip()!r} name two institutions, "
                                   f"{inst} and {course['inst']}")
            inst = course["inst"]
        code = course["code"] if compact else f"{course['subj']} {course['num']}"
        code = " ".join(code.upper().split())
        if code in codes:
            raise GrammarError(f"sending courses {left.strip()!r} name {code} twice; "
                               "name each sending course once")
        codes.append(code)
        pos = course.end()
        if not left[pos:].strip():
            break
        sep = _SEND_SEP.match(left, pos)
        if not sep:
            raise GrammarError(f"sending courses {left.strip()!r} have {left[pos:].strip()!r} "
                               "where '&', 'or' or '=' belongs")
        joins.add("or" if sep["or"] else "&")
        pos = sep.end()
    if len(joins) > 1:
        raise GrammarError(f"sending courses {left.strip()!r} mix '&' and 'or'")
    if any_n is not None:
        if "&" in joins:
            raise GrammarError(f"'Any {any_n} of' courses {left.strip()!r} must be joined by 'or'")
        if not 1 <= any_n <= len(codes):
            raise GrammarError(f"'Any {any_n} of' names only {len(codes)} sending courses")
    elif "or" in joins:
        any_n = 1
    return tuple(codes), inst, any_n


def _read_grant(text: str, pos: int, receiving: str, inst: str | None) -> tuple[Grant, int, str]:
    match = grammar.GRANT.match(text, pos)
    if not match:
        raise grammar.explain(text, pos)
    written = match["inst"]
    if written is None and inst is not None and _runs_code_into_subject(match["subj"], inst):
        raise GrammarError(f"{grammar.part_at(text, pos)!r} runs the institution code "
                           "into the subject")
    if written is not None and written != receiving:
        raise GrammarError(f"{grammar.part_at(text, pos)!r} is granted by {written}, "
                           f"not by the receiving institution {receiving}")
    return grammar.grant_from(match), match.end(), written or inst or receiving


def _runs_code_into_subject(subject: str, inst: str) -> bool:
    """``SFUSTAT``: the Guide's export ran the institution code into a subject.

    The Guide's subjects are 2 to 4 letters, so a subject that only begins
    like the code (``ECON`` at ``EC``, ``QUME`` at ``QU``) is a part without
    an institution code, the first part's (FORMATS.md); only a longer one
    that leaves a subject of 2 letters or more after the code is damage.
    """
    return (subject.startswith(inst) and len(subject) > _LONGEST_SUBJECT
            and len(subject) - len(inst) >= 2)


def _read_grants(text: str, pos: int, receiving: str
                 ) -> tuple[tuple[tuple[Grant, ...], ...], str | None]:
    pos = len(text) - len(text[pos:].lstrip())
    grant, pos, inst = _read_grant(text, pos, receiving, None)
    closed: list[list[Grant]] = []   # whole alternatives, ended by an "or" after a ", &"
    done: list[list[Grant]] = [[]]   # alternatives of the clauses before a ", &"
    groups: list[list[Grant]] = [[grant]]
    notes = ""
    labels: list[str] = []
    while pos < len(text):
        desig = grammar.DESIGNATION.match(text, pos)
        if desig:
            pos = desig.end()
            # "X (3) or Y (3), Q for both": one grant cannot be "both", so the alternatives are
            every = len(groups[-1]) == 1 and _FOR_EVERY.match(text, pos)
            for group in groups if every else groups[-1:]:
                for i in _tagged(group, text, pos):
                    group[i] = _with_designation(group[i], desig["d"])
            continue
        sep = _AND.match(text, pos)
        if sep:
            if not grammar.GRANT_START.match(text, sep.end()):
                notes = text[sep.end():]        # "& Exemption SFU CMPT 127 (0)"
                break
            grant, pos, _ = _read_grant(text, sep.end(), receiving, inst)
            if sep["comma"] and len(groups) > 1:
                done = [d + g for d in done for g in groups]
                groups = [[grant]]
            else:
                groups[-1].append(grant)
            continue
        sep = _OR.match(text, pos)
        if sep:
            if not grammar.GRANT_START.match(text, sep.end()):
                notes = text[pos:].lstrip(" ,")  # "or student may request ..."
                break
            grant, pos, _ = _read_grant(text, sep.end(), receiving, inst)
            if done != [[]]:    # "A or B, & C or D": D replaces all of "(A or B) & C"
                closed.extend(d + g for d in done for g in groups)
                done = [[]]
                groups = [[grant]]
            else:
                groups.append([grant])
            continue
        label = _LABEL_AND.match(text, pos)
        if label and _is_whole_grant(text, label.end()):
            labels.append(label["label"])   # "SFU BUS 432 (0), Exemption & SFU BUS 2XX (3)"
            grant, pos, _ = _read_grant(text, label.end(), receiving, inst)
            groups[-1].append(grant)
            continue
        label = _LABEL_TAG.match(text, pos)
        desig = grammar.DESIGNATION.match(text, label.end()) if label else None
        if label and desig and _TAG_END.match(text, desig.end()):
            labels.append(label["label"])   # "SFU SA 1XX (3), SOCI B-Soc"
            pos = desig.end()
            group = groups[-1]
            for i in _tagged(group, text, pos):
                group[i] = _with_designation(group[i], desig["d"])
            continue
        run_on = _RUN_ON.match(text, pos)
        if run_on and _is_whole_grant(text, run_on.end()):
            joint = run_on.group().strip()
            raise GrammarError(f"{grammar.part_at(text, run_on.end())!r} follows "
                               f"{joint if joint.isalpha() else joint + ' '!r} "
                               "without '&' or 'or'")
        sep = _COMMA.match(text, pos)
        notes = text[sep.end():] if sep else text[pos:]
        break
    alternatives = tuple(tuple(alt) for alt in closed) + tuple(
        tuple(d + g) for d in done for g in groups)
    return alternatives, "; ".join([*labels, notes.strip()]).strip("; ") or None


def _tagged(group: list[Grant], text: str, pos: int) -> range | tuple[int, ...]:
    """Which grants of ``group`` a designation ending at ``pos`` belongs to.

    The grant just before it, unless words after it say otherwise: "B-Sci for
    both" is every one's; "SFU PHIL 100 (3) & SFU PHIL 203 (3), B-Hum for PHIL
    100 only" is PHIL 100's alone, as a registrar reads it, though another grant
    stands between (a course named there that is not in the group: the last grant).
    """
    if _FOR_EVERY.match(text, pos):
        return range(len(group))
    only = _FOR_ONLY.match(text, pos)
    if only:
        code = " ".join(only["code"].upper().split())
        named = tuple(i for i, grant in enumerate(group) if grant.code == code)
        if named:
            return named
    return (-1,)


def _is_whole_grant(text: str, pos: int) -> bool:
    """True when a complete grant stands at ``pos`` and ends its part (not a note's words)."""
    match = grammar.GRANT.match(text, pos)
    return bool(match) and _PART_BREAK.match(text, match.end()) is not None


def _with_designation(grant: Grant, designation: str) -> Grant:
    tag = "".join(designation.split())
    if grant.designation == tag:
        return grant
    if grant.designation:
        tag = f"{grant.designation}, {tag}"
    return Grant(grant.kind, grant.credits, grant.code, grant.subject, grant.level,
                 grant.program, tag)


_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th"}


def render_transfer_credit(credit: TransferCredit, receiving: str) -> str:
    """``credit`` as the Guide prints it, granted by ``receiving`` (``UBCV``).

    The inverse of :func:`parse_transfer_credit`: each alternative's first
    grant carries the institution code, a designation follows its grant after
    ``, ``, notes end the text. Unassigned credit is written ``1st`` to ``4th``
    (``XXX`` with no level; there is no year above the 4th). Sending courses, when given, are
    written before ``=`` with ``credit.sending_institution``: ``&`` when all
    are needed, ``or`` when any one is, ``Any N of`` otherwise. Notes must not
    themselves begin with a W/Q/B tag or a grant, nor be one word and a tag
    ("SOCI B-Soc"), or they would read back as one.
    """
    if credit.outcome is GrantKind.NO_CREDIT:
        text = "No credit"
    elif credit.outcome is GrantKind.ASSESSMENT:
        text = "Individual assessment"
    else:
        text = " or ".join(" & ".join(_render_grant(grant, receiving if i == 0 else None)
                                      for i, grant in enumerate(group))
                           for group in credit.alternatives)
    if credit.notes:
        text = f"{text}, {credit.notes}"
    if credit.sending:
        text = f"{_render_sending(credit)} = {text}"
    return text


def _render_sending(credit: TransferCredit) -> str:
    courses = [f"{credit.sending_institution} {code}" for code in credit.sending]
    if credit.any_n is None or len(courses) == 1:
        return " & ".join(courses)
    joined = " or ".join(courses)
    return joined if credit.any_n == 1 else f"Any {credit.any_n} of {joined}"


def _render_grant(grant: Grant, institution: str | None) -> str:
    if grant.kind is GrantKind.COURSE:
        name = grant.code or ""
    elif grant.level is None:
        name = f"{grant.subject} XXX"
    else:
        name = f"{grant.subject} {_ORDINALS[grant.level]}"
    credits = "-" if grant.credits is None else f"{grant.credits:g}"
    text = f"{institution} {name} ({credits})" if institution else f"{name} ({credits})"
    return f"{text}, {grant.designation}" if grant.designation else text
