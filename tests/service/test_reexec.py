"""reexec(): the node re-executes itself in place; pid, pid file and socket survive."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from relup import service
from relup.control import Client, ControlError, NodeNotRunning
from relup.service import Layout
from tests.service.nodes import HOOKS

pytestmark = pytest.mark.slow


def test_reexec_keeps_pid_and_socket_and_the_node_answers(node_root: Path) -> None:
    """After reexec: same pid, pid file and socket inode; applications restarted; answers."""
    layout = Layout.of(node_root)
    before = service.start(node_root, boot=f"{HOOKS}:with_apps", tcp_port=0, wait=10)
    socket_inode = os.stat(layout.socket).st_ino
    refused: list[ControlError] = []
    stop = threading.Event()

    def keep_pinging() -> None:
        # connections made during the re-exec wait in the backlog: never refused
        while not stop.is_set():
            try:
                service.ping(node_root, timeout=10)
            except NodeNotRunning as e:
                refused.append(e)
            except ControlError:
                pass  # a connection the old program had accepted is cut: allowed

    pinger = threading.Thread(target=keep_pinging, daemon=True)
    pinger.start()
    try:
        with Client.for_root(node_root) as client:
            assert {"reexec": True} == client.request("reexec")
        with Client.for_root(node_root, timeout=10) as client:
            after = client.status()
    finally:
        stop.set()
        pinger.join(15)
    try:
        assert before["pid"] == after["pid"]
        assert 1 == after["restarts"]
        assert before["started_at"] == after["started_at"]
        assert before["tcp"] == after["tcp"]  # the TCP listener was handed over too
        assert before["pid"] == layout.read_pid()
        assert socket_inode == os.stat(layout.socket).st_ino  # never unbound
        assert [] == refused
        assert [
            "start alpha",
            "start beta",
            "stop beta",
            "stop alpha",
            "start alpha",
            "start beta",
        ] == (node_root / "events").read_text().splitlines()
        assert "re-executing" in layout.log_file.read_text()
    finally:
        service.stop(node_root)
    assert not layout.node_running()
    assert not layout.socket.exists()
