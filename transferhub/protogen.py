"""Generate the Python protobuf and gRPC code from ``protos/``.

Run ``python -m transferhub.protogen`` after editing a ``.proto`` file; the
generated modules are committed under ``transferhub/`` and a test regenerates
them into a temporary folder and compares, so they never drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"


def proto_files() -> list[Path]:
    """Every ``.proto`` file of the project, in a stable order."""
    return sorted(PROTOS.rglob("*.proto"))


def generate(out_dir: Path) -> None:
    """Write ``*_pb2.py``, ``*_pb2.pyi`` and ``*_pb2_grpc.py`` for every proto into ``out_dir``."""
    import grpc_tools
    from grpc_tools import protoc  # dev dependency: only needed to regenerate

    include = Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{PROTOS}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *[str(p.relative_to(PROTOS)) for p in proto_files()],
    ]
    code = protoc.main(args)
    if code != 0:
        raise SystemExit(f"protoc failed with exit code {code}")
    for package in {p.relative_to(PROTOS).parent for p in proto_files()}:
        for level in range(1, len(package.parts) + 1):
            init = out_dir / Path(*package.parts[:level]) / "__init__.py"
            if not init.exists() and level > 1:
                init.write_text("")


if __name__ == "__main__":
    generate(ROOT)
    sys.exit(0)
