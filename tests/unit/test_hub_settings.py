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
