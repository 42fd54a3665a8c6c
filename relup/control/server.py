"""The node's side of the control channel: an asyncio server on the node's loop.

Whoever mounts the server registers the operations it answers
(``server.register("ping", handler)``; a handler is ``async (args) -> JSON value``);
the service registers ``ping``, ``status`` and ``stop``, the release handler its own.

Rules, all so that no client can crash or stall the node:

* Every connection starts with the challenge of :mod:`relup.control.auth`; anything
  but a valid proof gets an error response (``bad-cookie`` or ``auth-required``), a
  warning in the log naming the peer, and a closed connection.
* Every frame must arrive whole within ``read_timeout`` seconds of the server
  starting to wait for it. A silent connection is closed; a half-sent frame gets a
  ``timeout`` error, then is closed. A frame over ``max_frame`` gets
  ``frame-too-large`` and is closed without its body being read; before the cookie
  is proved the bound is :data:`HANDSHAKE_FRAME` (4 KiB), so an unauthenticated
  peer cannot make the node buffer a mebibyte. Writes that the
  peer does not read within ``read_timeout`` close the connection too.
* Malformed JSON, a message of the wrong type or an unknown op gets an error
  response and the connection stays usable (the frame boundary is intact).
* A handler's exception becomes an error response: :class:`OpError`'s kind and
  message, else the exception's class name and message (logged with its traceback).
  A result that is not JSON, or too large, becomes a ``bad-result`` error.
* At most ``max_connections`` connections at once; more are told ``busy``.
* The Unix socket is bound under umask 0177 (mode 0600 from birth, then chmod-ed
  again); an existing path is replaced only if it is a socket nobody answers on.
  The TCP listener binds loopback addresses only.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import socket
import stat
import struct
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final, final

from relup.control import auth, protocol
from relup.control.errors import ControlError, FrameTooLarge, ProtocolError
from relup.control.protocol import Answer, Challenge, Request, Response, Welcome

log = logging.getLogger("relup.control")

Handler = Callable[[dict[str, Any]], Awaitable[Any]]

DEFAULT_READ_TIMEOUT: Final = 10.0
DEFAULT_MAX_CONNECTIONS: Final = 64
#: Largest frame accepted before authentication (an answer is about 200 bytes).
HANDSHAKE_FRAME: Final = 4096
_RECV_SIZE: Final = 65536
#: Longest Unix socket path the kernel accepts (sun_path is 108 bytes on Linux, 104 on BSD).
_MAX_UNIX_PATH: Final = 103


class OpError(Exception):
    """Raised by a handler to refuse a request with a chosen ``kind`` and message."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class _Closed(Exception):
    """The connection is over (EOF, timeout, or a refusal already sent)."""


