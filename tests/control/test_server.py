"""The server under abuse: malformed, oversized, half-sent and failing requests never hurt it.

Each test that abuses a connection ends by checking that a fresh client still gets
``pong``: the server (and the loop it shares with the node) is unaffected.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import stat
import struct
import threading
import time
from pathlib import Path

import pytest

from relup.control import ControlError, ControlServer, RemoteError, protocol
from relup.control.server import HANDSHAKE_FRAME
from relup.control.transport import socket_path
from tests.control.serving import (
    ServerThread,
    authenticated,
    connect_raw,
    is_closed,
    receive,
    send,
)


def still_answers(server: ServerThread) -> None:
    with server.client() as client:
        assert "pong" == client.request("ping")


def error_of(message: protocol.Message | None) -> tuple[str, str]:
    assert isinstance(message, protocol.Response)
    assert message.error is not None
    return message.error.kind, message.error.message


class TestRequests:
    def test_result_and_args_round_trip(self, server: ServerThread) -> None:
        """A handler gets the request's args and its result comes back."""
        args = {"a": [1, 2.5, None, True], "b": {"c": "é"}}
        with server.client() as client:
            assert args == client.request("echo", args)

    def test_large_request_after_auth(self, server: ServerThread) -> None:
        """Once authenticated, requests may be far larger than a handshake frame."""
        args = {"data": "y" * 500_000}
        with server.client() as client:
            assert args == client.request("echo", args)

    def test_several_requests_on_one_connection(self, server: ServerThread) -> None:
        """A connection stays open for further requests after each answer."""
        sock = authenticated(server)
        for i in range(3):
            send(sock, protocol.Request("echo", {"i": i}))
            assert protocol.Response.success({"i": i}) == receive(sock)
        sock.close()

    def test_unknown_op_names_the_known_ones(self, server: ServerThread) -> None:
        """An unknown op is an unknown-op error listing what the node knows; the link stays up."""
        with server.client() as client:
            with pytest.raises(RemoteError) as info:
                client.request("instal")
            assert "unknown-op" == info.value.remote_kind
            assert "'instal'" in info.value.remote_message
            assert "echo, not_json, ping, refuse, sleep" in info.value.remote_message
            assert "pong" == client.request("ping")  # same connection

    def test_handler_exception_is_an_error_response(
        self, server: ServerThread, caplog: pytest.LogCaptureFixture
    ) -> None:
        """An exception in a handler becomes kind=class name, message=str; logged with traceback."""
        with server.client() as client:
            with pytest.raises(RemoteError) as info:
                client.request("divide", {"a": 1, "b": 0})
            assert ("ZeroDivisionError", "float division by zero") == (
                info.value.remote_kind,
                info.value.remote_message,
            )
            assert "pong" == client.request("ping")
        failed = [r for r in caplog.records if "operation 'divide' failed" in r.getMessage()]
        assert 1 == len(failed)
        assert failed[0].exc_info is not None

    def test_op_error_chooses_kind_and_message(self, server: ServerThread) -> None:
        """OpError passes its kind and message through unchanged."""
        with pytest.raises(RemoteError) as info, server.client() as client:
            client.request("refuse")
        assert ("install-in-progress", "install of 2.0.0 is in progress") == (
            info.value.remote_kind,
            info.value.remote_message,
        )
        assert "refuse: install of 2.0.0 is in progress (install-in-progress)" == str(info.value)

    def test_result_that_is_not_json(self, server: ServerThread) -> None:
        """A handler returning something JSON cannot carry gets bad-result, not a dead link."""
        with server.client() as client:
            with pytest.raises(RemoteError) as info:
                client.request("not_json")
            assert "bad-result" == info.value.remote_kind
            assert "pong" == client.request("ping")

    def test_result_over_the_size_bound(self, node_root: Path) -> None:
        """A result larger than the frame bound is a bad-result error."""
        with ServerThread(node_root, max_frame=4096) as small, small.client() as client:
            assert "x" * 100 == client.request("big", {"size": 100})
            with pytest.raises(RemoteError) as info:
                client.request("big", {"size": 10_000})
            assert "bad-result" == info.value.remote_kind
            assert "pong" == client.request("ping")

    def test_concurrent_clients(self, server: ServerThread) -> None:
        """Clients on many threads at once are all answered, each with its own args."""
        results: dict[int, object] = {}

        def work(i: int) -> None:
            with server.client() as client:
                results[i] = client.request("echo", {"i": i})

        threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert {i: {"i": i} for i in range(20)} == results

    def test_slow_handler_does_not_block_other_clients(self, server: ServerThread) -> None:
        """While one request sleeps in its handler, another client is answered."""
        done = threading.Event()

        def slow() -> None:
            with server.client() as client:
                client.request("sleep", {"seconds": 0.4})
            done.set()

        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.05)
        still_answers(server)
        assert not done.is_set()
        thread.join(5)


