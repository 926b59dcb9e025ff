"""Competitions of one- and two-credential rules are settled as a weighted matching.

An adversarial tester found the branch and bound exponential on them: every
"A & B" pair of 19 courses (171 rules) took 6.5 s, 300 random pairs over 60
courses more than a minute. Such a component is now a maximum-weight matching
(:mod:`hub.domain.matching`); the answers must be exactly the earlier exact
solver's (``reference``, every N-subset of every rule), tie-breaks included.
"""

from __future__ import annotations

import random
from fractions import Fraction
from itertools import combinations

import grpc
import pytest

from hub.api.errors import status_for
from hub.domain import optimiser, packing
from hub.domain.errors import TooComplex
from hub.domain.levels import best_plan
from hub.domain.optimiser import Contender, choose
from tests.unit.test_optimiser_speed import CODES, any_n, reference, timed


def world(seed: int) -> list[Contender]:
    """Dense random competition over 10-15 credentials: singles, "any 1 of", pairs and
    "any 2 of 3", credits 0 to 6 in halves, rule ids whose text order is not numeric."""
    rnd = random.Random(seed)
    codes = CODES[:rnd.randint(10, 15)]
    out = []
    for r in range(rnd.randint(8, 22)):
        # "any 2 of 4" is not a matching (two disjoint pairs of one rule): left to the search
        shape = rnd.choice(["single", "any1", "pair", "pair", "any2of3", "any2of4"]
                           if seed % 4 == 0 else ["single", "any1", "pair", "pair", "any2of3"])
        if shape == "single":
            pool, need = (rnd.choice(codes),), 1
        elif shape == "any1":
            pool, need = tuple(rnd.sample(codes, rnd.randint(2, 4))), 1
        elif shape == "pair":
            pool, need = tuple(rnd.sample(codes, 2)), 2
        else:
            pool, need = tuple(rnd.sample(codes, 3 if shape == "any2of3" else 4)), 2
        credits = Fraction(rnd.randint(0, 12), 2)
        course = credits if rnd.random() < 0.5 else Fraction(0)
        out.append(Contender(f"BC:{rnd.choice([r, r + 7, r * 11])}-{r}", pool, need,
                             credits, course))
    return out


class TestSameAnswersAsTheReference:
    def test_random_dense_worlds(self, monkeypatch: pytest.MonkeyPatch) -> None:
        matched = []
        real = packing.best_matching

        def spy(*args, **kwargs):
            matched.append(1)
            return real(*args, **kwargs)

        monkeypatch.setattr(packing, "best_matching", spy)
        for seed in range(120):
            contenders = world(seed)
            got = [(c.rule_id, c.used) for c in choose(contenders)]
            assert got == reference(contenders), f"seed {seed}"
        assert len(matched) > 60   # most worlds went through the matching, not the search

    def test_equal_worth_everywhere_is_settled_by_ids_then_credentials(self) -> None:
        # Every pair of 10 courses worth the same: criteria 1-4 tie across many plans.
        contenders = [Contender(f"BC:{i}{j}", (CODES[i], CODES[j]), 2, Fraction(3),
                                Fraction(3)) for i, j in combinations(range(10), 2)]
        assert [(c.rule_id, c.used) for c in choose(contenders)] == reference(contenders)


class TestWhatTheSearchCouldNotSettle:
    """The tester's inputs: answered well inside the cap, each a valid packing."""

    @staticmethod
    def _valid(answer: list[tuple[str, tuple[str, ...]]], size: int) -> None:
        used = [c for _, creds in answer for c in creds]
        assert len(used) == len(set(used))
        assert len(answer) == size

    def test_every_pair_of_19_courses(self) -> None:
        contenders = [Contender(f"BC:P{i:02d}{j:02d}", (CODES[i], CODES[j]), 2,
                                Fraction(3), Fraction(3)) for i, j in combinations(range(19), 2)]
        answer = timed(contenders, "every pair of 19")
        self._valid(answer, 9)
        assert answer[0] == ("BC:P0001", (CODES[0], CODES[1]))   # the first ids win the tie

    @pytest.mark.parametrize("count", [300, 400])
    def test_random_pairs_without_singles(self, count: int) -> None:
        rnd = random.Random(count)
        pairs = set()
        while len(pairs) < count:
            pairs.add(tuple(sorted(rnd.sample(CODES, 2))))
        contenders = [Contender(f"BC:P{n:03d}", pair, 2, Fraction(rnd.randint(3, 6)),
                                Fraction(0)) for n, pair in enumerate(sorted(pairs))]
        answer = timed(contenders, f"{count} random pairs, no singles")
        self._valid(answer, 30)                  # 60 courses: a perfect matching exists


