"""What every operator command shares: --root, exit statuses, refusals, JSON errors."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from relup.cli import exit_codes
from relup.control.transport import socket_path
from tests.cli.fake_node import FakeNode, Refusal, fake_node, flat, run

__all__ = ["fake_node"]

#: One invocation of each operator command that is valid but for the root.
COMMANDS = [
    ["unpack", __file__],
    ["install", "2.0.0"],
    ["downgrade", "1.0.0"],
    ["permanent", "2.0.0"],
    ["remove", "1.0.0"],
    ["releases"],
    ["ps"],
    ["call", "kv_store", "ping"],
    ["cast", "kv_store", "ping"],
    ["load", "kv_store"],
    ["purge", "kv_store"],
]


class TestRoot:
    @pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
    def test_no_root_is_a_usage_error(self, command: list[str]) -> None:
        """Without --root or RELUP_ROOT every command exits 2 and says what is missing."""
        code, _, err = run(*command, env={"RELUP_ROOT": ""})
        assert exit_codes.USAGE == code
        assert "no release root: pass --root DIR or set RELUP_ROOT" in flat(err)

    @pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
    def test_no_node_exits_3_with_a_hint(self, command: list[str], tmp_path: Path) -> None:
        """With no node at the root: exit 3, the root named, and how to start one."""
        code, _, err = run(*command, "--root", str(tmp_path))
        assert exit_codes.NODE_NOT_RUNNING == code
        assert f"error: no node is running at root {tmp_path}" in err
        assert f"hint: relup node start --root {tmp_path}" in err

    def test_relup_root_environment_variable(self, fake_node: FakeNode, tmp_path: Path) -> None:
        """RELUP_ROOT stands in for --root."""
        code, _, _ = run("releases", env={"RELUP_ROOT": str(tmp_path)})
        assert exit_codes.OK == code
        assert ["releases"] == fake_node.ops()

    def test_silent_node_exits_4(self, tmp_path: Path) -> None:
        """A node that does not answer within --timeout: exit 4."""
        (tmp_path / "run").mkdir()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(socket_path(tmp_path)))
        listener.listen(1)
        try:
            code, _, err = run("releases", "--root", str(tmp_path), "--timeout", "0.3")
        finally:
            listener.close()
        assert exit_codes.NO_ANSWER == code
        assert "did not answer in time" in err


class TestRefusals:
    def test_hint_is_split_from_the_message(self, fake_node: FakeNode) -> None:
        """The node's "message\\nhint: ..." is shown as an error line and a hint line."""
        fake_node.answers["remove"] = Refusal(
            "RunningRelease", "release 2.0.0 is the one running\nhint: install another first"
        )
        code, _, err = run("remove", "2.0.0")
        assert exit_codes.FAILED == code
        assert ["error: release 2.0.0 is the one running", "hint: install another first"] == (
            err.splitlines()
        )

    def test_node_without_release_handler(self, fake_node: FakeNode) -> None:
        """An unknown op means the node has no release handler; the hint says how to fix it."""
        del fake_node.answers["ps"]
        code, _, err = run("ps")
        assert exit_codes.FAILED == code
        assert "error: unknown operation 'ps'" in err
        assert "relup node stop, then relup node start" in flat(err)

    def test_json_error_on_stdout(self, fake_node: FakeNode) -> None:
        """With --json a refusal is also printed on stdout as {"error": {kind, message, hint}}."""
        fake_node.answers["permanent"] = Refusal(  # as the node words it
            "NoSuchRelease",
            "no release '9.9.9'\n"
            "hint: relup releases lists the node's releases; relup unpack PACKAGE adds one",
        )
        code, out, err = run("permanent", "9.9.9", "--json")
        assert exit_codes.FAILED == code
        assert {
            "error": {
                "kind": "NoSuchRelease",
                "message": "no release '9.9.9'",
                "hint": "relup releases lists the node's releases; relup unpack PACKAGE adds one",
            }
        } == json.loads(out)
        assert "error: no release '9.9.9'" in err

    def test_json_error_when_no_node(self, tmp_path: Path) -> None:
        """A channel error with --json: the same JSON error shape, with the channel's kind."""
        code, out, _ = run("releases", "--root", str(tmp_path), "--json")
        assert exit_codes.NODE_NOT_RUNNING == code
        error = json.loads(out)["error"]
        assert "node-not-running" == error["kind"]
        assert f"relup node start --root {tmp_path}" == error["hint"]

    def test_answer_that_is_not_an_object(self, fake_node: FakeNode) -> None:
        """An answer of the wrong shape is a protocol error (exit 1), naming the op."""
        fake_node.answers["ps"] = ["not", "an", "object"]
        code, _, err = run("ps")
        assert exit_codes.FAILED == code
        assert "the node answered ps with a list, not an object" in err
