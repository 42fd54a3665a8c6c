"""TCP owned by the runtime; data arrives as messages (Erlang's active sockets).

A process that sat in ``await reader.read()`` would be inside application code for
ever: never at a message boundary, never suspendable, pinning its version. Here the
runtime owns the socket (an asyncio Protocol) and sends to the *controlling process*:

* ``("tcp", sock, data)`` for received bytes,
* ``("tcp_error", sock, exc)`` for an error, then ``("tcp_closed", sock)``,
* ``("tcp_closed", sock)`` when the peer closes,
* ``("tcp_accept", listener, sock)`` to a listener's owner for each new connection.

A socket is *active* (``True``: every chunk is a message), *once* (one message, then
passive) or *passive* (``False``: reading is paused and what arrives is held until the
socket is made active again). Accepted sockets start passive, so the listener's owner
can hand them over with :meth:`TcpSocket.controlling_process` and no data goes to the
wrong process. Writes are plain calls. When the controlling process dies, its sockets
and listeners are closed.
"""

from __future__ import annotations

import asyncio
from typing import Any, final

from relup.runtime._errors import NodeError
from relup.runtime._process import Pid, Process, current_process


def _me() -> Process:
    proc = current_process.get()
    if proc is None:
        raise RuntimeError("not inside a relup process")
    return proc


def _adopt(proc: Process, resource: Any) -> None:
    if proc.resources is None:
        proc.resources = []
    proc.resources.append(resource)


@final
class TcpSocket:
    """A connection whose input is delivered to its controlling process as messages."""

    __slots__ = ("_buffer", "_transport", "active", "closed", "owner")

    def __init__(self, owner: Process, active: bool | str) -> None:
        self.owner = owner
        self.active = active
        self.closed = False
        self._buffer: list[Any] = []
        self._transport: asyncio.Transport | None = None
        _adopt(owner, self)

    def __repr__(self) -> str:
        return f"<TcpSocket {self.peername!r} owner={self.owner.pid!r}>"

    @property
    def peername(self) -> Any:
        return None if self._transport is None else self._transport.get_extra_info("peername")

    @property
    def sockname(self) -> Any:
        return None if self._transport is None else self._transport.get_extra_info("sockname")

    def send(self, data: bytes) -> None:
        """Write ``data`` (buffered by the transport; never blocks)."""
        if self.closed or self._transport is None:
            raise NodeError(f"socket closed: {self!r}")
        self._transport.write(data)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self._transport is not None:
                self._transport.close()

    def controlling_process(self, pid: Pid) -> None:
        """Hand the socket to ``pid``; only the current owner may (else ``not_owner``)."""
        me = current_process.get()
        if me is not None and me is not self.owner:
            raise NodeError("not_owner")
        new = pid._proc
        if new is None:
            raise NodeError(f"no process {pid!r}")
        if self.owner.resources is not None and self in self.owner.resources:
            self.owner.resources.remove(self)
        self.owner = new
        _adopt(new, self)

    def set_active(self, mode: bool | str) -> None:
        """``True``, ``"once"`` or ``False``; held input is delivered when activated."""
        self.active = mode
        while self._buffer and self.active:
            self._push(self._buffer.pop(0))
        if self.active and self._transport is not None and not self.closed:
            self._transport.resume_reading()

    def _push(self, msg: Any) -> None:
        if self.active == "once":
            self.active = False
            if self._transport is not None and not self.closed:
                self._transport.pause_reading()
        self.owner.deliver(msg) if self.owner.alive else None

    def incoming(self, msg: Any) -> None:
        if self.active:
            self._push(msg)
        else:
            self._buffer.append(msg)
            if self._transport is not None and not self.closed and msg[0] == "tcp":
                self._transport.pause_reading()

    def owner_died(self) -> None:
        self.close()


class _Protocol(asyncio.Protocol):
    def __init__(self, sock: TcpSocket | None, listener: Listener | None = None) -> None:
        self.sock = sock
        self.listener = listener

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        if self.sock is None:
            assert self.listener is not None
            owner = self.listener.owner
            if not owner.alive:
                transport.close()
                return
            self.sock = TcpSocket(owner, False)
            self.sock._transport = transport
            transport.pause_reading()
            owner.deliver(("tcp_accept", self.listener, self.sock))
        else:
            self.sock._transport = transport

    def data_received(self, data: bytes) -> None:
        if self.sock is not None:
            self.sock.incoming(("tcp", self.sock, data))

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        sock = self.sock
        if sock is None:
            return
        if exc is not None:
            sock.incoming(("tcp_error", sock, exc))
        sock.incoming(("tcp_closed", sock))
        sock.closed = True


@final
class Listener:
    """A listening socket; its owner gets ``("tcp_accept", listener, sock)`` messages."""

    __slots__ = ("owner", "port", "server")

    def __init__(self, owner: Process) -> None:
        self.owner = owner
        self.server: asyncio.Server | None = None
        self.port = 0
        _adopt(owner, self)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    def owner_died(self) -> None:
        self.close()


async def listen(port: int = 0, host: str = "127.0.0.1") -> Listener:
    """Listen on ``host:port`` (0 picks a free port: see ``.port``) for the calling process."""
    me = _me()
    listener = Listener(me)
    listener.server = await me.node.loop.create_server(
        lambda: _Protocol(None, listener), host, port
    )
    listener.port = listener.server.sockets[0].getsockname()[1]
    return listener


async def connect(host: str, port: int, *, active: bool | str = True) -> TcpSocket:
    """Connect; the calling process becomes the controlling process."""
    me = _me()
    sock = TcpSocket(me, active)
    try:
        await me.node.loop.create_connection(lambda: _Protocol(sock), host, port)
    except BaseException:
        if me.resources is not None and sock in me.resources:
            me.resources.remove(sock)
        raise
    return sock
