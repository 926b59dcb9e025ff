"""The QueryService servicer: translate, call the domain off the event loop, translate back.

No business logic here (MODEL.md's rules live in ``hub.domain``) and no status
codes (``hub.api.errors`` maps every error in one place).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TypeVar

import grpc

from hub.api import requests, responses
from hub.api.errors import maps_errors
from hub.domain.answers import StackAnswer, StackQuery, TransferAnswer, TransferQuery
from hub.domain.errors import NotFound
from hub.domain.ports import EquivalencyReader
from hub.store.ports import EquivalencyRepository, Store
from transferhub.hub.v1 import query_service_pb2 as pb
from transferhub.hub.v1 import query_service_pb2_grpc as pb_grpc

T = TypeVar("T")
TransferEngine = Callable[[EquivalencyReader, TransferQuery], TransferAnswer]
StackEngine = Callable[[EquivalencyReader, StackQuery], StackAnswer]


class QueryServicer(pb_grpc.QueryServiceServicer):
    """Serves QueryService over a store, running each query in ``executor``."""

    def __init__(self, store: Store, executor: Executor, *,
                 transfer: TransferEngine, stack: StackEngine) -> None:
        self._store = store
        self._executor = executor
        self._transfer = transfer
        self._stack = stack

    async def _read(self, work: Callable[[EquivalencyRepository], T]) -> T:
        """Run ``work`` on one consistent snapshot, on a worker thread: stores block."""
        def run() -> T:
            with self._store.reader() as repo:
                return work(repo)
        return await asyncio.get_running_loop().run_in_executor(self._executor, run)

    @maps_errors
    async def Transfer(self, request: pb.TransferRequest,
                       context: grpc.aio.ServicerContext) -> pb.TransferResponse:
        """A transfer query (MODEL.md)."""
        query = requests.transfer_query(request)
        answer = await self._read(lambda repo: self._transfer(repo, query))
        return responses.transfer_response(answer)

    @maps_errors
    async def Stack(self, request: pb.StackRequest,
                    context: grpc.aio.ServicerContext) -> pb.StackResponse:
        """A stacking query (MODEL.md)."""
        query = requests.stack_query(request)
        answer = await self._read(lambda repo: self._stack(repo, query))
        return responses.stack_response(answer)

    @maps_errors
    async def ListEquivalents(self, request: pb.ListEquivalentsRequest,
                              context: grpc.aio.ServicerContext) -> pb.ListEquivalentsResponse:
        """Every rule from a credential, to an institution or province when asked.

        A ``to`` institution the hub has no record of, and that no rule from the
        credential names, is NOT_FOUND (CLI.md: an unknown receiving institution
        is NOT_FOUND), so a mistyped ``BC:UBVC`` is not answered with an empty
        list that reads as "no agreements"; rules into an institution whose own
        record has not arrived yet are still listed. Likewise a ``to`` province
        with no institution at the hub (``XX``, or one whose adapter has not
        published yet). A credential is NOT_FOUND only when the hub has no record of it
        (a retired one counts as none, as in a transfer answer's ``unknown_credential``)
        and no rule names it: one only rules name, none of them to ``to``, is an empty list.
        """
        credential = requests.credential(request.credential)
        to = requests.institution_or_province(request.to)

        def work(repo: EquivalencyRepository) -> list[pb.Equivalent]:
            rules = repo.equivalents(credential, to)
            if not rules and to and ":" in to and repo.get_institution(to) is None:
                raise NotFound(f"the hub has no record of institution {to}", field="to")
            if not rules and to and ":" not in to and not repo.list_institutions(to):
                raise NotFound(f"the hub has no institution in province {to}", field="to")
            if not rules:
                record = repo.get_credential(credential)
                if (record is None or record.retired) and not repo.named_by_rules([credential]):
                    raise NotFound(f"the hub has no record of {credential} and no rule names "
                                   "it", field="credential")
            return [responses.equivalent(rule) for rule in sorted(rules, key=lambda r: r.id)]

        return pb.ListEquivalentsResponse(credential=credential,
                                          equivalents=await self._read(work))

    @maps_errors
    async def GetCredential(self, request: pb.GetCredentialRequest,
                            context: grpc.aio.ServicerContext) -> pb.Credential:
        """One credential's record."""
        credential = requests.credential(request.credential)
        record = await self._read(lambda repo: repo.get_credential(credential))
        if record is None:
            raise NotFound(f"the hub has no record of {credential}", field="credential")
        return responses.credential(record)

    @maps_errors
    async def ListInstitutions(self, request: pb.ListInstitutionsRequest,
                               context: grpc.aio.ServicerContext
                               ) -> pb.ListInstitutionsResponse:
        """The institutions the hub knows, of one province when asked."""
        province = requests.province(request.province)
        records = await self._read(lambda repo: repo.list_institutions(province))
        return pb.ListInstitutionsResponse(
            institutions=[responses.institution(r) for r in sorted(records, key=lambda r: r.id)])
