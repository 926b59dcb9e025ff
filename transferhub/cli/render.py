"""Hub responses (protobuf) → CLI.md's JSON shapes: one module for the CLI and the web page.

Keys are CLI.md's contract. Optional keys appear only where they carry
something: ``alternatives`` where a rule has several, ``notes`` and
``designation`` where present, ``unknown_credits`` where credits were ``(-)``
(counted as 0, as MODEL.md says, and the answer says so).
"""

from __future__ import annotations

from typing import Any

from transferhub.hub.v1 import query_service_pb2 as pb

Json = dict[str, Any]


def _enum_word(enum: Any, value: int, prefix: str) -> str:
    """``REASON_NO_AGREEMENT`` → ``no_agreement``."""
    return enum.Name(value).removeprefix(prefix).lower()


def grant(item: pb.Grant) -> Json:
    """One grant: course, unassigned (``code`` null) or block."""
    kind = _enum_word(pb.GrantKind, item.kind, "GRANT_KIND_")
    credits = item.credits if item.HasField("credits") else 0.0
    if item.kind == pb.GRANT_KIND_BLOCK:
        out: Json = {"kind": kind, "program": item.program, "credits": credits}
    else:
        # No year level (SFU's ``CHIN XXX``, ``MATH 097``) is null, never a year 0; no
        # subject (a course code that names none) is null, never "".
        out = {"kind": kind, "code": item.code or None, "subject": item.subject or None,
               "level": item.level or None, "credits": credits}
    if not item.HasField("credits"):
        out["unknown_credits"] = True
    if item.designation:
        out["designation"] = item.designation
    return out


def grants(items: Any) -> list[Json]:
    """A list of grants in their order."""
    return [grant(g) for g in items]


def _alternatives(sets: Any) -> list[list[Json]]:
    return [grants(s.grants) for s in sets]


def awarded(item: pb.AwardedRule) -> Json:
    """One awarded rule."""
    out: Json = {"rule": item.rule, "from": list(getattr(item, "from")),
                 "grants": grants(item.grants)}
    if len(item.alternatives) > 1:
        out["alternatives"] = _alternatives(item.alternatives)
    out.update(credits=item.credits, tc=item.tc, notation=item.notation or None)
    if item.notes:
        out["notes"] = item.notes
    if item.unknown_credits:
        out["unknown_credits"] = True
    return out


def suggestion(item: pb.Suggestion) -> Json:
    """One inferred pathway, with its chain's notes when any rule of it has some."""
    out: Json = {"from": list(getattr(item, "from")), "grants": grants(item.grants)}
    if len(item.alternatives) > 1:
        out["alternatives"] = _alternatives(item.alternatives)
    out.update(basis=item.basis, chain=list(item.chain), via=list(item.via),
               credits=item.credits, tc=item.tc)
    if item.unknown_credits:
        out["unknown_credits"] = True
    if item.notes:
        out["notes"] = item.notes
    return out


def transfer(response: pb.TransferResponse) -> Json:
    """``transferhub transfer --json``."""
    return {
        "receiving_institution": response.receiving_institution,
        "credit_unit": response.credit_unit,
        "awarded": [awarded(a) for a in sorted(response.awarded, key=lambda a: a.rule)],
        "not_transferred": [
            {"credential": n.credential, "reason": _enum_word(pb.Reason, n.reason, "REASON_"),
             "detail": n.detail}
            for n in sorted(response.not_transferred, key=lambda n: n.credential)
        ],
        "suggested": [suggestion(s) for s in response.suggested],
        "total_credits": response.total_credits,
        "total_tc": response.total_tc,
    }


def stack(response: pb.StackResponse) -> Json:
    """``transferhub stack --json``."""
    counted = []
    for c in response.counted:
        item: Json = {"credential": c.credential, "value": c.value}
        if c.via_rule:
            item["via_rule"] = c.via_rule
            item["counts_as"] = c.counts_as or None
        counted.append(item)
    not_counted = [{"credential": n.credential,
                    "reason": _enum_word(pb.Reason, n.reason, "REASON_"), "detail": n.detail}
                   for n in response.not_counted]
    out = {"target": response.target, "unit": response.unit, "required": response.required,
           "earned": response.earned, "remaining": response.remaining, "counted": counted,
           "not_counted": not_counted}
    if response.required_unknown:
        out["required_unknown"] = True   # the target's record gives no value
    return out


def equivalent(item: pb.Equivalent) -> Json:
    """One rule from a credential with its provenance; open window ends are null."""
    out: Json = {
        "rule": item.rule, "province": item.province, "version": item.version,
        "from": list(getattr(item, "from")), "any_n": item.any_n or None,
        "receiving_institution": item.receiving_institution,
        "outcome": _enum_word(pb.RuleOutcome, item.outcome, "RULE_OUTCOME_"),
        "grants": grants(item.grants),
    }
    if len(item.alternatives) > 1:
        out["alternatives"] = _alternatives(item.alternatives)
    out.update(min_grade=item.min_grade or None,
               effective_start=item.effective_start or None,
               effective_end=item.effective_end or None,
               notation=item.notation or None)
    if item.notes:
        out["notes"] = item.notes
    return out


def equivalents(response: pb.ListEquivalentsResponse) -> Json:
    """``transferhub equivalents --json``: the credential and its rules by rule id."""
    return {"credential": response.credential,
            "equivalents": [equivalent(e) for e in sorted(response.equivalents,
                                                          key=lambda e: e.rule)]}
