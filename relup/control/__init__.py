"""The control channel between the ``relup`` command and a running node.

A node listens on ``<root>/run/control.sock`` (mode 0600) and, if asked, on a
loopback TCP port; every connection proves the release root's cookie by
challenge–response before it may send a request. ``docs/control-channel.md``
describes the protocol, the handshake and what they protect against.

* :mod:`relup.control.protocol` — frames and messages, sans-I/O;
* :mod:`relup.control.auth` — the cookie file and the proofs;
* :mod:`relup.control.server` — :class:`ControlServer`, mounted on a node's loop;
* :mod:`relup.control.client` — :class:`Client`, synchronous, for the CLI;
* :mod:`relup.control.transport` — the socket transport and a mock for tests;
* :mod:`relup.control.errors` — the errors, each with a kind and a hint.
"""

from relup.control.client import Client
from relup.control.errors import (
    AuthError,
    ControlError,
    ControlPermissionError,
    ControlTimeout,
    CookieError,
    FrameTooLarge,
    NodeNotRunning,
    ProtocolError,
    Reason,
    RemoteError,
)
from relup.control.protocol import ErrorInfo, Request, Response
from relup.control.server import ControlServer, Handler, OpError
from relup.control.transport import MockTransport, SocketTransport, TcpAddress, UnixAddress

__all__ = [
    "AuthError",
    "Client",
    "ControlError",
    "ControlPermissionError",
    "ControlServer",
    "ControlTimeout",
    "CookieError",
    "ErrorInfo",
    "FrameTooLarge",
    "Handler",
    "MockTransport",
    "NodeNotRunning",
    "OpError",
    "ProtocolError",
    "Reason",
    "RemoteError",
    "Request",
    "Response",
    "SocketTransport",
    "TcpAddress",
    "UnixAddress",
]