class TestPastTheSearchBound:
    """Competition the search cannot settle within its steps is settled criterion by
    criterion (:mod:`hub.domain.levels`), to the same answer; only what neither settles in
    the query's time is refused, never guessed: MODEL.md asks for the best set, and a
    runaway search held a core and a gigabyte for minutes."""

    def test_past_its_steps_the_levels_answer_as_the_search(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        competition = any_n(5, 3, 12, 24, credits=12)  # about 50,000 steps
        monkeypatch.setattr(optimiser, "_SHAPES", {})
        searched = choose(competition)
        settled = []
        monkeypatch.setattr(optimiser, "best_plan", lambda *a: settled.append(1) or best_plan(*a))
        monkeypatch.setattr(optimiser, "SEARCH_BEFORE_LEVELS", 1_000)
        monkeypatch.setattr(optimiser, "_SHAPES", {})   # not answered from the run above
        assert choose(competition) == searched
        assert settled

    def test_refused_with_the_reason(self, monkeypatch: pytest.MonkeyPatch) -> None:
        _no_time(monkeypatch)
        with pytest.raises(TooComplex, match="too many to settle exactly"):
            choose(any_n(5, 3, 12, 24, credits=12))

    def test_the_api_says_resource_exhausted(self) -> None:
        code, message = status_for(TooComplex("the rules competing … are too many"))
        assert (code, message) == (grpc.StatusCode.RESOURCE_EXHAUSTED,
                                   "the rules competing … are too many")

    def test_a_refusal_keeps_no_search_state(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A live hub grew about 75 MB with every refused query: the error's traceback
        held the search and its memo, and the hub's collector runs rarely."""
        _no_time(monkeypatch)
        with pytest.raises(TooComplex) as caught:
            choose(any_n(5, 3, 12, 24, credits=12))
        held, error = [], caught.value
        frames: list[str] = []
        while error is not None:  # the levels' refusal, and the search's before it
            tb = error.__traceback__
            while tb is not None:
                held += [v for v in tb.tb_frame.f_locals.values()
                         if isinstance(v, packing._Search)]
                tb = tb.tb_next
            frames += _frames(error)
            error = error.__context__
        assert held and all(not s.memo and not s.bounds for s in held)
        assert "solve" not in frames


def _no_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A query's time spent before it starts: the search and the levels both refuse."""
    monkeypatch.setattr(optimiser, "MAX_SECONDS", 0.0)
    monkeypatch.setattr(optimiser, "SEARCH_BEFORE_LEVELS", 1_000)
    monkeypatch.setattr(optimiser, "_SHAPES", {})


def _frames(error: BaseException) -> list[str]:
    names, tb = [], error.__traceback__
    while tb is not None:
        names.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    return names


def _one_pool(tag: str, size: int = 100) -> list[Contender]:
    """A tester's 125 rules over one pool: any 99, any 50 and any 1 of the same 100 courses.
    Each search step over it costs about 300 µs: 150,000 steps took 46 s."""
    pool = tuple(f"BC:{tag}:A {k:03d}" for k in range(size))
    out = [Contender(f"BC:{tag}99-{r:02d}", pool, size - 1, 3 + r, 3 + r) for r in range(20)]
    out += [Contender(f"BC:{tag}50-{r:02d}", pool, size // 2, 3 + r, 3 + r) for r in range(5)]
    return out + [Contender(f"BC:{tag}1-{r:03d}", pool, 1, 1, 1) for r in range(size)]


class TestSearchClock:
    """Past MAX_SECONDS of search a query is refused, however few its steps: two queries
    searching 46 s each held both query threads while a trivial one missed its deadline."""

    @pytest.fixture(autouse=True)
    def _half_a_second(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(optimiser, "MAX_SECONDS", 0.5)
        monkeypatch.setattr(packing, "MAX_SECONDS", 0.5)
        monkeypatch.setattr(optimiser, "_SHAPES", {})

    def test_refused_after_the_seconds(self) -> None:
        with pytest.raises(TooComplex, match=r"too many to settle exactly \(its time\)"):
            choose(_one_pool("P"))

    def test_the_seconds_are_the_whole_querys(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # (each component's search also stops at its own SECONDS_BEFORE_LEVELS: not here)
        monkeypatch.setattr(optimiser, "SECONDS_BEFORE_LEVELS", 1e9)
        deadlines = []

        def spied(*args: object, deadline: float, max_steps: int) -> dict[int, int]:
            deadlines.append(deadline)
            return packing.best_packing(*args, deadline=deadline,  # type: ignore[arg-type]
                                        max_steps=max_steps)

        monkeypatch.setattr(optimiser, "best_packing", spied)
        # Two components of any 2 of 5 (the search's, not the matching's): one deadline.
        choose(any_n(6, 2, 5, 14) + [Contender(c.rule_id + "X", tuple(
            code.replace("C ", "D ") for code in c.pool), c.required, c.credits,
            c.course_credits) for c in any_n(6, 2, 5, 14, seed=5)])
        assert len(deadlines) == 2 and len(set(deadlines)) == 1
