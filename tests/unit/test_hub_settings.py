"""The hub's settings: the consumer group comes from --group or TRANSFERHUB_GROUP."""

from __future__ import annotations

import pytest

from hub.ingest.operator import ingest_factory
from hub.settings import HubSettings
from hub.store.memory_ledger import InMemoryStore
from transferhub.cli import serve
from transferhub.cli.main import build_parser


def test_the_group_defaults_to_the_one_issue_4_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRANSFERHUB_GROUP", raising=False)
    assert HubSettings.load().consumer_group == "transferhub-hub"


def test_the_environment_then_the_option_choose_the_group(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSFERHUB_GROUP", "hub-staging")
    assert HubSettings.load().consumer_group == "hub-staging"
    assert HubSettings.load(consumer_group="hub-b").consumer_group == "hub-b"


def test_serve_passes_its_group_to_the_ingest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRANSFERHUB_GROUP", raising=False)
    started: list[HubSettings] = []

    async def serving(settings: HubSettings) -> None:   # instead of starting the hub
        started.append(settings)

    monkeypatch.setattr(serve, "_serve", serving)
    args = build_parser().parse_args(["serve", "--group", "hub-b", "--metrics", ""])
    assert args.func(args) == 0
    assert ingest_factory(InMemoryStore(), started[0]).ingest.settings.group == "hub-b"


def test_metrics_on_port_0_log_the_port_taken() -> None:
    """``--metrics 127.0.0.1:0`` asks for a free port: the log names the one taken."""
    import urllib.request

    from structlog.testing import capture_logs

    from hub.bootstrap import _start_metrics

    with capture_logs() as logs:
        stop = _start_metrics("127.0.0.1:0")
    assert stop is not None
    try:
        [serving] = [e for e in logs if e["event"] == "metrics_serving"]
        host, _, port = serving["address"].rpartition(":")
        assert host == "127.0.0.1" and int(port) > 0
        with urllib.request.urlopen(f"http://{serving['address']}/metrics", timeout=5) as reply:
            assert reply.status == 200
    finally:
        stop()


async def test_an_unreachable_broker_is_warned_of_now_and_then(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The first failed start is logged, then one in ``UNREACHABLE_LOG_EVERY``."""
    import asyncio

    from structlog.testing import capture_logs

    from hub.ingest import consumer as c
    from hub.store.memory_ledger import InMemoryStore

    monkeypatch.setattr(c, "UNREACHABLE_LOG_EVERY", 3)
    ingest = c.Ingest(InMemoryStore(), c.IngestSettings.of("127.0.0.1:9"))
    def warned() -> list[int]:
        return [e["attempts"] for e in logs if e["event"] == "ingest.broker_unreachable"]

    with capture_logs() as logs:
        task = asyncio.create_task(ingest._start())
        for _ in range(300):  # about one attempt a second; 30 s at most
            if 4 in warned():
                break
            await asyncio.sleep(0.1)
        ingest.stop()
        await asyncio.wait_for(task, 10)
    assert warned() == [1, 4]


def test_white_space_around_an_environment_value_is_not_part_of_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSFERHUB_KAFKA", " 127.0.0.1:19092 ")
    monkeypatch.setenv("TRANSFERHUB_HUB", "  ")   # blank: the default
    settings = HubSettings.load()
    assert settings.kafka == "127.0.0.1:19092"
    assert settings.grpc == HubSettings().grpc