class TestAbuse:
    def test_malformed_json_gets_an_error_and_the_link_stays(self, server: ServerThread) -> None:
        """Bad JSON in a well-formed frame: a malformed error, then the next request works."""
        sock = authenticated(server)
        body = b"{not json"
        sock.sendall(struct.pack(">I", len(body)) + body)
        kind, _ = error_of(receive(sock))
        assert "malformed" == kind
        send(sock, protocol.Request("ping"))
        assert protocol.Response.success("pong") == receive(sock)
        sock.close()

    def test_wrong_message_type_after_auth(self, server: ServerThread) -> None:
        """A handshake message where a request belongs is an unexpected-message error."""
        sock = authenticated(server)
        send(sock, protocol.Welcome("x"))
        assert ("unexpected-message", "expected a request, got a welcome") == error_of(
            receive(sock)
        )
        sock.close()

    def test_oversized_frame_is_refused_and_closed(self, server: ServerThread) -> None:
        """A header over 1 MiB gets frame-too-large and a closed connection, body unread."""
        sock = authenticated(server)
        sock.sendall(struct.pack(">I", protocol.MAX_FRAME + 1) + b"{")
        kind, message = error_of(receive(sock))
        assert "frame-too-large" == kind
        assert f"{protocol.MAX_FRAME + 1} bytes" in message
        assert is_closed(sock)
        sock.close()
        still_answers(server)

    def test_oversized_frame_before_auth(self, server: ServerThread) -> None:
        """Before the cookie is proved, frames over 4 KiB are refused."""
        sock = connect_raw(server.socket)
        assert isinstance(receive(sock), protocol.Challenge)
        sock.sendall(struct.pack(">I", HANDSHAKE_FRAME + 1))
        assert "frame-too-large" == error_of(receive(sock))[0]
        assert is_closed(sock)
        sock.close()
        still_answers(server)

    def test_half_sent_request_times_out(
        self, server: ServerThread, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Half a frame, then silence: a timeout error after read_timeout, then close."""
        sock = authenticated(server)
        frame = protocol.encode(protocol.Request("ping"))
        sock.sendall(frame[: len(frame) // 2])
        start = time.monotonic()
        kind, _ = error_of(receive(sock))
        waited = time.monotonic() - start
        assert "timeout" == kind
        assert 0.3 < waited < 3.0
        assert is_closed(sock)
        sock.close()
        assert any("request incomplete" in r.getMessage() for r in caplog.records)
        still_answers(server)

    def test_half_sent_header(self, server: ServerThread) -> None:
        """Two bytes of a header are a half-sent request as well."""
        sock = authenticated(server)
        sock.sendall(b"\x00\x00")
        assert "timeout" == error_of(receive(sock))[0]
        sock.close()
        still_answers(server)

    def test_silent_client_is_disconnected(self, server: ServerThread) -> None:
        """A client that never answers the challenge is closed after read_timeout."""
        sock = connect_raw(server.socket)
        assert isinstance(receive(sock), protocol.Challenge)
        start = time.monotonic()
        assert is_closed(sock)
        assert time.monotonic() - start < 3.0
        sock.close()
        still_answers(server)

    def test_hang_up_mid_frame(self, server: ServerThread) -> None:
        """A client that disconnects in the middle of a frame does no harm."""
        sock = authenticated(server)
        sock.sendall(struct.pack(">I", 100) + b"{")
        sock.close()
        still_answers(server)

    def test_garbage_before_auth(self, server: ServerThread) -> None:
        """Random bytes instead of an answer get an error and a closed connection."""
        sock = connect_raw(server.socket)
        receive(sock)
        sock.sendall(b"\x00\x00\x00\x05hello")
        assert "malformed" == error_of(receive(sock))[0]
        assert is_closed(sock)
        sock.close()
        still_answers(server)

    def test_too_many_connections(self, node_root: Path) -> None:
        """Past max_connections a new connection is told busy; the others keep working."""
        with ServerThread(node_root, max_connections=2) as limited:
            held = [connect_raw(limited.socket) for _ in range(2)]
            for sock in held:
                assert isinstance(receive(sock), protocol.Challenge)
            extra = connect_raw(limited.socket)
            assert "busy" == error_of(receive(extra))[0]
            extra.close()
            for sock in held:
                sock.close()
            time.sleep(0.05)
            still_answers(limited)


class TestListening:
    def test_unix_socket_is_0600_even_under_a_permissive_umask(self, node_root: Path) -> None:
        """The socket is created 0600 whatever the process umask is."""
        old = os.umask(0)
        try:
            with ServerThread(node_root) as running:
                mode = stat.S_IMODE(os.stat(running.socket).st_mode)
        finally:
            os.umask(old)
        assert 0o600 == mode

    def test_socket_removed_on_close(self, node_root: Path) -> None:
        """Closing the server removes its socket file."""
        with ServerThread(node_root) as running:
            assert running.socket.exists()
        assert not socket_path(node_root).exists()

    def test_stale_socket_is_replaced(self, node_root: Path) -> None:
        """A socket file nobody listens on (a crashed node's) is removed and rebound."""
        (node_root / "run").mkdir()
        dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        dead.bind(str(socket_path(node_root)))
        dead.close()  # the file stays; nothing listens
        with ServerThread(node_root) as running:
            still_answers(running)

    def test_live_socket_is_not_replaced(self, node_root: Path) -> None:
        """A socket something answers on is left alone and the new server refuses to start."""
        (node_root / "run").mkdir()
        live = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        live.bind(str(socket_path(node_root)))
        live.listen(1)
        try:
            with pytest.raises(ControlError, match="already answers") as info:
                ServerThread(node_root).__enter__()
            assert "already-running" == info.value.reason.kind
            assert socket_path(node_root).exists()
        finally:
            live.close()

    def test_non_socket_path_is_not_replaced(self, node_root: Path) -> None:
        """A regular file where the socket goes is never deleted."""
        (node_root / "run").mkdir()
        socket_path(node_root).write_text("precious")
        with pytest.raises(ControlError, match="is not a socket"):
            ServerThread(node_root).__enter__()
        assert "precious" == socket_path(node_root).read_text()

    @pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "::", "example.com"])
    def test_tcp_binds_loopback_only(self, host: str) -> None:
        """The TCP listener refuses any address that is not loopback."""

        async def main() -> None:
            server = ControlServer(b"k")
            with pytest.raises(ControlError) as info:
                await server.listen_tcp(host, 0)
            assert "not-loopback" == info.value.reason.kind
            assert [] == server.addresses

        asyncio.run(main())

    def test_tcp_listener_answers_authenticated_clients(self, node_root: Path) -> None:
        """Over 127.0.0.1 the same handshake and ops apply."""
        from relup.control import Client

        with ServerThread(node_root, tcp_host="127.0.0.1") as running:
            assert running.port is not None
            with Client.for_tcp("127.0.0.1", running.port, running.cookie) as client:
                assert "pong" == client.request("ping")

    def test_duplicate_op_is_refused(self) -> None:
        """An op has one handler; registering it twice is a programming error."""

        async def handler(args: dict[str, object]) -> None:
            return None

        server = ControlServer(b"k")
        server.register("ping", handler)
        with pytest.raises(ValueError, match="already registered"):
            server.register("ping", handler)

    def test_socket_path_too_long(self, tmp_path: Path) -> None:
        """A root too deep for a Unix socket path gets a clear error, not an OSError."""
        deep = tmp_path / ("d" * 100)
        (deep / "run").mkdir(parents=True)

        async def main() -> None:
            with pytest.raises(ControlError, match="too long") as info:
                await ControlServer(b"k").listen_unix(socket_path(deep))
            assert "socket-path-too-long" == info.value.reason.kind

        asyncio.run(main())


@pytest.fixture(autouse=True)
def _quiet_expected_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="relup.control")
