"""The bundled sample exports of the three provinces (see README.md here).

``transferhub up`` and the tests read these: an Ontario JSON Lines file, a BC
Transfer Guide CSV folder and a Saskatchewan XML feed, consistent with each
other (cross-province rules name credentials the other samples define).
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent
_SAMPLES = {
    "ON": "ontario.jsonl",
    "BC": "bc",
    "SK": "saskatchewan.xml",
}
_NAMES = {"ONTARIO": "ON", "SASKATCHEWAN": "SK", "BRITISH COLUMBIA": "BC"}


def sample_path(province: str) -> Path:
    """The sample export of ``province`` (``ON``, ``BC``, ``SK`` or ``ontario``, ``saskatchewan``).

    Ontario and Saskatchewan are files; BC is the folder holding
    ``institutions.csv`` and ``equivalencies.csv``. Raises ``KeyError`` naming
    the provinces that have samples.
    """
    key = province.strip().upper()
    key = _NAMES.get(key, key)
    if key not in _SAMPLES:
        raise KeyError(f"no sample export for {province!r}; samples exist for "
                       f"{', '.join(sorted(_SAMPLES))}")
    return _HERE / _SAMPLES[key]
