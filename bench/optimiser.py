"""The transfer optimiser on tangled competition: the inputs an adversarial tester found.

    python -m bench.optimiser                  # every shape, 60 s cap each
    python -m bench.optimiser --quick          # the fast shapes only

Issue 2 asks that "the optimisation must stay fast for a 60-item transcript
where many rules compete: not a blind enumeration of all subsets". Each shape
is one call of :func:`hub.domain.optimiser.choose` (what a transfer query
runs once its applicable rules are known), timed in a child process so that a
runaway search is stopped at the cap and reported as such. No target of the
issue names a number; the table is the record of what one query costs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import time
from collections.abc import Callable
from fractions import Fraction
from itertools import combinations

from bench.common import Row, print_table
from hub.domain.errors import TooComplex
from hub.domain.optimiser import Contender, choose

CODES = [f"BC:CAPU:C {i:03d}" for i in range(60)]


def every_pair(n: int) -> list[Contender]:
    """An "A & B" rule for every pair of ``n`` courses, all worth the same."""
    return [Contender(f"BC:P{i:02d}{j:02d}", (CODES[i], CODES[j]), 2, Fraction(3), Fraction(3))
            for i, j in combinations(range(n), 2)]


def random_pairs(count: int) -> list[Contender]:
    """``count`` random "A & B" rules over 60 courses, no single-course rule."""
    rnd = random.Random(count)
    pairs: set[tuple[str, ...]] = set()
    while len(pairs) < count:
        pairs.add(tuple(sorted(rnd.sample(CODES, 2))))
    return [Contender(f"BC:P{n:03d}", pair, 2, Fraction(rnd.randint(3, 6)), Fraction(0))
            for n, pair in enumerate(sorted(pairs))]


def any_n(rules: int, need: int, pool: int, span: int) -> list[Contender]:
    """``rules`` overlapping "any ``need`` of ``pool``" rules over ``span`` courses."""
    rnd = random.Random(2)
    return [Contender(f"BC:A{r:03d}", tuple(CODES[i] for i in sorted(rnd.sample(range(span),
                                                                                  pool))),
                      need, Fraction(9), Fraction(0)) for r in range(rules)]


def windows(courses: int, need: int, width: int, step: int) -> list[Contender]:
    """Each of ``courses`` courses with its own rule, and "any ``need`` of ``width``"
    consecutive courses every ``step`` around them, all worth 3 credits a course: equal
    credits everywhere, so fewer rules and the ids decide."""
    own = [Contender(f"BC:S{i:03d}", (CODES[i],), 1, Fraction(3), Fraction(3))
           for i in range(courses)]
    return own + [Contender(f"BC:T{i:03d}", tuple(sorted(CODES[(i + j) % courses]
                                                          for j in range(width))),
                            need, Fraction(3 * need), Fraction(3 * need))
                  for i in range(0, courses, step)]


SHAPES: dict[str, tuple[Callable[[], list[Contender]], bool]] = {
    # name: (build, quick)
    "every pair of 19 courses (171 rules)": (lambda: every_pair(19), True),
    "300 random pairs over 60 courses": (lambda: random_pairs(300), True),
    "400 random pairs over 60 courses": (lambda: random_pairs(400), True),
    "12 x any 2 of 6 over 24 courses": (lambda: any_n(12, 2, 6, 24), False),
    "20 x any 3 of 8 over 40 courses": (lambda: any_n(20, 3, 8, 40), False),
    # a tester's, refused before the levels (hub.domain.levels)
    "24 courses, 8 x any 2 of 9 around them": (lambda: windows(24, 2, 9, 3), False),
    "60 courses, 20 x any 3 of 12 around them": (lambda: windows(60, 3, 12, 3), False),
    "60 courses, 60 x any 2 of 6 around them": (lambda: windows(60, 2, 6, 1), False),
}


def _run(name: str, answer: multiprocessing.SimpleQueue) -> None:
    contenders = SHAPES[name][0]()
    started = time.perf_counter()
    try:
        awarded = len(choose(contenders))
        outcome = f"{awarded} awarded"
    except TooComplex:
        outcome = "refused (TooComplex)"
    answer.put((time.perf_counter() - started, outcome))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the fast shapes only")
    parser.add_argument("--cache", help="accepted as every benchmark takes it; nothing is "
                                        "cached (each shape is built in a millisecond)")
    parser.add_argument("--cap", type=float, default=60.0, help="seconds before a shape is "
                                                               "stopped (default 60)")
    args = parser.parse_args()
    rows = []
    for name, (_build, quick) in SHAPES.items():
        if args.quick and not quick:
            continue
        answer: multiprocessing.SimpleQueue = multiprocessing.SimpleQueue()
        child = multiprocessing.Process(target=_run, args=(name, answer))
        child.start()
        child.join(args.cap)
        if child.is_alive():
            child.kill()
            child.join()
            rows.append(Row(name, f"stopped at {args.cap:.0f} s"))
            continue
        seconds, outcome = answer.get()
        rows.append(Row(name, f"{seconds * 1000:,.0f} ms, {outcome}"))
    print_table("One optimiser call on tangled competition", rows)


if __name__ == "__main__":
    main()
