"""Packings whose rules each take one or two credentials, found as a weighted matching.

:func:`hub.domain.packing.best_packing` searches by branch and bound, exact but
exponential where many rules overlap: an adversarial tester timed 171 "A & B"
rules over 19 courses at 6.5 s and 300 random ones over 60 courses at more than
a minute, with the search's memo past 1 GB. The commonest competition, rules
that each need one credential ("A", "any 1 of A or B") or two ("A & B", "any 2
of A or B or C"), is a maximum-weight matching, which Edmonds' blossom
algorithm finds in polynomial time:

- a credential is a vertex; a rule that takes one credential is a vertex too,
  joined to each credential of its pool (it is matched at most once: awarded
  at most once, with one credential);
- a rule that takes two credentials is an edge between them for each pair of
  its pool. A pool of three gives a triangle, of which a matching holds at
  most one edge, so such a rule is still awarded at most once (a pool of four
  could hold two disjoint pairs: not a matching, left to the search);
- an edge weighs the rule's weight plus the weights of the credentials it
  uses; of several edges between the same two vertices only the heaviest can
  be in a best matching, so only it is kept.

A matching is then exactly a packing, with the same total. The weights encode
MODEL.md's whole order (:mod:`hub.domain.optimiser`), every weight is positive
and every total distinct, so the maximum-weight matching is the best packing.
networkx computes it in integer arithmetic when every weight is an integer
(ours are Python ints of any size), so no tie is lost to rounding.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations
from typing import Any


def matchable(pool: int, need: int) -> bool:
    """Whether a rule of ``need`` credentials of the ``pool`` mask is an edge or a vertex."""
    return need == 1 or (need == 2 and pool.bit_count() in (2, 3))


def bits_of(mask: int) -> list[int]:
    """The positions of ``mask``'s set bits, lowest first."""
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


def best_matching(rules: Iterable[int], pools: Sequence[int], needs: Sequence[int],
                  weights: Sequence[int], own: Sequence[dict[int, int]]
                  ) -> tuple[tuple[int, int], ...]:
    """The best packing of ``rules`` (each :func:`matchable`) as (rule, credentials mask)
    pairs; arguments as :func:`hub.domain.packing.best_packing` takes them."""
    # Imported here: a tenth of a second, paid by the first query that needs it.
    from networkx import Graph, max_weight_matching

    graph = Graph()

    def join(u: Any, v: Any, weight: int, pick: tuple[int, int]) -> None:
        edge = graph.get_edge_data(u, v)
        if edge is None or edge["weight"] < weight:
            graph.add_edge(u, v, weight=weight, pick=pick)

    for rule in rules:
        cost, bits = weights[rule], own[rule]
        if needs[rule] == 1:
            for c in bits_of(pools[rule]):
                join(("credential", c), ("rule", rule), cost + bits[c], (rule, 1 << c))
        else:
            for a, b in combinations(bits_of(pools[rule]), 2):
                join(("credential", a), ("credential", b), cost + bits[a] + bits[b],
                     (rule, 1 << a | 1 << b))
    return tuple(graph.edges[u, v]["pick"] for u, v in max_weight_matching(graph))