@final
class ControlServer:
    """Authenticated request/response over a Unix socket and optional loopback TCP."""

    def __init__(
        self,
        cookie: bytes,
        *,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_frame: int = protocol.MAX_FRAME,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        if not cookie:
            raise ValueError("the cookie is empty")
        self._cookie = cookie
        self.read_timeout = read_timeout
        self.max_frame = max_frame
        self.max_connections = max_connections
        self._ops: dict[str, Handler] = {}
        self._servers: list[asyncio.Server] = []
        self._sockets: list[socket.socket] = []
        self._unix_paths: dict[Path, int] = {}  # path -> inode of the socket we bound
        self._connections: set[asyncio.Task[Any]] = set()
        self._waiting: set[asyncio.Task[Any]] = set()
        self._closing = False

    # ------------------------------------------------------------ operations
    def register(self, op: str, handler: Handler) -> None:
        """Answer requests for ``op`` with ``await handler(args)``; one handler per op."""
        if not op:
            raise ValueError("an op name is a non-empty string")
        if op in self._ops:
            raise ValueError(f"op {op!r} is already registered")
        self._ops[op] = handler

    @property
    def ops(self) -> list[str]:
        """The registered op names, sorted."""
        return sorted(self._ops)

    # ------------------------------------------------------------ listening
    async def listen_unix(self, path: str | os.PathLike[str]) -> None:
        """Listen on a Unix socket at ``path``, created mode 0600."""
        path = Path(path)
        if len(os.fsencode(path)) > _MAX_UNIX_PATH:
            raise ControlError(
                f"the control socket path {path} is too long for a Unix socket "
                f"({len(os.fsencode(path))} bytes; at most {_MAX_UNIX_PATH})",
                kind="socket-path-too-long",
                hint="use a release root with a shorter path",
            )
        _remove_stale_socket(path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            old = os.umask(0o177)
            try:
                sock.bind(str(path))
            finally:
                os.umask(old)
            os.chmod(path, 0o600)
            sock.listen(128)
        except BaseException:
            sock.close()
            raise
        await self.adopt(sock)

    async def listen_tcp(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on loopback ``host:port`` (0: any free port); returns the port."""
        try:
            ip = ipaddress.ip_address("127.0.0.1" if host == "localhost" else host)
        except ValueError:
            raise ControlError(
                f"the TCP listener needs a loopback IP address, not {host!r}", kind="not-loopback"
            ) from None
        if not ip.is_loopback:
            raise ControlError(
                f"the TCP listener binds loopback addresses only (127.0.0.1, ::1), not {host}",
                kind="not-loopback",
            )
        family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((str(ip), port))
            sock.listen(128)
        except OSError as e:
            sock.close()
            raise ControlError(
                f"cannot listen on {ip}:{port}: {e.strerror or e}", kind="listen-failed"
            ) from None
        await self.adopt(sock)
        return int(sock.getsockname()[1])

    async def adopt(self, sock: socket.socket) -> None:
        """Serve on a socket that is already bound and listening (one handed over by exec)."""
        sock.setblocking(False)
        os.set_inheritable(sock.fileno(), False)
        if sock.family == socket.AF_UNIX:
            # Python >= 3.13 would unlink the path on close; a re-exec must keep it
            kw: dict[str, Any] = {"cleanup_socket": False} if sys.version_info >= (3, 13) else {}
            server = await asyncio.start_unix_server(self._connection, sock=sock, **kw)
            path = Path(sock.getsockname())
            self._unix_paths[path] = os.stat(path).st_ino
        else:
            server = await asyncio.start_server(self._connection, sock=sock)
        self._servers.append(server)
        self._sockets.append(sock)

    @property
    def addresses(self) -> list[str]:
        """Where the server listens: socket paths and ``host:port`` pairs."""
        out = []
        for sock in self._sockets:
            name = sock.getsockname()
            out.append(name if isinstance(name, str) else f"{name[0]}:{name[1]}")
        return out

    @property
    def tcp_port(self) -> int | None:
        """The port of the TCP listener, if there is one."""
        for sock in self._sockets:
            if sock.family != socket.AF_UNIX:
                return int(sock.getsockname()[1])
        return None

    def detach(self) -> list[int]:
        """Inheritable duplicates of the listening sockets, for a process about to exec.

        The sockets stay bound and listening while the new program starts: clients
        that connect meanwhile wait in the backlog instead of being refused.
        """
        fds = []
        for sock in self._sockets:
            fd = os.dup(sock.fileno())
            os.set_inheritable(fd, True)
            fds.append(fd)
        self._unix_paths.clear()  # the next program owns the paths now
        return fds

    async def close(self, *, grace: float = 5.0) -> None:
        """Stop listening, let requests in progress finish (up to ``grace`` s), then close.

        Connections waiting for a request are closed at once. The Unix socket file is
        removed unless :meth:`detach` handed it over.
        """
        self._closing = True
        for server in self._servers:
            server.close()
        me = asyncio.current_task()
        for task in self._waiting:
            if task is not me:
                task.cancel()
        busy = [t for t in self._connections if t is not me and not t.done()]
        if busy:
            _, pending = await asyncio.wait(busy, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.wait(busy, timeout=1.0)
        for path, inode in self._unix_paths.items():
            with contextlib.suppress(OSError):
                if os.stat(path).st_ino == inode:
                    path.unlink()
        self._unix_paths.clear()
        self._servers.clear()
        self._sockets.clear()

    # ------------------------------------------------------------ connections
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        peer = _describe_peer(writer)
        self._connections.add(task)
        try:
            if self._closing:
                return
            if len(self._connections) > self.max_connections:
                log.warning("control: refused %s: too many connections", peer)
                await self._send(
                    writer,
                    Response.failure(
                        "busy", f"too many control connections ({self.max_connections}); retry"
                    ),
                )
                return
            # until the client has proved the cookie, a frame is at most HANDSHAKE_FRAME bytes
            frames = protocol.FrameReader(min(HANDSHAKE_FRAME, self.max_frame))
            await self._authenticate(reader, writer, frames, peer)
            frames.max_size = self.max_frame
            while True:
                try:
                    message = await self._receive(reader, writer, frames, peer)
                except ProtocolError as e:
                    await self._send(writer, Response.failure(e.reason.kind, e.message))
                    continue
                await self._send(writer, await self._dispatch(message))
        except _Closed:
            pass
        except OSError as e:
            log.debug("control: connection from %s lost: %s", peer, e)
        except asyncio.CancelledError:
            if not self._closing:
                raise
        finally:
            self._connections.discard(task)
            self._waiting.discard(task)
            writer.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _authenticate(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        frames: protocol.FrameReader,
        peer: str,
    ) -> None:
        nonce = auth.new_nonce()
        await self._send(writer, Challenge(nonce))
        try:
            answer = await self._receive(reader, writer, frames, peer)
        except ProtocolError as e:
            log.warning("control: refused %s: malformed handshake: %s", peer, e.message)
            await self._send(writer, Response.failure(e.reason.kind, e.message))
            raise _Closed from None
        if not isinstance(answer, Answer):
            log.warning(
                "control: refused %s: it sent a %s without answering the cookie challenge",
                peer,
                type(answer).__name__.lower(),
            )
            await self._send(
                writer,
                Response.failure(
                    "auth-required", "authenticate first: answer the challenge with a cookie proof"
                ),
            )
            raise _Closed
        expected = (
            auth.client_proof(self._cookie, nonce, answer.nonce)
            if auth.is_nonce(answer.nonce)
            else ""
        )
        if not expected or not auth.proofs_match(expected, answer.proof):
            log.warning("control: refused %s: wrong cookie proof", peer)
            await self._send(
                writer,
                Response.failure(
                    "bad-cookie",
                    "cookie proof refused: this client does not have the node's cookie",
                ),
            )
            raise _Closed
        await self._send(writer, Welcome(auth.server_proof(self._cookie, nonce, answer.nonce)))
        log.debug("control: authenticated %s", peer)

    async def _receive(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        frames: protocol.FrameReader,
        peer: str,
    ) -> protocol.Message:
        """The next message; :class:`_Closed` on EOF, timeout or an oversized frame."""
        if self._closing:
            raise _Closed
        task = asyncio.current_task()
        assert task is not None
        self._waiting.add(task)
        try:
            async with asyncio.timeout(self.read_timeout):
                while (payload := frames.next_payload()) is None:
                    data = await reader.read(_RECV_SIZE)
                    if not data:
                        if frames.buffered:
                            log.warning("control: %s hung up in the middle of a frame", peer)
                        raise _Closed
                    frames.feed(data)
        except FrameTooLarge as e:
            log.warning("control: closed %s: %s", peer, e.message)
            self._waiting.discard(task)
            await self._send(writer, Response.failure(e.reason.kind, e.message))
            raise _Closed from None
        except TimeoutError:
            self._waiting.discard(task)
            if frames.buffered:
                log.warning(
                    "control: closed %s: request incomplete after %g s", peer, self.read_timeout
                )
                await self._send(
                    writer,
                    Response.failure(
                        "timeout", f"request incomplete after {self.read_timeout:g} s; closing"
                    ),
                )
            else:
                log.debug("control: closed %s: idle for %g s", peer, self.read_timeout)
            raise _Closed from None
        finally:
            self._waiting.discard(task)
        return protocol.decode(payload)

    async def _dispatch(self, message: protocol.Message) -> Response:
        if not isinstance(message, Request):
            kind = type(message).__name__.lower()
            return Response.failure("unexpected-message", f"expected a request, got a {kind}")
        handler = self._ops.get(message.op)
        if handler is None:
            known = ", ".join(self.ops) or "nothing"
            return Response.failure(
                "unknown-op", f"unknown operation {message.op!r}; this node knows: {known}"
            )
        try:
            result = await handler(message.args)
        except OpError as e:
            log.info("control: %s refused: %s (%s)", message.op, e.message, e.kind)
            return Response.failure(e.kind, e.message)
        except Exception as e:
            log.exception("control: operation %r failed", message.op)
            return Response.failure(type(e).__name__, str(e) or repr(e))
        response = Response.success(result)
        try:
            protocol.encode(response, max_size=self.max_frame)
        except ProtocolError as e:
            log.error("control: the result of %r cannot be sent: %s", message.op, e.message)
            return Response.failure(
                "bad-result", f"the result of {message.op!r} cannot be sent: {e.message}"
            )
        return response

    async def _send(self, writer: asyncio.StreamWriter, message: protocol.Message) -> None:
        writer.write(protocol.encode(message, max_size=self.max_frame))
        try:
            await asyncio.wait_for(writer.drain(), self.read_timeout)
        except TimeoutError:
            raise _Closed from None


def _describe_peer(writer: asyncio.StreamWriter) -> str:
    """Who is on the other end: ``pid/uid`` for a Unix socket (Linux), ``host:port`` for TCP."""
    sock = writer.get_extra_info("socket")
    peername = writer.get_extra_info("peername")
    if sock is not None and sock.family == socket.AF_UNIX:
        if hasattr(socket, "SO_PEERCRED"):
            with contextlib.suppress(OSError):
                creds = sock.getsockopt(
                    socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")
                )
                pid, uid, _gid = struct.unpack("3i", creds)
                return f"unix client pid {pid} uid {uid}"
        return "unix client"
    if isinstance(peername, tuple):
        return f"tcp client {peername[0]}:{peername[1]}"
    return "client"


def _remove_stale_socket(path: Path) -> None:
    """Remove ``path`` if it is a socket nobody answers on; refuse anything else."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(st.st_mode):
        raise ControlError(
            f"{path} exists and is not a socket; not replacing it", kind="socket-path-taken"
        )
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(str(path))
    except ConnectionRefusedError:
        path.unlink(missing_ok=True)
        log.info("control: removed the stale socket %s", path)
        return
    except OSError as e:
        raise ControlError(
            f"cannot tell whether a node answers on {path}: {e.strerror or e}",
            kind="socket-path-taken",
        ) from None
    finally:
        probe.close()
    raise ControlError(
        f"a node already answers on {path}", kind="already-running", hint="relup node status"
    )
