"""A grading letter given twice, however it is written, is refused by the adapters.

The hub reads letters upper-cased and trimmed and dead-letters an institution whose
scale names one twice (``hub.ingest.payloads._grading``); the adapters used to key the
scale by the letter as written, so ``b+`` and ``B+`` both went out and the province's
institution never reached the hub.
"""

from __future__ import annotations

import pytest

from adapters.base.fields import Bad
from adapters.base.fields.grades import grading


@pytest.mark.parametrize("scale", [{"b+": 76, "B+": 77}, {"A": 85, " A ": 86}])
def test_a_letter_given_twice_in_other_case_or_spacing_is_refused(scale: dict) -> None:
    with pytest.raises(Bad, match="twice"):
        grading(scale, "institution ON:X")


def test_distinct_letters_still_read() -> None:
    assert grading({"a": 85, "B+": 76}, "institution ON:X").as_dict() == {"A": 85.0, "B+": 76.0}


def test_a_letter_repeated_as_written_is_refused_in_bc_and_saskatchewan() -> None:
    """BC's ``B+=76;B+=70`` and Saskatchewan's two ``<Grade letter="B+">`` were read into a
    dict before the check, the last silently winning; Ontario's JSON refuses a repeated key
    already, and a repeat in other case was refused."""
    from xml.etree.ElementTree import fromstring

    from adapters.bc.rows import institution_from
    from adapters.saskatchewan.elements import institution

    with pytest.raises(Bad, match="twice"):
        institution_from(["UBCV", "UBC", "credits", "3", "A=85;B+=76;B+=70"])
    with pytest.raises(Bad, match="twice"):
        institution(fromstring(
            '<Institution id="USASK" name="U" creditUnit="cu" standardCourse="3">'
            '<Grade letter="B+" minPercent="76"/><Grade letter="B+" minPercent="70"/>'
            '</Institution>'))
