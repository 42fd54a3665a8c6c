"""What crosses the wire: every byte of TCP handshakes, recorded by a proxy, lacks the cookie.

A real node process listens on 127.0.0.1 (``--tcp 0``); the client talks to it
through a small recording proxy, also on 127.0.0.1, that keeps every byte in both
directions. The test checks that the bytes were really a handshake and an answered
request (so that the check is not vacuous), then that the cookie appears in none of
the usual spellings.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading
from pathlib import Path

import pytest

from relup import service
from relup.control import AuthError, Client
from relup.control.auth import cookie_path, read_cookie
from relup.control.protocol import FrameReader


class RecordingProxy:
    """Forwards one 127.0.0.1 port to another, recording each direction's bytes."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(10)
        self.port = self.listener.getsockname()[1]
        self.to_node = bytearray()
        self.to_client = bytearray()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._accepter = threading.Thread(target=self._accept, daemon=True)
        self._accepter.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            node = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
            self._sockets += [client, node]
            for src, dst, record in (
                (client, node, self.to_node),
                (node, client, self.to_client),
            ):
                t = threading.Thread(target=self._pump, args=(src, dst, record), daemon=True)
                t.start()
                self._threads.append(t)

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket, record: bytearray) -> None:
        src.settimeout(10)
        try:
            while data := src.recv(65536):
                record += data
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.listener.close()
        for t in self._threads:
            t.join(5)
        for s in self._sockets:
            s.close()


def messages(stream: bytes) -> list[dict[str, object]]:
    reader = FrameReader()
    reader.feed(stream)
    out = []
    while (payload := reader.next_payload()) is not None:
        out.append(json.loads(payload))
    return out


@pytest.mark.slow
def test_cookie_never_crosses_the_tcp_listener(node_root: Path) -> None:
    """Handshakes, good and bad, and a request over TCP: the cookie is in no byte sent."""
    status = service.start(node_root, tcp_port=0, wait=10)
    try:
        port = status["tcp"]["port"]
        assert "127.0.0.1" == status["tcp"]["host"]
        proxy = RecordingProxy(port)
        cookie = read_cookie(cookie_path(node_root))
        with Client.for_tcp("127.0.0.1", proxy.port, cookie, timeout=10) as client:
            assert "pong" == client.request("ping")
            assert status["pid"] == client.status()["pid"]
        with (
            pytest.raises(AuthError),
            Client.for_tcp("127.0.0.1", proxy.port, b"0" * 64, timeout=10) as client,
        ):
            client.request("ping")
        proxy.close()
    finally:
        service.stop(node_root)

    sent_by_client = messages(bytes(proxy.to_node))
    sent_by_node = messages(bytes(proxy.to_client))
    # not vacuous: two handshakes and two answered requests went through the proxy
    assert ["answer", "request", "request", "answer"] == [m["type"] for m in sent_by_client]
    assert ["challenge", "welcome", "response", "response", "challenge", "response"] == [
        m["type"] for m in sent_by_node
    ]
    wire = bytes(proxy.to_node) + bytes(proxy.to_client)
    spellings = {
        cookie,
        cookie.upper(),
        bytes.fromhex(cookie.decode()),
        base64.b64encode(cookie),
        base64.b64encode(bytes.fromhex(cookie.decode())),
        json.dumps(cookie.decode()).encode(),
    }
    for spelling in spellings:
        assert spelling not in wire
    # nor any 16-character piece of it (a partial leak)
    text = cookie.decode()
    pieces = {text[i : i + 16].encode() for i in range(len(text) - 15)}
    assert set() == {p for p in pieces if p in wire}
