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
