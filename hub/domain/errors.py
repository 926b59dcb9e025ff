"""Errors of the domain layer.

    DomainError                     base; never retryable (the input is wrong)
    ├── InvalidIdentifier           an id does not have MODEL.md's form
    ├── InvalidGrade                a grade or minimum the scale cannot read
    ├── InvalidDate                 a date that is not YYYY-MM or YYYY-MM-DD
    ├── InvalidQuery                a query's input is malformed (names the field)
    ├── NotFound                    an unknown receiving institution or target
    └── TooComplex                  the rules competing in one query are past the
                                    exact search's bound (no answer rather than a guess)

Each error carries ``field`` (where the problem is, e.g. ``completed[3].grade``)
so that the API can name it in ``INVALID_ARGUMENT`` / ``NOT_FOUND``.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of the domain's errors: the input is wrong, retrying will not help."""

    retryable = False

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidIdentifier(DomainError):
    """An identifier does not have the form MODEL.md gives it."""


class InvalidGrade(DomainError):
    """A grade or minimum grade the sending institution's scale cannot read."""


class InvalidDate(DomainError):
    """A completion or effective date in an unreadable form."""


class InvalidQuery(DomainError):
    """A query's input is malformed or too large."""


class NotFound(DomainError):
    """The receiving institution or stacking target is unknown to the hub."""


class TooComplex(DomainError):
    """The rules competing for one transcript's credentials are too many and too tangled for
    the exact search within its bound (:data:`hub.domain.packing.MAX_SEARCH`).

    MODEL.md asks for the best set, not a good one: past the bound the hub says so
    instead of answering with a set it has not proved best.
    """
