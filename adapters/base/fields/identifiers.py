"""Identifier fields: rule ids, credential codes, institutions, credential references.

An institution written ``INST`` is the reader's province's; ``PROV:INST`` may
be any province's. These raise ``Bad`` or ``hub.domain.errors.InvalidIdentifier``,
which the readers treat alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from adapters.base.fields.values import Bad, missing
from hub.domain.errors import InvalidIdentifier
from hub.domain.identifiers import (
    MAX_CODE_LENGTH,
    PROVINCE_RE,
    institution_of,
    normalise_code,
    parse_credential_id,
    parse_institution_id,
)

_RULE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


def rule_id(value: Any) -> str:
    """A province's own rule id: letters, digits and ``.-_/``, up to 64 characters."""
    if value is None or value == "":
        raise Bad("rule id is missing (letters, digits and . - _ /, at most 64)")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _RULE_ID_RE.match(value.strip()):
        raise Bad(f"rule id must be letters, digits and . - _ / (at most 64), got {value!r}"[:200])
    return value.strip()



def code(value: str, label: str) -> str:
    """An institution's own credential code, normalised, at most 40 characters."""
    normal = normalise_code(value)
    if not normal or ":" in normal or len(normal) > MAX_CODE_LENGTH:
        raise Bad(f"{label}: code {value!r} must be 1–{MAX_CODE_LENGTH} characters without ':'")
    if not normal.isprintable():
        # The hub refuses it too (a dead letter the province never sees): say so here.
        raise Bad(f"{label}: code {value!r} holds a control character")
    return normal


def institution_in(value: Any, province: str, label: str) -> str:
    """An institution id ``INST`` (of ``province``) or ``PROV:INST`` (of any province)."""
    if not isinstance(value, str) or not value.strip():
        raise Bad(f"{label}: expected an institution code such as UBCV or ON:SENE, got {value!r}")
    try:
        return _qualified_institution(value, province)
    except InvalidIdentifier as exc:
        raise InvalidIdentifier(exc.message, field=label) from None


@lru_cache(maxsize=4096)
def _qualified_institution(value: str, province: str) -> str:
    # Feeds name the same few institutions millions of times: check each once.
    text_value = value.strip().upper()
    qualified = text_value if ":" in text_value else f"{province}:{text_value}"
    return parse_institution_id(qualified)


def own_institution(obj: Mapping[str, Any], key: str, province: str, label: str, *,
                    what: str = "institution") -> str:
    """An institution of ``province`` itself; another province's is refused (MODEL.md)."""
    value = obj.get(key)
    if value is None:
        raise missing(label, key, f"an institution code of {province}")
    ident = institution_in(value, province, f"{label} {key}")
    if not ident.startswith(f"{province}:"):
        raise Bad(f"{label}: {what} {ident} is not in {province}; the {province} export "
                  f"publishes only {province} institutions, credentials and rules received "
                  f"in {province} (the other province's adapter publishes it)")
    return ident


def _printable(ident: str, label: str) -> str:
    if not ident.isprintable():
        raise Bad(f"{label}: {ident!r} holds a control character")
    return ident


def credential_of(institution: str, code_text: str | None, label: str) -> str:
    """The credential id of ``code_text`` at ``institution``."""
    return f"{institution}:{code(code_text or '', label)}"


def reference(value: str, institution: str, label: str) -> str:
    """A credential named as ``CODE`` (at ``institution``), ``INST:CODE`` or ``PROV:INST:CODE``."""
    parts = value.strip().split(":")
    province = institution.split(":", 1)[0]
    if len(parts) == 1:
        return credential_of(institution, value, label)
    if len(parts) == 2:
        return _printable(parse_credential_id(f"{province}:{value}", field=label), label)
    if len(parts) == 3 and PROVINCE_RE.match(parts[0].strip().upper()):
        return _printable(parse_credential_id(value.upper(), field=label), label)
    raise Bad(f"{label}: {value!r} must be CODE, INST:CODE or PROV:INST:CODE")


def sending(value: Any, province: str, label: str) -> tuple[str, ...]:
    """``from`` entries (``INST:CODE`` or ``PROV:INST:CODE``) of one sending institution."""
    if not isinstance(value, list) or not value:
        raise Bad(f"{label}: from must list one or more sending credentials INST:CODE")
    ids: list[str] = []
    for i, entry in enumerate(value):
        where = f"{label}: from[{i}]"
        if not isinstance(entry, str) or entry.count(":") not in (1, 2):
            raise Bad(f"{where} must be INST:CODE or PROV:INST:CODE, got {entry!r}")
        ids.append(reference(entry, f"{province}:SELF", where))
    institutions = sorted({institution_of(i) for i in ids})
    if len(institutions) > 1:
        raise Bad(f"{label}: from mixes institutions {' and '.join(institutions)}; a rule's "
                  "sending credentials all come from one institution")
    if len(set(ids)) != len(ids):
        raise Bad(f"{label}: from lists the same credential twice")
    return tuple(ids)
