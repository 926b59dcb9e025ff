"""What the domain's queries need to read from the store (a port).

The store (``hub/store/``) implements it in memory and in SQL; query cost
depends only on the transcript, never on how many rules the store holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from hub.domain.model import Credential, Institution, Rule


class EquivalencyReader(Protocol):
    """Read access to the equivalency model, as the query engine needs it."""

    def get_institution(self, institution_id: str) -> Institution | None:
        """The institution, or ``None`` when the hub has no record of it."""

    def list_institutions(self, province: str | None = None) -> list[Institution]:
        """Every institution (of one province when given), by id."""

    def get_credentials(self, credential_ids: Iterable[str]) -> dict[str, Credential]:
        """The known, unretired credentials among ``credential_ids``, by id."""

    def rules_from(self, credential_ids: Iterable[str],
                   receiving_institution: str | None = None) -> list[Rule]:
        """Rules in effect (not revoked) whose sending set names any of ``credential_ids``.

        Limited to one receiving institution when given. Each rule once,
        whatever number of the credentials it names.
        """

    def named_by_rules(self, credential_ids: Iterable[str]) -> set[str]:
        """Those of ``credential_ids`` that any unrevoked rule names as sending."""

    def stacking_into(self, target_id: str) -> list[Credential]:
        """Unretired credentials whose record says they stack into ``target_id``."""
