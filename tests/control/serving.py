"""A control server on its own loop in a thread, and raw-socket helpers, for the channel tests.

The server is the real :class:`ControlServer` on real Unix and loopback TCP sockets;
only the node around it is left out, so these tests need no OS process and run fast.
Raw sockets let the tests send what no well-behaved client would.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from relup.control import Client, ControlServer, OpError, protocol
from relup.control.auth import client_proof, ensure_cookie, new_nonce
from relup.control.transport import socket_path


async def _ping(args: dict[str, Any]) -> str:
    return "pong"


async def _echo(args: dict[str, Any]) -> dict[str, Any]:
    return args


async def _divide(args: dict[str, Any]) -> float:
    return float(args.get("a", 1)) / float(args.get("b", 0))


async def _refuse(args: dict[str, Any]) -> None:
    raise OpError("install-in-progress", "install of 2.0.0 is in progress")


async def _not_json(args: dict[str, Any]) -> object:
    return object()


async def _big(args: dict[str, Any]) -> str:
    return "x" * int(args["size"])


async def _sleep(args: dict[str, Any]) -> str:
    await asyncio.sleep(float(args["seconds"]))
    return "slept"


HANDLERS = {
    "ping": _ping,
    "echo": _echo,
    "divide": _divide,
    "refuse": _refuse,
    "not_json": _not_json,
    "big": _big,
    "sleep": _sleep,
}


class ServerThread:
    """Runs a :class:`ControlServer` for ``root`` until the ``with`` block ends."""

    def __init__(
        self,
        root: Path,
        *,
        read_timeout: float = 0.5,
        max_frame: int = protocol.MAX_FRAME,
        max_connections: int = 64,
        tcp_host: str | None = None,
    ) -> None:
        self.root = root
        (root / "run").mkdir(mode=0o700, exist_ok=True)
        self.cookie = ensure_cookie(root)
        self.socket = socket_path(root)
        self.port: int | None = None
        self._kw: dict[str, Any] = {
            "read_timeout": read_timeout,
            "max_frame": max_frame,
            "max_connections": max_connections,
        }
        self._tcp_host = tcp_host
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="control-server", daemon=True)

    def __enter__(self) -> ServerThread:
        self._thread.start()
        if not self._ready.wait(5):
            raise TimeoutError("the control server did not start")
        if self._error is not None:
            raise self._error
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
        assert not self._thread.is_alive(), "the control server thread did not stop"

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as e:
            self._error = e
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = ControlServer(self.cookie, **self._kw)
        for op, handler in HANDLERS.items():
            server.register(op, handler)
        try:
            await server.listen_unix(self.socket)
            if self._tcp_host is not None:
                self.port = await server.listen_tcp(self._tcp_host, 0)
        except BaseException as e:
            self._error = e
            self._ready.set()
            await server.close()
            return
        self._ready.set()
        await self._stop.wait()
        await server.close(grace=1.0)

    def client(self, timeout: float = 5.0) -> Client:
        return Client.for_root(self.root, timeout=timeout)


# ---------------------------------------------------------------- raw sockets
def connect_raw(path: Path, timeout: float = 5.0) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.connect(str(path))
    return sock


def send(sock: socket.socket, message: protocol.Message) -> None:
    sock.sendall(protocol.encode(message))


def receive(sock: socket.socket) -> protocol.Message | None:
    """The next message, or None if the peer closed the connection first."""
    frames = protocol.FrameReader()
    while (payload := frames.next_payload()) is None:
        data = sock.recv(65536)
        if not data:
            return None
        frames.feed(data)
    return protocol.decode(payload)


def is_closed(sock: socket.socket) -> bool:
    """Does the peer close the connection (nothing more to read)?"""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def authenticate(sock: socket.socket, cookie: bytes) -> None:
    """Run the client side of the handshake on a raw socket."""
    challenge = receive(sock)
    assert isinstance(challenge, protocol.Challenge)
    mine = new_nonce()
    send(sock, protocol.Answer(mine, client_proof(cookie, challenge.nonce, mine)))
    assert isinstance(receive(sock), protocol.Welcome)


def authenticated(server: ServerThread) -> socket.socket:
    sock = connect_raw(server.socket)
    authenticate(sock, server.cookie)
    return sock
