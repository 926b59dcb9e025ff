"""Answers and errors larger than gRPC's defaults, each field within its cap (a tester).

- An error quoting a province's long text (a grading scale of nine 2,000-character
  letters) is cut to ``MAX_MESSAGE``: gRPC carries the message in a header of at most
  16 KiB, and it came back RESOURCE_EXHAUSTED instead of INVALID_ARGUMENT.
- The CLI takes answers past gRPC's 4 MiB default (40 rules of 128 KiB notations from
  one credential), which it refused with a raw RESOURCE_EXHAUSTED.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date
from pathlib import Path

import grpc
import pytest

from hub.api.errors import MAX_MESSAGE
from hub.api.server import create_server, stop_server
from hub.domain.grades import GradingScale
from hub.domain.model import MAX_TEXT, CreditSystem, Grant, GrantKind, Institution, Rule
from hub.store.factory import open_store
from transferhub.hub.v1 import query_service_pb2 as pb
from transferhub.hub.v1.query_service_pb2_grpc import QueryServiceStub

SENDING = "BC:CAPU:EQ 2"
RULES = 40


def _seed(url: str) -> None:
    store = open_store(url)
    # Nine letters of 2,000 characters, half of them three UTF-8 bytes each.
    letters = {f"{chr(65 + i)}{'+中' * 999}": 90 - i for i in range(9)} | {"F": 0}
    try:
        with store.unit_of_work() as uow:
            repo = uow.equivalencies
            repo.upsert_institution(Institution("BC:CAPU", "Capilano", CreditSystem("credits", 3),
                                                GradingScale.of(letters), version=1))
            repo.upsert_institution(Institution("BC:UBCV", "UBC", CreditSystem("credits", 3),
                                                version=1))
            for n in range(RULES):
                repo.upsert_rule(Rule(
                    f"BC:{n}", 1, (SENDING,), "BC:UBCV", GrantKind.COURSE,
                    ((Grant(GrantKind.COURSE, 3.0, code=f"ENGL {100 + n}", subject="ENGL",
                            level=1),),),
                    effective_start=date(2000, 1, 1), notation="N" * MAX_TEXT))
            uow.commit()
    finally:
        store.close()


async def _cli(*args: str) -> tuple[int | None, str, str]:
    cli = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "transferhub.cli.main", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(cli.communicate(), 120)
    return cli.returncode, out.decode(), err.decode()


async def test_long_errors_and_large_answers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    _seed(url)
    store = open_store(url)
    server, port = await create_server(store)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await QueryServiceStub(channel).Transfer(pb.TransferRequest(
                    receiving_institution="BC:UBCV",
                    completed=[pb.CompletedCredential(credential=SENDING, grade="B",
                                                      completed_on="2020-04")]))
        assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert refused.value.details().startswith("completed[0].grade")
        assert len(refused.value.details().encode()) <= MAX_MESSAGE

        code, _, err = await _cli("transfer", "--to", "BC:UBCV", "--completed",
                                  f"{SENDING}=B@2020-04", "--hub", f"127.0.0.1:{port}")
        assert code == 2 and "completed[0].grade" in err, err[-2000:]

        code, out, err = await _cli("equivalents", SENDING, "--json",
                                    "--hub", f"127.0.0.1:{port}")
        assert code == 0, err[-2000:]
        assert len(out) > 4 * 1024 * 1024   # past gRPC's default
        assert len(json.loads(out)["equivalents"]) == RULES
    finally:
        await stop_server(server, grace=1.0)
        store.close()
