"""The committed generated code is exactly what ``python -m transferhub.protogen`` writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from transferhub import protogen

GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def generated_files(root: Path) -> dict[str, bytes]:
    """Every generated module under ``root``'s ``transferhub/``, by relative path."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted((root / "transferhub").rglob("*"))
        if path.is_file() and path.name.endswith(GENERATED_SUFFIXES)
    }


class TestProtosInSync:
    """Generated protobuf code never drifts from the ``.proto`` files."""

    def test_regenerating_every_proto_reproduces_the_committed_files(self, tmp_path: Path
                                                                     ) -> None:
        pytest.importorskip("grpc_tools")
        protogen.generate(tmp_path)
        fresh = generated_files(tmp_path)
        committed = generated_files(protogen.ROOT)
        assert fresh, "protogen generated nothing"
        assert sorted(fresh) == sorted(committed), "a proto's generated modules are missing"
        stale = [name for name in fresh if fresh[name] != committed[name]]
        assert not stale, f"run `python -m transferhub.protogen`: {stale} are out of date"

    def test_the_hub_services_are_generated(self) -> None:
        committed = generated_files(protogen.ROOT)
        assert "transferhub/hub/v1/query_service_pb2_grpc.py" in committed
        assert "transferhub/hub/v1/operator_service_pb2_grpc.py" in committed
