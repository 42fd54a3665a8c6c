"""`relup node ...` from the command line: output, messages, hints and exit statuses."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from relup.cli import exit_codes
from relup.control.auth import cookie_path
from relup.control.transport import socket_path
from tests.cli.fake_node import flat, run
from tests.control.serving import ServerThread
from tests.service.nodes import HOOKS, node_root

__all__ = ["node_root"]


class TestWithoutANode:
    def test_help_lists_the_commands(self) -> None:
        """`relup node --help` names each command with a one-line summary."""
        code, out, _ = run("node", "--help")
        assert exit_codes.OK == code
        for command in ("start", "stop", "status", "ping"):
            assert command in out

    @pytest.mark.parametrize("command", ["start", "stop", "status", "ping"])
    def test_no_root_is_a_usage_error(self, command: str) -> None:
        """Without --root or RELUP_ROOT every command exits 2 and says what is missing."""
        code, _, err = run("node", command, env={"RELUP_ROOT": ""})
        assert exit_codes.USAGE == code
        assert "no release root: pass --root DIR or set RELUP_ROOT" in flat(err)

    @pytest.mark.parametrize("command", ["stop", "status", "ping"])
    def test_no_node_exits_3_with_a_hint(self, command: str, node_root: Path) -> None:
        """With no node at the root: exit 3, the root named, and how to start one."""
        code, _, err = run("node", command, "--root", str(node_root))
        assert exit_codes.NODE_NOT_RUNNING == code
        assert f"error: no node is running at root {node_root}" in err
        assert f"hint: relup node start --root {node_root}" in err

    def test_relup_root_environment_variable(self, node_root: Path) -> None:
        """RELUP_ROOT stands in for --root."""
        code, _, err = run("node", "status", env={"RELUP_ROOT": str(node_root)})
        assert exit_codes.NODE_NOT_RUNNING == code
        assert str(node_root) in err

    def test_start_in_a_missing_directory(self, tmp_path: Path) -> None:
        """Starting a node for a root that does not exist fails (exit 1), naming it."""
        code, _, err = run("node", "start", "--root", str(tmp_path / "missing"))
        assert exit_codes.FAILED == code
        assert f"the release root {tmp_path / 'missing'} does not exist" in err

    def test_silent_node_exits_4(self, node_root: Path) -> None:
        """A node that does not answer in time: exit 4."""
        (node_root / "run").mkdir()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(socket_path(node_root)))
        listener.listen(1)
        try:
            code, _, err = run("node", "ping", "--root", str(node_root), "--timeout", "0.3")
        finally:
            listener.close()
        assert exit_codes.NO_ANSWER == code
        assert "did not answer in time" in err

    def test_wrong_cookie_exits_1(self, node_root: Path) -> None:
        """A root whose cookie is not the node's: refused, exit 1, with a hint."""
        with ServerThread(node_root):
            cookie_path(node_root).write_text("another-secret\n")
            code, _, err = run("node", "ping", "--root", str(node_root))
        assert exit_codes.FAILED == code
        assert "refused this client's cookie proof" in err
        assert "hint:" in err

    def test_cookie_open_to_others_exits_1(self, node_root: Path) -> None:
        """A cookie readable by others is refused before anything is sent."""
        with ServerThread(node_root):
            os.chmod(cookie_path(node_root), 0o644)
            code, _, err = run("node", "status", "--root", str(node_root))
        assert exit_codes.FAILED == code
        assert "open to group or others (mode 0644)" in err
        assert f"hint: chmod 600 {cookie_path(node_root)}" in err


@pytest.mark.slow
class TestWithANode:
    def test_start_status_ping_stop(self, node_root: Path) -> None:
        """The operator's round: start, start again (refused), status, ping, stop."""
        root = str(node_root)
        code, out, err = run("node", "start", "--root", root, "--name", "shop", "--tcp", "0")
        assert exit_codes.OK == code, err
        assert "node shop started: pid" in out
        assert "control socket" in out
        assert "tcp 127.0.0.1:" in flat(out)
        try:
            code, _, err = run("node", "start", "--root", root)
            assert exit_codes.FAILED == code
            assert "a node is already running" in err

            code, out, _ = run("node", "status", "--root", root)
            assert exit_codes.OK == code
            assert "shop" in out
            assert "uptime" in out
            assert "applications none" in flat(out)

            code, out, _ = run("node", "status", "--root", root, "--json")
            assert exit_codes.OK == code
            status = json.loads(out)
            assert ("shop", str(node_root), 0) == (
                status["name"],
                status["root"],
                status["processes"],
            )

            code, out, _ = run("node", "ping", "--root", root)
            assert exit_codes.OK == code
            assert f"pong from the node at {root} in" in out
            code, out, _ = run("node", "ping", "--root", root, "--json")
            assert True is json.loads(out)["pong"]
        finally:
            code, out, _ = run("node", "stop", "--root", root)
        assert exit_codes.OK == code
        assert f"node at {root} stopped (pid {status['pid']})" in out
        assert exit_codes.NODE_NOT_RUNNING == run("node", "status", "--root", root)[0]

    def test_failed_start_shows_the_log(self, node_root: Path) -> None:
        """A node that dies while booting: exit 1 and its log lines on stderr."""
        code, _, err = run("node", "start", "--root", str(node_root), "--boot", f"{HOOKS}:fails")
        assert exit_codes.FAILED == code
        assert "the node exited with status 1 while starting" in err
        assert "the database is unreachable" in err

    def test_start_json_is_the_status(self, node_root: Path) -> None:
        """`start --json` prints the new node's status object."""
        code, out, _ = run("node", "start", "--root", str(node_root), "--json")
        try:
            assert exit_codes.OK == code
            assert {"name", "pid", "root", "uptime", "processes", "socket"} <= set(json.loads(out))
        finally:
            assert exit_codes.OK == run("node", "stop", "--root", str(node_root))[0]
