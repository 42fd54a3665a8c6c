"""A node in the foreground: logs on stdout too, and Ctrl-C (SIGINT) or SIGTERM stops it cleanly."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from relup import service
from relup.control import ControlError
from relup.service import Layout
from tests.service.nodes import HOOKS, service_command, spawn_foreground, wait_for

pytestmark = pytest.mark.slow


def answers(root: Path) -> bool:
    try:
        service.ping(root, timeout=1)
    except ControlError:
        return False
    return True


def run_until_signal(command: list[str], root: Path, sig: int) -> tuple[int, str]:
    proc = spawn_foreground(command)
    try:
        wait_for(lambda: answers(root) or proc.poll() is not None, what="the node to answer")
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=15)
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait()
    return proc.returncode, out


def test_sigint_stops_a_foreground_node(node_root: Path) -> None:
    """`python -m relup.service` logs to stdout and stops gracefully on SIGINT (exit 0)."""
    code, out = run_until_signal(
        service_command(node_root, "--boot", f"{HOOKS}:with_apps"), node_root, signal.SIGINT
    )
    assert 0 == code, out
    assert "ready" in out
    assert "received SIGINT" in out
    assert "stopped" in out
    assert ["start alpha", "start beta", "stop beta", "stop alpha"] == (
        node_root / "events"
    ).read_text().splitlines()
    layout = Layout.of(node_root)
    assert not layout.pid_file.exists()
    assert not layout.socket.exists()
    assert out.strip().splitlines() == layout.log_file.read_text().strip().splitlines()


def test_cli_foreground_start_stops_on_sigterm(node_root: Path) -> None:
    """`relup node start --foreground` runs the node in the CLI's own process."""
    command = [
        sys.executable,
        "-m",
        "relup",
        "node",
        "start",
        "--foreground",
        "--root",
        str(node_root),
    ]
    proc_code, out = run_until_signal(command, node_root, signal.SIGTERM)
    assert 0 == proc_code, out
    assert "received SIGTERM" in out
    assert not Layout.of(node_root).node_running()


def test_no_root_is_a_usage_error() -> None:
    """Without --root or RELUP_ROOT the service exits 2 and says what is missing."""
    env_free = subprocess.run(
        [sys.executable, "-m", "relup.service"],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert 2 == env_free.returncode
    assert "no release root" in env_free.stderr
