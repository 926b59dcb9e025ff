"""Identifiers of MODEL.md: provinces, institutions, credentials.

``PROV`` is two capital letters; an institution is ``PROV:INST`` with INST 2–10
of ``A-Z0-9``; a credential is ``PROV:INST:CODE`` with the institution's own
code upper-cased and inner white space folded to one space.
"""

from __future__ import annotations

import re

from hub.domain.errors import InvalidIdentifier

PROVINCE_RE = re.compile(r"^[A-Z]{2}$")
INSTITUTION_RE = re.compile(r"^([A-Z]{2}):([A-Z0-9]{2,10})$")
MAX_CODE_LENGTH = 40


def normalise_code(code: str) -> str:
    """An institution's own credential code, upper-cased with white space folded."""
    return " ".join(code.upper().split())


def province_of(identifier: str) -> str:
    """The province prefix of an institution, credential or rule id."""
    return identifier.split(":", 1)[0]


def institution_of(credential_id: str) -> str:
    """The ``PROV:INST`` part of a credential id."""
    prov, inst, _ = credential_id.split(":", 2)
    return f"{prov}:{inst}"


def parse_province(text: str, *, field: str | None = None) -> str:
    """Check and return a province ``PROV`` (two ASCII letters, upper-cased)."""
    candidate = text.strip().upper()
    # ASCII first, as for institutions: "ſk" is not SK, and "ß" is not SS.
    if not text.isascii() or not PROVINCE_RE.match(candidate):
        raise InvalidIdentifier(f"{text!r} is not a two-letter province (e.g. BC)", field=field)
    return candidate


def parse_institution_id(text: str, *, field: str | None = None) -> str:
    """Check and return an institution id ``PROV:INST``."""
    candidate = text.strip().upper()
    # ASCII first: upper() would make "ſk:usaſk" SK:USASK and "ı" an I (look-alikes).
    if not text.isascii() or not INSTITUTION_RE.match(candidate):
        raise InvalidIdentifier(
            f"{text!r} is not an institution id of the form PROV:INST (e.g. BC:UBCV)",
            field=field,
        )
    return candidate


def parse_credential_id(text: str, *, field: str | None = None) -> str:
    """Check and normalise a credential id ``PROV:INST:CODE``."""
    parts = text.strip().split(":", 2)
    if len(parts) != 3 or not parts[2].strip():
        raise InvalidIdentifier(
            f"{text!r} is not a credential id of the form PROV:INST:CODE (e.g. BC:CAPU:ENGL 100)",
            field=field,
        )
    institution = parse_institution_id(f"{parts[0]}:{parts[1]}", field=field)
    code = normalise_code(parts[2])
    if len(code) > MAX_CODE_LENGTH:
        raise InvalidIdentifier(
            f"credential code {code[:20]!r}… is longer than {MAX_CODE_LENGTH} characters",
            field=field,
        )
    return f"{institution}:{code}"


def parse_printable_credential_id(text: str, *, field: str | None = None) -> str:
    """A checked credential id (:func:`parse_credential_id`) without control characters.

    What the hub keeps and what it is asked: a control character (an ESC, a
    zero-width space) is invisible to whoever reads the id and can name no kept
    credential, so a query naming one is refused rather than answered
    ``unknown_credential``.
    """
    checked = parse_credential_id(text, field=field)
    if not checked.isprintable():
        raise InvalidIdentifier(f"{text!r} holds a control character", field=field)
    return checked


def credential_id(institution_id: str, code: str) -> str:
    """The credential id of ``code`` at ``institution_id``."""
    return f"{institution_id}:{normalise_code(code)}"
