"""How a request reaches a node: a real socket, or a function for tests.

The client (:mod:`relup.control.client`) only needs ``roundtrip(request) -> response``.
:class:`SocketTransport` does that over a Unix socket or loopback TCP: it connects
on first use, runs the handshake of :mod:`relup.control.auth`, and turns every way
the operating system or the node can fail into one :class:`ControlError` subclass
that names the address and what to do. :class:`MockTransport` answers with a plain
function, after a trip through the encoder and decoder so that what a test sees is
what would have crossed the wire (httpx's mock transport, for the same reason).

Blocking sockets with deadlines, not asyncio: the CLI makes one request and exits.
"""

from __future__ import annotations

import errno
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

from relup.control import auth, protocol
from relup.control.errors import (
    AuthError,
    ControlError,
    ControlPermissionError,
    ControlTimeout,
    NodeNotRunning,
    ProtocolError,
    RemoteError,
)
from relup.control.protocol import Answer, Challenge, Request, Response, Welcome

RUN_DIR: Final = "run"
SOCKET_NAME: Final = "control.sock"
_RECV_SIZE: Final = 65536


def socket_path(root: str | os.PathLike[str]) -> Path:
    """The control socket of release root ``root``: ``<root>/run/control.sock``."""
    return Path(root) / RUN_DIR / SOCKET_NAME


