"""The client's errors: each way of failing to reach a node gives its own error and hint."""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from relup.control import (
    Client,
    ControlError,
    ControlPermissionError,
    ControlTimeout,
    MockTransport,
    NodeNotRunning,
    ProtocolError,
    RemoteError,
    Request,
    Response,
    protocol,
)
from relup.control.auth import ensure_cookie, new_nonce
from relup.control.transport import socket_path
from tests.control.serving import ServerThread, send


def answer_ok(request: Request) -> Response:
    if request.op == "ping":
        return Response.success("pong")
    if request.op == "status":
        return Response.success({"pid": 1} if not request.args else [1])
    return Response.failure("unknown-op", f"unknown operation {request.op!r}")


class TestMockTransport:
    def test_result_comes_back(self) -> None:
        """A successful response's result is what request() returns."""
        client = Client(MockTransport(answer_ok))
        assert {"pid": 1} == client.status()
        assert 0 <= client.ping()

    def test_error_response_raises_remote_error(self) -> None:
        """An error response raises RemoteError with the node's kind, message and the op."""
        with pytest.raises(RemoteError) as info:
            Client(MockTransport(answer_ok)).request("nope")
        e = info.value
        assert ("unknown-op", "unknown operation 'nope'", "nope") == (
            e.remote_kind,
            e.remote_message,
            e.op,
        )
        assert "unknown-op" == e.reason.kind

    def test_mock_goes_through_the_codec(self) -> None:
        """What the handler sees was encoded and decoded: a tuple arrives as a list."""
        seen: list[Request] = []

        def handler(request: Request) -> Response:
            seen.append(request)
            return Response.success(None)

        Client(MockTransport(handler)).request("echo", {"t": (1, 2)})
        assert [Request("echo", {"t": [1, 2]})] == seen

    def test_status_must_be_an_object(self) -> None:
        """A status that is not an object is a protocol error, not a crash in the CLI."""

        def handler(request: Request) -> Response:
            return Response.success([1])

        with pytest.raises(ProtocolError):
            Client(MockTransport(handler)).status()


class TestReachingANode:
    def test_no_root_at_all(self, tmp_path: Path) -> None:
        """A root that does not exist: node-not-running, with the start command as hint."""
        root = tmp_path / "nowhere"
        with pytest.raises(NodeNotRunning) as info, Client.for_root(root) as client:
            client.request("ping")
        assert "no node is running at root" in str(info.value)
        assert f"relup node start --root {root}" == info.value.hint

    def test_stale_socket(self, node_root: Path) -> None:
        """A socket file without a listener is reported as stale."""
        (node_root / "run").mkdir()
        dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        dead.bind(str(socket_path(node_root)))
        dead.close()
        with pytest.raises(NodeNotRunning, match="stale"), Client.for_root(node_root) as c:
            c.request("ping")

    def test_socket_path_is_a_regular_file(self, node_root: Path) -> None:
        """A regular file at the socket path means no node, not a traceback."""
        (node_root / "run").mkdir()
        socket_path(node_root).write_text("")
        with pytest.raises(NodeNotRunning), Client.for_root(node_root) as client:
            client.request("ping")

    def test_nothing_on_the_tcp_port(self) -> None:
        """A TCP port nobody listens on: node-not-running naming host:port."""
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        with pytest.raises(NodeNotRunning, match=f"127.0.0.1:{port}"):
            Client.for_tcp("127.0.0.1", port, b"k").request("ping")

    def test_silent_node_times_out(self, node_root: Path) -> None:
        """A node that accepts but never speaks: ControlTimeout after the timeout."""
        (node_root / "run").mkdir()
        ensure_cookie(node_root)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(socket_path(node_root)))
        listener.listen(1)  # never accepted: the connection waits in the backlog
        try:
            with pytest.raises(ControlTimeout) as info:
                Client.for_root(node_root, timeout=0.3).request("ping")
            assert "did not answer in time" in str(info.value)
        finally:
            listener.close()

    def test_slow_operation_times_out(self, server: ServerThread) -> None:
        """The timeout covers the whole request: a slow op ends in ControlTimeout."""
        with pytest.raises(ControlTimeout), server.client(timeout=0.3) as client:
            client.request("sleep", {"seconds": 2})
        still = server.client()
        assert "pong" == still.request("ping")
        still.close()

    def test_node_hangs_up(self, node_root: Path) -> None:
        """A node that closes the connection without a word: connection-closed."""
        (node_root / "run").mkdir()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(socket_path(node_root)))
        listener.listen(1)

        def hang_up() -> None:
            conn, _ = listener.accept()
            conn.close()

        thread = threading.Thread(target=hang_up, daemon=True)
        thread.start()
        try:
            with pytest.raises(ControlError) as info:
                Client.for_root(node_root, timeout=5).request("ping")
            assert "connection-closed" == info.value.reason.kind
        finally:
            thread.join(5)
            listener.close()

    def test_other_protocol_version(self, node_root: Path) -> None:
        """A node announcing another protocol version is refused with both versions named."""
        (node_root / "run").mkdir()
        ensure_cookie(node_root)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(socket_path(node_root)))
        listener.listen(1)

        def old_node() -> None:
            conn, _ = listener.accept()
            with conn:
                send(conn, protocol.Challenge(new_nonce(), version=99))
                conn.settimeout(5)
                conn.recv(1)

        thread = threading.Thread(target=old_node, daemon=True)
        thread.start()
        try:
            with pytest.raises(ProtocolError, match="version 99; this client speaks version 1"):
                Client.for_root(node_root, timeout=5).request("ping")
        finally:
            thread.join(5)
            listener.close()

    def test_permission_denied_for_another_user(self, node_root: Path) -> None:
        """A user who is not the node's owner cannot open the socket: permission-denied."""
        run = node_root / "run"
        run.mkdir(mode=0o700)
        ensure_cookie(node_root)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(socket_path(node_root)))
        listener.listen(1)
        try:
            if os.geteuid() != 0:
                os.chmod(run, 0)
                try:
                    with pytest.raises(ControlPermissionError) as info:
                        Client.for_root(node_root, timeout=5).request("ping")
                finally:
                    os.chmod(run, 0o700)
                assert "permission denied" in str(info.value)
                return
            # root bypasses file modes: ask from a fresh Python that drops to "nobody"
            # once relup is imported (that user cannot read this interpreter's files)
            try:
                nobody = pwd.getpwnam("nobody")
            except KeyError:
                pytest.skip("no 'nobody' user to run the client as")
            os.chmod(node_root, 0o755)  # nobody may reach run/ (0700), and is refused there
            code = (
                "import os, sys\n"
                "from relup.control import Client, ControlPermissionError\n"
                f"os.setgid({nobody.pw_gid}); os.setuid({nobody.pw_uid})\n"
                "try:\n"
                f"    Client.for_root({str(node_root)!r}, timeout=5).request('ping')\n"
                "except ControlPermissionError as e:\n"
                "    print(e.reason.kind)\n"
            )
            result = subprocess.run(
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            assert (0, "permission-denied") == (result.returncode, result.stdout.strip()), (
                result.stderr
            )
        finally:
            listener.close()
