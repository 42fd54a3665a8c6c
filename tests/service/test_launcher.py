"""A real node process: start, status, ping, stop, one per root, stale files, failed boots.

Every test here runs ``python -m relup.service`` as a separate OS process (through
``relup.service.start``) and talks to it over its real Unix socket.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import struct
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from relup import service
from relup.control import AuthError, Client, NodeNotRunning, RemoteError, protocol
from relup.control.transport import SocketTransport, UnixAddress, socket_path
from relup.service import Layout, NodeAlreadyRunning, StartError, launcher
from tests.control.serving import authenticate, connect_raw, receive
from tests.service.nodes import HOOKS, service_command, wait_for

pytestmark = pytest.mark.slow


def events(root: Path) -> list[str]:
    path = root / "events"
    return path.read_text().splitlines() if path.exists() else []


def test_start_status_ping_stop(node_root: Path) -> None:
    """The whole life of a node: files and modes, status fields, ping, stop, clean-up."""
    status = service.start(node_root, name="alpha@test", wait=10)
    layout = Layout.of(node_root)
    pid = status["pid"]
    assert pid == layout.read_pid()
    assert ("alpha@test", str(layout.root)) == (status["name"], status["root"])
    assert (str(layout.socket), None, 0) == (status["socket"], status["tcp"], status["restarts"])
    assert ["ping", "status", "stop"] == status["ops"]
    assert 0 <= status["uptime"] < 30
    assert 0o600 == stat.S_IMODE(os.stat(layout.socket).st_mode)
    assert 0o700 == stat.S_IMODE(os.stat(layout.run_dir).st_mode)
    assert 0o600 == stat.S_IMODE(os.stat(layout.cookie).st_mode)
    assert 0 < service.ping(node_root) < 5
    log = layout.log_file.read_text()
    assert "no releases in" in log  # the default boot hook says why nothing runs
    assert "ready" in log

    assert pid == service.stop(node_root)
    assert not layout.node_running()
    assert not layout.pid_file.exists()
    assert not layout.socket.exists()
    assert "node alpha@test stopped" in layout.log_file.read_text()
    with pytest.raises(NodeNotRunning):
        service.stop(node_root)
    with pytest.raises(NodeNotRunning):
        service.status(node_root)


def test_one_node_per_root(node_root: Path) -> None:
    """A second start, from the launcher or directly, is refused; the first node is unharmed."""
    first = service.start(node_root, wait=10)
    try:
        with pytest.raises(NodeAlreadyRunning, match=rf"\(pid {first['pid']}\)") as info:
            service.start(node_root, wait=10)
        assert info.value.hint is not None
        direct = subprocess.run(
            service_command(node_root), capture_output=True, text=True, timeout=30, check=False
        )
        assert 1 == direct.returncode
        assert f"a node is already running at root {node_root}" in direct.stderr
        assert first["pid"] == service.status(node_root)["pid"]
    finally:
        service.stop(node_root)


def test_restart_after_a_crash_leaves_stale_files(node_root: Path) -> None:
    """After SIGKILL the pid file and socket stay behind; the next start replaces them."""
    layout = Layout.of(node_root)
    old = service.start(node_root, wait=10)["pid"]
    os.kill(old, signal.SIGKILL)
    wait_for(lambda: not layout.node_running(), what="the killed node's lock to be freed")
    assert layout.socket.exists()
    assert old == layout.read_pid()
    with pytest.raises(NodeNotRunning, match="stale"):
        service.ping(node_root)
    new = service.start(node_root, wait=10)["pid"]
    try:
        assert old != new
        assert new == layout.read_pid()
        assert 0 < service.ping(node_root)
    finally:
        service.stop(node_root)


def test_kill_waits_until_the_lock_is_free(node_root: Path) -> None:
    """`kill` SIGKILLs the node and returns its pid once the lock is free; then None."""
    layout = Layout.of(node_root)
    pid = service.start(node_root, wait=10)["pid"]
    assert pid == launcher.kill(node_root)
    assert not layout.node_running()
    assert "stopped" not in layout.log_file.read_text()  # no graceful stop
    assert launcher.kill(node_root) is None


def test_log_tail_keeps_the_last_lines_after_start(tmp_path: Path) -> None:
    """`log_tail` reads from byte `start` and keeps the last `lines` lines; no file, ""."""
    log = tmp_path / "node.log"
    log.write_text("old\none\ntwo\nthree\n")
    assert "old\none\ntwo\nthree" == launcher.log_tail(log)
    assert "two\nthree" == launcher.log_tail(log, lines=2)
    assert "one\ntwo\nthree" == launcher.log_tail(log, len("old\n"))
    assert "" == launcher.log_tail(tmp_path / "missing.log")


def test_socket_someone_answers_on_is_not_taken(node_root: Path) -> None:
    """A live listener at the socket path (no lock held) makes the start fail, not steal it."""
    layout = Layout.of(node_root)
    layout.prepare()
    squatter = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    squatter.bind(str(socket_path(node_root)))
    squatter.listen(1)
    try:
        with pytest.raises(StartError, match="already answers on"):
            service.start(node_root, wait=10)
        assert not layout.node_running()
        assert not layout.pid_file.exists()
    finally:
        squatter.close()


def test_failing_boot_shows_the_log(node_root: Path) -> None:
    """A boot hook that raises: StartError with the node's own log lines, nothing left."""
    with pytest.raises(StartError) as info:
        service.start(node_root, boot=f"{HOOKS}:fails", wait=10)
    message = str(info.value)
    assert "exited with status 1" in message
    assert "RuntimeError: cannot boot: the database is unreachable" in message
    assert not Layout.of(node_root).node_running()
    assert not Layout.of(node_root).pid_file.exists()


