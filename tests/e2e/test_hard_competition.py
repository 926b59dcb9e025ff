"""A transcript whose rules compete past the search's bound is answered over gRPC.

24 of a learner's courses, each with its own 3-credit rule at UBC, and eight "any 2
of 9" rules around them worth the same per course: a tester's shape, refused
(RESOURCE_EXHAUSTED, CLI exit 1) until :mod:`hub.domain.levels` settled such
competition criterion by criterion. Through the real server and the real CLI: the
integer programs run in the server's query threads.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date
from pathlib import Path

from hub.api.server import create_server, stop_server
from hub.domain.model import CreditSystem, Grant, GrantKind, Institution, Rule
from hub.store.factory import open_store

COURSES = [f"BC:CAPU:C {i:03d}" for i in range(24)]


def _seed(url: str) -> None:
    store = open_store(url)
    grant = (Grant(GrantKind.UNASSIGNED, 3.0, subject="ENGL", level=1),)
    try:
        with store.unit_of_work() as uow:
            repo = uow.equivalencies
            for code, name in (("BC:CAPU", "Capilano"), ("BC:UBCV", "UBC")):
                repo.upsert_institution(Institution(code, name, CreditSystem("credits", 3),
                                                    version=1))
            for i, course in enumerate(COURSES):
                repo.upsert_rule(Rule(f"BC:S{i:03d}", 1, (course,), "BC:UBCV",
                                      GrantKind.UNASSIGNED, (grant,),
                                      effective_start=date(2000, 1, 1)))
            for i in range(0, 24, 3):
                window = tuple(sorted(COURSES[(i + j) % 24] for j in range(9)))
                repo.upsert_rule(Rule(
                    f"BC:T{i:03d}", 1, window, "BC:UBCV", GrantKind.UNASSIGNED,
                    ((Grant(GrantKind.UNASSIGNED, 6.0, subject="ENGL", level=1),),),
                    any_n=2, effective_start=date(2000, 1, 1)))
            uow.commit()
    finally:
        store.close()


async def test_a_hard_competition_is_answered_through_the_cli(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    _seed(url)
    store = open_store(url)
    server, port = await create_server(store)
    try:
        args = [arg for course in COURSES for arg in ("--completed", f"{course}=A@2020-04")]
        cli = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "transferhub.cli.main", "transfer", "--to", "BC:UBCV",
            *args, "--json", "--hub", f"127.0.0.1:{port}",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(cli.communicate(), 120)
        assert cli.returncode == 0, err.decode()[-2000:]
        answer = json.loads(out)
        # Credits tie (3 a course, every course used): fewer rules decide, so all eight
        # windows are awarded, each with two of its courses, and eight courses alone.
        rules = [item["rule"] for item in answer["awarded"]]
        assert sum(rule.startswith("BC:T") for rule in rules) == 8
        assert len(rules) == 16
        assert answer["total_credits"] == 72.0 and answer["not_transferred"] == []
    finally:
        await stop_server(server, grace=1.0)
        store.close()
