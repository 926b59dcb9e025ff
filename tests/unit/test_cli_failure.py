"""What a failed command prints with ``--json`` (transferhub.cli.failure)."""

from __future__ import annotations

import json

import pytest

from transferhub.cli.failure import error_json, fail, wants_json


class TestWantsJson:
    """Read before argparse: the forms argparse itself would take as ``--json``."""

    @pytest.mark.parametrize(("argv", "wanted"), [
        (["transfer", "--json"], True),
        (["transfer", "--js"], True),           # argparse's abbreviation
        (["transfer", "--json=1"], True),       # an error argparse reports
        (["transfer", "--", "--json"], False),  # after --: an argument
        (["transfer", "--jsonx"], False),
        (["transfer", "--"], False),
        (["transfer", "-j"], False),
    ])
    def test_forms(self, argv: list[str], wanted: bool) -> None:
        assert wants_json(argv) is wanted


class TestFail:
    def test_the_document_and_the_message_say_the_same(self, capsys) -> None:
        code = fail("transferhub transfer", "--to: no institution BC:X", 1, as_json=True,
                    code="NOT_FOUND")
        out, err = capsys.readouterr()
        assert code == 1 and err == "transferhub transfer: --to: no institution BC:X\n"
        assert json.loads(out) == {"error": "--to: no institution BC:X", "code": "NOT_FOUND",
                                   "exit_code": 1}

    def test_without_json_nothing_on_standard_output(self, capsys) -> None:
        assert fail("transferhub status", "down", 3, as_json=False) == 3
        assert capsys.readouterr().out == ""

    def test_text_that_is_not_utf8_is_escaped_in_the_document(self, capsys) -> None:
        fail("transferhub transfer", "/x/\udcff.csv: cannot be read", 2, as_json=True)
        out = capsys.readouterr().out
        out.encode("utf-8")  # valid UTF-8, one line
        assert json.loads(out)["error"] == "/x/\\xff.csv: cannot be read"
        assert error_json("m", 3)["code"] == "UNAVAILABLE"


class TestDeadlineSaysWhat:
    """A call the hub did not answer in time says so (it read "Deadline Exceeded" alone)."""

    def test_a_deadline_names_the_wait_and_is_unreachable(self) -> None:
        import grpc

        from transferhub.cli.hubclient import CALL_SECONDS, HubUnreachable, _failure

        class Late(grpc.RpcError):
            def code(self) -> grpc.StatusCode:
                return grpc.StatusCode.DEADLINE_EXCEEDED

            def details(self) -> str:
                return "Deadline Exceeded"

        failure = _failure(Late(), "127.0.0.1:50051")
        assert isinstance(failure, HubUnreachable)
        assert f"did not answer within {CALL_SECONDS:.0f} s" in str(failure)