def test_silent_node_is_terminated_after_wait(
    node_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A boot that never ends: StartError after --wait; SIGTERM cancels the boot."""
    # The 0.5 s of silence start once the node has logged "booting" (its SIGTERM
    # handler is then installed): however long a loaded machine takes to start
    # Python, the log tail and the cancelled boot do not depend on it.
    wait_until_up = launcher._wait_until_up
    window: list[float] = []

    def after_booting(
        layout: Layout, proc: subprocess.Popen[bytes], wait: float, log_start: int
    ) -> dict[str, Any]:
        wait_for(
            lambda: proc.poll() is not None or "booting" in layout.log_file.read_text(),
            timeout=60,
            what="the node to log 'booting'",
        )
        window.append(time.monotonic())
        return wait_until_up(layout, proc, wait, log_start)

    monkeypatch.setattr(launcher, "_wait_until_up", after_booting)
    with pytest.raises(StartError, match=r"did not answer within 0\.5 s") as info:
        service.start(node_root, boot=f"{HOOKS}:hangs", wait=0.5)
    assert time.monotonic() - window[0] < 5  # the wait, then a graceful stop, no SIGKILL
    assert "booting" in str(info.value)  # the log tail
    assert not Layout.of(node_root).node_running()
    assert "boot cancelled" in Layout.of(node_root).log_file.read_text()


def test_stop_stops_applications_in_reverse_order(node_root: Path) -> None:
    """`stop` stops beta before alpha (reverse start order), then the process ends."""
    status = service.start(node_root, boot=f"{HOOKS}:with_apps", wait=10)
    assert ["beta", "alpha"] == [a["name"] for a in status["applications"]]
    assert 4 <= status["processes"]  # two masters, two supervisors, two workers
    assert {"alpha_worker", "beta_worker"} <= set(status["registered"])
    assert {"boom", "reexec", "sleep"} <= set(status["ops"])
    service.stop(node_root)
    assert ["start alpha", "start beta", "stop beta", "stop alpha"] == events(node_root)


def test_sigterm_is_a_graceful_stop(node_root: Path) -> None:
    """SIGTERM takes the same path as `stop`: applications stopped, files removed."""
    layout = Layout.of(node_root)
    pid = service.start(node_root, boot=f"{HOOKS}:with_apps", wait=10)["pid"]
    os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not layout.node_running(), what="the node to stop")
    assert ["start alpha", "start beta", "stop beta", "stop alpha"] == events(node_root)
    assert not layout.pid_file.exists()
    assert not layout.socket.exists()
    assert "received SIGTERM" in layout.log_file.read_text()


def test_abuse_of_the_real_socket_leaves_the_node_up(node_root: Path) -> None:
    """Wrong cookie, malformed JSON, oversized and half-sent frames, a failing op: still up."""
    service.start(node_root, boot=f"{HOOKS}:with_apps", wait=10, read_timeout=0.5)
    layout = Layout.of(node_root)
    try:
        cookie = (node_root / "cookie").read_bytes().strip()
        with pytest.raises(AuthError):
            Client(SocketTransport(UnixAddress(layout.socket), b"wrong")).request("ping")
        wait_for(lambda: "wrong cookie proof" in layout.log_file.read_text(), what="a log line")

        sock = connect_raw(layout.socket)
        authenticate(sock, cookie)
        sock.sendall(struct.pack(">I", 3) + b"{{{")
        malformed = receive(sock)
        assert isinstance(malformed, protocol.Response)
        assert malformed.error is not None
        assert "malformed" == malformed.error.kind
        sock.sendall(struct.pack(">I", protocol.MAX_FRAME + 1))
        assert isinstance(receive(sock), protocol.Response)
        assert receive(sock) is None  # closed
        sock.close()

        half = connect_raw(layout.socket)
        authenticate(half, cookie)
        half.sendall(protocol.encode(protocol.Request("ping"))[:5])
        timeout = receive(half)
        assert isinstance(timeout, protocol.Response)
        assert timeout.error is not None
        assert "timeout" == timeout.error.kind
        half.close()

        with Client.for_root(node_root) as client:
            with pytest.raises(RemoteError) as info:
                client.request("boom", {"why": "test"})
            assert ("ValueError", "boom: test") == (
                info.value.remote_kind,
                info.value.remote_message,
            )
            send_ok = client.request("ping")
        assert "pong" == send_ok
        assert "operation 'boom' failed" in layout.log_file.read_text()
    finally:
        service.stop(node_root)
    assert ["start alpha", "start beta", "stop beta", "stop alpha"] == events(node_root)
