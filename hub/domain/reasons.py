"""Why a completed credential was not transferred: the first reason that holds (MODEL.md).

In order:

- ``unknown_credential``: the hub has no record of it and no rule names it.
  Choice: a *retired* credential (one that vanished from its province's
  export) counts as no record, and only unrevoked rules name a credential
  (a revocation removes a rule as though it had never been granted); the
  detail of a retired one says it was retired, not that it was never known;
- ``no_credit`` / ``individual_assessment``: a ``no_credit`` / ``assessment``
  rule to the receiving institution applies to it (it qualifies, and so do
  the partners the rule needs: for "any N of", N-1 others);
- then, over every *granting* rule to the receiving institution whose
  sending set contains it, the first of ``below_min_grade``,
  ``outside_effective_window``, ``incomplete_combination``,
  ``used_elsewhere`` that any of them gives. A rule whose other required
  credentials are not all in the transcript (for "any N of": fewer than N-1
  others) gives ``incomplete_combination``; otherwise it gives
  ``below_min_grade`` when the credential fails the minimum,
  ``outside_effective_window`` when it meets the grade but was completed
  outside the window, ``incomplete_combination`` when it qualifies but a
  partner does not, and ``used_elsewhere`` when the rule applies but was not
  awarded with it;
- ``no_agreement``: none of the above.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hub.domain.answers import NotTransferred, Reason
from hub.domain.applicability import RuleReading, Standing
from hub.domain.identifiers import institution_of
from hub.domain.model import GrantKind, Rule
from hub.domain.percents import written
from hub.domain.transcript import Entry

_GRANTING_ORDER = (Reason.BELOW_MIN_GRADE, Reason.OUTSIDE_EFFECTIVE_WINDOW,
                   Reason.INCOMPLETE_COMBINATION, Reason.USED_ELSEWHERE)


def _code(credential: str) -> str:
    return credential.split(":", 2)[2]


def _window(rule: Rule) -> str:
    start = rule.effective_start.isoformat() if rule.effective_start else "the beginning"
    end = rule.effective_end.isoformat() if rule.effective_end else "present"
    return f"{start} to {end}"


def _granting_reason(reading: RuleReading, entry: Entry,
                     used_by: Mapping[str, str]) -> tuple[Reason, str]:
    rule, credential = reading.rule, entry.credential
    others = sorted(c for c in reading.standing if c != credential)
    if not reading.partners_present(credential):
        missing = [c for c in others if reading.standing[c] is Standing.MISSING]
        return (Reason.INCOMPLETE_COMBINATION,
                f"rule {rule.id} also needs {', '.join(missing)}, not in the transcript")
    standing = reading.standing[credential]
    if standing is Standing.BELOW_MIN_GRADE:
        if reading.minimum is None:
            return (Reason.BELOW_MIN_GRADE,
                    f"rule {rule.id}'s minimum grade {rule.min_grade!r} cannot be read "
                    f"on {institution_of(credential)}'s scale")
        return (Reason.BELOW_MIN_GRADE,
                f"grade {entry.grade} ({written(entry.percent)}%) is below rule {rule.id}'s "
                f"minimum {rule.min_grade} ({written(reading.minimum)}%)")
    if standing is Standing.OUTSIDE_EFFECTIVE_WINDOW:
        return (Reason.OUTSIDE_EFFECTIVE_WINDOW,
                f"completed {entry.completed_on.isoformat()}, outside rule {rule.id}'s "
                f"effective window {_window(rule)}")
    if not reading.partners_qualify(credential):
        failing = [c for c in others if reading.standing[c] is not Standing.QUALIFIES]
        return (Reason.INCOMPLETE_COMBINATION,
                f"rule {rule.id} also needs {', '.join(failing)}, which "
                f"{'does' if len(failing) == 1 else 'do'} not qualify")
    if rule.id in used_by.values():
        return (Reason.USED_ELSEWHERE,
                f"rule {rule.id} was awarded with other credentials")
    taken = [f"{c} (rule {used_by[c]})" for c in reading.qualifying
             if c != credential and c in used_by]
    where = f": a better set uses {', '.join(taken)}" if taken else ""
    return (Reason.USED_ELSEWHERE, f"rule {rule.id} applies but was not chosen{where}")


def retired_words(credential: str) -> str:
    """What an answer says of a credential retired since the hub had its record (a
    registrar who finds it in an old guide learns why it is unknown now)."""
    return f"{credential} was retired (its province's export no longer lists it)"


def unknown_detail(credential: str, retired: bool) -> str:
    """The detail of ``unknown_credential``: a retired one's says so."""
    if retired:
        return f"{retired_words(credential)}, and no rule names it"
    return f"the hub has no record of {credential} and no rule names it"


def explain(entry: Entry, receiving_institution: str, known: bool,
            readings: Sequence[RuleReading], used_by: Mapping[str, str],
            retired: bool = False) -> NotTransferred:
    """The first reason that holds for ``entry`` (see the module docstring).

    ``known``: the hub has a record of the credential or a rule names it;
    ``readings``: the rules to the receiving institution that name it, by id;
    ``used_by``: each credential used by an awarded rule, with that rule's id;
    ``retired``: not known, but retired since the hub had a record of it.
    """
    credential = entry.credential
    if not known:
        return NotTransferred(credential, Reason.UNKNOWN_CREDENTIAL,
                              unknown_detail(credential, retired))
    for outcome, reason, words in (
            (GrantKind.NO_CREDIT, Reason.NO_CREDIT, "grants no credit for"),
            (GrantKind.ASSESSMENT, Reason.INDIVIDUAL_ASSESSMENT, "assesses individually")):
        for reading in readings:
            if (reading.rule.outcome == outcome
                    and reading.standing[credential] is Standing.QUALIFIES
                    and reading.partners_qualify(credential)):
                return NotTransferred(
                    credential, reason,
                    f"{receiving_institution} {words} {_code(credential)} (rule {reading.rule.id})")
    found: dict[Reason, str] = {}
    for reading in readings:
        if reading.rule.grants_credit:
            reason, detail = _granting_reason(reading, entry, used_by)
            found.setdefault(reason, detail)
    for reason in _GRANTING_ORDER:
        if reason in found:
            return NotTransferred(credential, reason, found[reason])
    if readings:  # only no_credit or assessment rules that do not apply to it
        named = ", ".join(f"{r.rule.id} ({r.rule.outcome.value})" for r in readings)
        rules, verbs = ("rule", "names it but does not") if len(readings) == 1 else (
            "rules", "name it but do not")
        return NotTransferred(
            credential, Reason.NO_AGREEMENT,
            f"no rule from {institution_of(credential)} to {receiving_institution} grants "
            f"credit for {_code(credential)}; {rules} {named} {verbs} apply "
            "(a partner, the grade or the date does not meet it)")
    return NotTransferred(
        credential, Reason.NO_AGREEMENT,
        f"no rule from {institution_of(credential)} to {receiving_institution} "
        f"covers {_code(credential)}")