@dataclass(frozen=True)
class UnixAddress:
    """A node's Unix domain socket."""

    path: Path

    def __str__(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class TcpAddress:
    """A node's loopback TCP listener."""

    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


Address = UnixAddress | TcpAddress


class Transport(Protocol):
    """Carries one request to a node and brings its response back."""

    def roundtrip(self, request: Request, *, timeout: float) -> Response: ...

    def close(self) -> None: ...


class MockTransport:
    """Answers with ``handler``; requests and responses go through encode and decode."""

    def __init__(self, handler: Callable[[Request], Response]) -> None:
        self._handler = handler

    def roundtrip(self, request: Request, *, timeout: float) -> Response:
        sent = protocol.decode(protocol.encode(request)[protocol.HEADER_SIZE :])
        assert isinstance(sent, Request)
        answer = protocol.decode(protocol.encode(self._handler(sent))[protocol.HEADER_SIZE :])
        if not isinstance(answer, Response):
            raise ProtocolError(f"mock handler returned {type(answer).__name__}, not a Response")
        return answer

    def close(self) -> None:
        pass


class SocketTransport:
    """One authenticated connection to a node, opened on the first request.

    ``cookie`` is the secret itself or the path of the cookie file (read only once
    the node has answered, so that "no node here" wins over "no cookie here").
    ``root``, when known, makes the hints name the release root.
    """

    def __init__(
        self, address: Address, cookie: bytes | Path, *, root: str | os.PathLike[str] | None = None
    ) -> None:
        self.address = address
        self._cookie = cookie
        self._root = root
        self._sock: socket.socket | None = None
        self._frames = protocol.FrameReader()

    # ------------------------------------------------------------ public
    def roundtrip(self, request: Request, *, timeout: float) -> Response:
        deadline = time.monotonic() + timeout
        try:
            if self._sock is None:
                self._sock = self._connect(deadline)
                self._handshake(deadline)
            self._send(request, deadline)
            answer = self._receive(deadline)
        except BaseException:
            self.close()
            raise
        if not isinstance(answer, Response):
            self.close()
            raise ProtocolError(f"the node sent a {type(answer).__name__} instead of a response")
        return answer

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
            self._frames = protocol.FrameReader()

    # ------------------------------------------------------------ connection
    def _where(self) -> str:
        return f"root {self._root}" if self._root is not None else str(self.address)

    def _start_hint(self) -> str | None:
        return f"relup node start --root {self._root}" if self._root is not None else None

    def _connect(self, deadline: float) -> socket.socket:
        address = self.address
        if isinstance(address, UnixAddress):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target: str | tuple[str, int] = str(address.path)
        else:
            family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            target = (address.host, address.port)
        try:
            sock.settimeout(self._remaining(deadline))
            sock.connect(target)
        except BaseException as e:
            sock.close()
            raise self._connect_error(e) from None
        return sock

    def _connect_error(self, e: BaseException) -> BaseException:
        where = self._where()
        if isinstance(e, FileNotFoundError):
            return NodeNotRunning(
                f"no node is running at {where}: there is no control socket {self.address}",
                hint=self._start_hint(),
            )
        if isinstance(e, ConnectionRefusedError):
            detail = (
                f"the control socket {self.address} is stale (its node has exited)"
                if isinstance(self.address, UnixAddress)
                else f"nothing listens on {self.address}"
            )
            return NodeNotRunning(
                f"no node is running at {where}: {detail}", hint=self._start_hint()
            )
        if isinstance(e, PermissionError):
            return ControlPermissionError(
                f"permission denied opening the control socket {self.address}: "
                "the node belongs to another user",
                hint="run the command as the user who started the node",
            )
        if isinstance(e, TimeoutError):
            return self._timeout()
        if isinstance(e, OSError) and e.errno in (errno.ENOTSOCK, errno.ENOTDIR):
            return NodeNotRunning(f"no node is running at {where}: {self.address} is not a socket")
        if isinstance(e, OSError):
            return ControlError(f"cannot connect to {self.address}: {e}", kind="connect-failed")
        return e

    def _handshake(self, deadline: float) -> None:
        challenge = self._receive(deadline)
        if isinstance(challenge, Response) and challenge.error is not None:
            raise RemoteError(challenge.error.kind, challenge.error.message)
        if not isinstance(challenge, Challenge):
            raise ProtocolError(
                f"the node sent a {type(challenge).__name__} instead of a challenge"
            )
        if challenge.version != protocol.PROTOCOL_VERSION:
            raise ProtocolError(
                f"the node speaks control protocol version {challenge.version}; "
                f"this client speaks version {protocol.PROTOCOL_VERSION}",
                hint="use the relup of the node's release to talk to it",
            )
        if not auth.is_nonce(challenge.nonce):
            raise ProtocolError("the node's challenge nonce is not 32 bytes of hex")
        cookie = self._read_cookie()
        mine = auth.new_nonce()
        self._send(Answer(mine, auth.client_proof(cookie, challenge.nonce, mine)), deadline)
        reply = self._receive(deadline)
        if isinstance(reply, Response) and reply.error is not None:
            if reply.error.kind == "bad-cookie":
                raise AuthError(
                    f"the node at {self._where()} refused this client's cookie proof: "
                    f"{self._cookie_name()} is not the node's cookie",
                    hint="use the cookie file of the node's release root",
                )
            raise RemoteError(reply.error.kind, reply.error.message)
        if not isinstance(reply, Welcome):
            raise ProtocolError(f"the node sent a {type(reply).__name__} instead of a welcome")
        if not auth.proofs_match(auth.server_proof(cookie, challenge.nonce, mine), reply.proof):
            raise AuthError(
                f"the node at {self.address} could not prove that it knows the cookie "
                f"{self._cookie_name()}: it is not the node of this root",
            )

    def _cookie_name(self) -> str:
        return str(self._cookie) if isinstance(self._cookie, Path) else "the given cookie"

    def _read_cookie(self) -> bytes:
        if isinstance(self._cookie, Path):
            self._cookie = auth.read_cookie(self._cookie)
        return self._cookie

    # ------------------------------------------------------------ bytes
    def _remaining(self, deadline: float) -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left

    def _timeout(self) -> ControlTimeout:
        return ControlTimeout(
            f"the node at {self._where()} did not answer in time",
            hint="the node may be busy or hung: see its log, or try again with a longer --timeout",
        )

    def _send(self, message: protocol.Message, deadline: float) -> None:
        assert self._sock is not None
        data = protocol.encode(message)
        try:
            self._sock.settimeout(self._remaining(deadline))
            self._sock.sendall(data)
        except TimeoutError:
            raise self._timeout() from None
        except OSError as e:
            raise self._lost(e) from None

    def _receive(self, deadline: float) -> protocol.Message:
        assert self._sock is not None
        while (payload := self._frames.next_payload()) is None:
            try:
                self._sock.settimeout(self._remaining(deadline))
                data = self._sock.recv(_RECV_SIZE)
            except TimeoutError:
                raise self._timeout() from None
            except OSError as e:
                raise self._lost(e) from None
            if not data:
                raise ControlError(
                    f"the node at {self._where()} closed the connection without answering",
                    kind="connection-closed",
                )
            self._frames.feed(data)
        return protocol.decode(payload)

    def _lost(self, e: OSError) -> ControlError:
        return ControlError(
            f"the connection to the node at {self._where()} was lost: {e.strerror or e}",
            kind="connection-lost",
        )
