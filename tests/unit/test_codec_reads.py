"""The SQL codec's read side: the fast decoders read exactly what the plain ones would."""

from __future__ import annotations

import json
from datetime import date

import pytest

from hub.domain.model import Grant, GrantKind, Rule
from hub.store.sql import codec

RULE = Rule(
    id="BC:R-1", version=4, sending=("BC:CAMO:ENGL 100", 'BC:CAMO:A "B"', "BC:CAMO:ÉTÉ 1"),
    receiving_institution="BC:UBCV", outcome=GrantKind.COURSE,
    alternatives=((Grant(GrantKind.COURSE, 3.0, "ENGL 112"),),
                  (Grant(GrantKind.UNASSIGNED, None, None, "ENGL", 1),)),
    any_n=2, min_grade="C+", effective_start=date(2005, 9, 1), effective_end=date(2030, 8, 31),
    notes="see the calendar", notation="ENGL 112 (3)", revoked=False,
)


def values(rule: Rule, dates_as_text: bool = False) -> tuple[object, ...]:
    """``rule`` as a row selected in ``RULE_READ_COLUMNS``, built from the write codec."""
    row = dict(zip(codec.RULE_COLUMNS, codec.rule_row(rule), strict=True))
    if dates_as_text:  # what SQLite hands back without SQLAlchemy's types
        for name in ("effective_start", "effective_end"):
            row[name] = None if row[name] is None else row[name].isoformat()
    row["revoked"] = int(row["revoked"])  # SQLite's boolean
    return tuple(row[name] for name in codec.RULE_READ_COLUMNS)


@pytest.mark.parametrize("dates_as_text", [False, True])
def test_a_rule_reads_back_equal_to_what_was_written(dates_as_text: bool) -> None:
    for rule in (RULE, Rule(id="SK:R-2", version=1, sending=("SK:U:X 1",),
                            receiving_institution="BC:UBCV", outcome=GrantKind.NO_CREDIT)):
        row = values(rule, dates_as_text)
        decoded = codec.rule_of_values(row)
        assert decoded == rule
        assert repr(decoded) == repr(rule) and hash(decoded) == hash(rule)
        assert type(decoded.revoked) is bool and type(decoded.effective_start) is type(
            rule.effective_start)
        assert codec._rule_by_constructor(row) == rule  # the fallback reads the same
        assert codec.rule_of(dict(zip(codec.RULE_READ_COLUMNS, row, strict=True))) == rule


def test_a_decoded_rule_is_still_frozen() -> None:
    decoded = codec.rule_of_values(values(RULE))
    with pytest.raises(AttributeError):
        decoded.version = 5  # type: ignore[misc]


@pytest.mark.parametrize("text", [
    '[]', '["a"]', '["a","b"]', '["a", "b"]', '["a,b","c"]', '["a\\"b"]', '["a\\\\b"]',
    '["\\u00e9t\\u00e9"]', '["été"]', '[ "a" ]', '["a\\",\\"b"]',
])
def test_sending_sets_read_as_json_reads_them(text: str) -> None:
    assert codec._sending_of(text) == tuple(json.loads(text))
