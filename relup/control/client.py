"""The synchronous client the CLI uses to talk to a running node.

``Client.for_root(root)`` finds the node of a release root through its Unix socket
and cookie; ``Client.for_tcp(host, port, cookie)`` reaches a node's loopback TCP
listener. Every failure is a :class:`relup.control.errors.ControlError` subclass:
:class:`NodeNotRunning`, :class:`ControlPermissionError`, :class:`CookieError`,
:class:`AuthError`, :class:`ControlTimeout`, or :class:`RemoteError` carrying the
node's ``kind`` and message when the operation itself failed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from relup.control.auth import cookie_path
from relup.control.errors import ProtocolError, RemoteError
from relup.control.protocol import Request
from relup.control.transport import SocketTransport, TcpAddress, Transport, UnixAddress, socket_path

#: Seconds a request may take, connection and handshake included, unless told otherwise.
DEFAULT_TIMEOUT: Final = 10.0


class Client:
    """Requests to one node over ``transport``; one connection reused across requests."""

    def __init__(self, transport: Transport, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.transport = transport
        self.timeout = timeout

    @classmethod
    def for_root(cls, root: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT) -> Client:
        """A client of the node of release root ``root`` (its socket and cookie)."""
        transport = SocketTransport(
            UnixAddress(socket_path(root)), cookie_path(root), root=Path(root)
        )
        return cls(transport, timeout=timeout)

    @classmethod
    def for_tcp(
        cls, host: str, port: int, cookie: bytes | Path, *, timeout: float = DEFAULT_TIMEOUT
    ) -> Client:
        """A client of the node listening on loopback ``host:port``."""
        return cls(SocketTransport(TcpAddress(host, port), cookie), timeout=timeout)

    def request(
        self, op: str, args: Mapping[str, Any] | None = None, *, timeout: float | None = None
    ) -> Any:
        """Run ``op`` on the node and return its result; :class:`RemoteError` if it failed."""
        response = self.transport.roundtrip(
            Request(op, dict(args or {})), timeout=self.timeout if timeout is None else timeout
        )
        if response.ok:
            return response.result
        assert response.error is not None
        raise RemoteError(response.error.kind, response.error.message, op=op)

    def ping(self) -> float:
        """Seconds a ``ping`` round trip takes (connection and handshake included on first use)."""
        start = time.perf_counter()
        result = self.request("ping")
        if result != "pong":
            raise ProtocolError(f"ping answered {result!r}, not 'pong'")
        return time.perf_counter() - start

    def status(self) -> dict[str, Any]:
        """The node's ``status``: pid, name, root, uptime, processes..."""
        result = self.request("status")
        if not isinstance(result, dict):
            raise ProtocolError(f"status answered a {type(result).__name__}, not an object")
        return result

    def stop(self) -> Any:
        """Ask the node to stop gracefully; it answers before it starts stopping."""
        return self.request("stop")

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
