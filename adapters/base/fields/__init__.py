"""Field checks shared by the province readers: ids, numbers, dates, grades.

Each check returns the canonical value or raises :class:`Bad` with a message a
person can act on (what field, what was found, what is expected). Dict
accessors take a mapping (a JSON object, XML attributes) and a ``label`` that
says which record the field belongs to.

    Bad (ValueError)    one record's fault; the reader turns it into a Rejection

Identifier checks raise ``hub.domain.errors.InvalidIdentifier``, which the
readers treat like ``Bad``.

The checks live in :mod:`~adapters.base.fields.values` (texts, numbers, year
levels, subjects, dates, versions), :mod:`~adapters.base.fields.identifiers`
(rule ids, codes, institutions, credential references) and
:mod:`~adapters.base.fields.grades` (minimum grades, grading scales); they are
gathered here so that a reader writes ``f.text``, ``f.own_institution``.
"""

from adapters.base.fields.grades import grading, min_grade
from adapters.base.fields.identifiers import (
    code,
    credential_of,
    institution_in,
    own_institution,
    reference,
    rule_id,
    sending,
)
from adapters.base.fields.values import (
    MAX_VERSION,
    Bad,
    check_day,
    check_level,
    check_number,
    check_subject,
    day,
    granted_once,
    level,
    list_of_objects,
    number,
    ordered,
    short,
    stated,
    strings,
    subject,
    subject_level_of,
    text,
    version,
)

__all__ = [
    "MAX_VERSION", "Bad", "check_day", "check_level", "check_number", "check_subject", "code",
    "credential_of", "day", "grading", "granted_once", "institution_in", "level",
    "list_of_objects", "min_grade", "number", "ordered", "own_institution", "reference",
    "rule_id", "sending", "short", "stated", "strings", "subject", "subject_level_of", "text",
    "version",
]
