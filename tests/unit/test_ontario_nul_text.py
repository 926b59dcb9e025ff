"""A NUL character in an Ontario text (JSON's ``\\u0000``) is refused by the adapter.

The hub dead-letters any event whose text holds one (the stores cannot keep it:
``hub.ingest.fields.kept``), where the province never sees why; the adapter used to
publish it. (BC's CSV reader and Saskatchewan's XML parser refuse NUL already.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.base.records import Rejection
from adapters.ontario.reader import OntarioReader

GOOD = {"type": "credential", "kind": "course", "institution": "SENE", "code": "IPC144",
        "title": "Programming", "value": 42}


@pytest.mark.parametrize("record", [
    {"type": "institution", "id": "SENE", "name": "Sene\u0000ca", "credit_unit": "hours",
     "standard_course": 42},
    {"type": "credential", "kind": "course", "institution": "SENE", "code": "C1",
     "title": "Intro\u0000"},
    {"type": "credential", "kind": "micro-credential", "institution": "SENE", "code": "MC1",
     "title": "t", "competencies": ["data\u0000cleaning"]},
    {"type": "equivalency", "id": "E1", "version": 1, "from": ["SENE:IPC144"],
     "to": {"institution": "YORK", "grant": "block", "program": "B\u0000A", "value": 3},
     "effective_start": "2019-09-01"},
], ids=["institution name", "title", "competency", "block program"])
def test_a_nul_in_a_text_is_a_rejection(tmp_path: Path, record: dict) -> None:
    path = tmp_path / "on.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in (record, GOOD)) + "\n", encoding="utf-8")
    out = list(OntarioReader().read(path))
    rejected = [x for x in out if isinstance(x, Rejection)]
    assert len(rejected) == 1 and "NUL" in rejected[0].reason
    assert [x.id for x in out if not isinstance(x, Rejection)] == ["ON:SENE:IPC144"]
