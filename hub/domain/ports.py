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

    def retired_among(self, credential_ids: Iterable[str]) -> set[str]:
        """Those of ``credential_ids`` the hub had a record of, since retired (not one
        retired before the hub ever saw it: of that it has no record)."""

    def stacking_into(self, target_id: str) -> list[Credential]:
        """Unretired credentials whose record says they stack into ``target_id``."""

    def chains_to(self, credential_ids: Iterable[str], receiving_institution: str,
                  max_links: int = 3) -> dict[str, list[tuple[str, ...]]]:
        """Rule-id chains of 2..``max_links`` links into ``receiving_institution``, by origin.

        Keys are those of ``credential_ids`` some chain starts from. A chain
        ``(r1, …, rn)`` is a path of links (:mod:`hub.domain.links`): ``r1``
        names the origin as sending; each ``ri`` before the last leads to
        (grants the course credential that is) a sending credential of
        ``ri+1`` and does not itself receive at ``receiving_institution``;
        ``rn`` receives there. No credential (the origin included) is visited
        twice. Each chain once per origin, shorter chains first, then by rule
        ids. Only the index is read: whether a link holds for a learner
        (window, minimum grade) is the caller's to judge.
        """

    def get_rules(self, rule_ids: Iterable[str]) -> dict[str, Rule]:
        """The unrevoked rules among ``rule_ids``, by id (unknown or revoked ones left out)."""
