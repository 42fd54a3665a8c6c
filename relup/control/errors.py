"""Errors of the control channel, the way the CLI needs them: one class per thing to fix.

Each error carries a :class:`Reason`: a stable kebab-case ``kind`` that scripts and
tests can match, and a ``hint`` naming the repair (shown by the CLI's diagnostics)::

    RelupError
    └── ControlError               anything that stops a request from being answered
        ├── ProtocolError          bytes that are not a valid frame or message
        │   └── FrameTooLarge      a frame over the size bound (the peer closes)
        ├── CookieError            cookie file missing, empty, or readable by others
        ├── AuthError              a cookie proof was refused, by the node or the client
        ├── NodeNotRunning         nothing answers at the socket (no node at this root)
        ├── ControlPermissionError the socket or its directory is not ours to open
        ├── ControlTimeout         the node took longer than the timeout to answer
        └── RemoteError            the node ran the operation and it failed: kind, message
"""

from __future__ import annotations

from dataclasses import dataclass

from relup.errors import RelupError


@dataclass(frozen=True)
class Reason:
    """Why a request failed, as data: a stable ``kind`` and an optional repair ``hint``."""

    kind: str
    hint: str | None = None


class ControlError(RelupError):
    """Base class of the channel's errors."""

    kind = "control-error"

    def __init__(self, message: str, *, hint: str | None = None, kind: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason = Reason(kind or self.kind, hint)

    @property
    def hint(self) -> str | None:
        return self.reason.hint


class ProtocolError(ControlError):
    """A frame or message that breaks the protocol (bad length, JSON or shape)."""

    kind = "protocol-error"


class FrameTooLarge(ProtocolError):
    """A frame whose declared length is over the bound; the stream cannot be resynchronised."""

    kind = "frame-too-large"

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"frame of {size} bytes is over the limit of {limit} bytes")
        self.size = size
        self.limit = limit


class CookieError(ControlError):
    """The cookie file cannot be used: missing, empty, not a file, or open to others."""

    kind = "bad-cookie-file"


class AuthError(ControlError):
    """The challenge–response failed: the two sides do not share the cookie."""

    kind = "bad-cookie"


class NodeNotRunning(ControlError):
    """No node answers at the address (no socket, or a stale one)."""

    kind = "node-not-running"


class ControlPermissionError(ControlError):
    """The operating system refused access to the socket (another user's node)."""

    kind = "permission-denied"


class ControlTimeout(ControlError):
    """The node did not answer within the timeout."""

    kind = "timeout"


class RemoteError(ControlError):
    """The node answered with an error: ``kind`` and ``message`` come from the node."""

    def __init__(self, kind: str, message: str, *, op: str | None = None) -> None:
        where = f"{op}: " if op else ""
        super().__init__(f"{where}{message} ({kind})", kind=kind)
        self.remote_kind = kind
        self.remote_message = message
        self.op = op
