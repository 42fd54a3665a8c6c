"""The control protocol, sans-I/O: bytes in, messages out, and back.

Rules (each checked by ``tests/control/test_protocol.py``):

* A *frame* is a 4-byte big-endian unsigned length, then that many bytes of UTF-8
  JSON holding one object. A frame longer than :data:`MAX_FRAME` (1 MiB) is refused
  as soon as its header is seen, before any of its body is buffered; the stream
  cannot be resynchronised after that, so the peer closes the connection.
* Every message is a JSON object with a ``"type"``: ``challenge``, ``answer`` and
  ``welcome`` make up the handshake (:mod:`relup.control.auth` says what the nonces
  and proofs are); then the client sends ``request`` and the server ``response``,
  one for one, in order.
* Fields are checked strictly: a missing field, a field of the wrong type or an
  unknown ``type`` is a :class:`ProtocolError` naming it. A bad payload inside a
  well-formed frame leaves the stream in step, so the server answers with an error
  and reads the next frame.
* JSON is written ASCII-only (any Python string round-trips, lone surrogates
  included) and without NaN or infinities, which other JSON readers refuse.
* Nothing here does I/O: the server feeds bytes read from asyncio streams, the client
  bytes from a blocking socket, and the tests lists of chunks.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any, Final

from relup.control.errors import FrameTooLarge, ProtocolError

#: Largest payload accepted or sent, in bytes (the 4-byte header not included).
MAX_FRAME: Final = 1 << 20
#: Version announced in the challenge; a client refuses a version it does not know.
PROTOCOL_VERSION: Final = 1

_HEADER: Final = struct.Struct(">I")
HEADER_SIZE: Final = _HEADER.size


@dataclass(frozen=True, slots=True)
class Challenge:
    """Server → client, first message: a fresh nonce to prove the cookie against."""

    nonce: str
    version: int = PROTOCOL_VERSION


@dataclass(frozen=True, slots=True)
class Answer:
    """Client → server: the client's own nonce and its proof over both nonces."""

    nonce: str
    proof: str


@dataclass(frozen=True, slots=True)
class Welcome:
    """Server → client after a valid answer: the server's proof over both nonces."""

    proof: str


@dataclass(frozen=True, slots=True)
class Request:
    """Client → server: run operation ``op`` with keyword arguments ``args``."""

    op: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """Why a request failed: a stable ``kind`` (e.g. ``unknown-op``) and a message."""

    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class Response:
    """Server → client: ``result`` if ``ok``, else ``error``."""

    ok: bool
    result: Any = None
    error: ErrorInfo | None = None

    @classmethod
    def success(cls, result: Any) -> Response:
        return cls(ok=True, result=result)

    @classmethod
    def failure(cls, kind: str, message: str) -> Response:
        return cls(ok=False, error=ErrorInfo(kind, message))


Message = Challenge | Answer | Welcome | Request | Response


# ------------------------------------------------------------------ frames
def frame(payload: bytes, *, max_size: int = MAX_FRAME) -> bytes:
    """``payload`` with its length header; :class:`FrameTooLarge` if over ``max_size``."""
    if len(payload) > max_size:
        raise FrameTooLarge(len(payload), max_size)
    return _HEADER.pack(len(payload)) + payload


class FrameReader:
    """Accumulates bytes and hands out whole payloads, refusing oversized frames early."""

    def __init__(self, max_size: int = MAX_FRAME) -> None:
        self.max_size = max_size
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        """Add bytes received from the peer."""
        self._buffer += data

    @property
    def buffered(self) -> int:
        """Bytes held that are not yet a whole frame (0: at a frame boundary)."""
        return len(self._buffer)

    def next_payload(self) -> bytes | None:
        """The next whole payload, or None until more bytes arrive.

        Raises :class:`FrameTooLarge` as soon as a header announces more than
        ``max_size`` bytes.
        """
        if len(self._buffer) < HEADER_SIZE:
            return None
        (size,) = _HEADER.unpack_from(self._buffer)
        if size > self.max_size:
            raise FrameTooLarge(size, self.max_size)
        end = HEADER_SIZE + size
        if len(self._buffer) < end:
            return None
        payload = bytes(self._buffer[HEADER_SIZE:end])
        del self._buffer[:end]
        return payload


# ------------------------------------------------------------------ messages
def to_json(message: Message) -> dict[str, Any]:
    """The JSON object for ``message``."""
    if isinstance(message, Challenge):
        return {"type": "challenge", "version": message.version, "nonce": message.nonce}
    if isinstance(message, Answer):
        return {"type": "answer", "nonce": message.nonce, "proof": message.proof}
    if isinstance(message, Welcome):
        return {"type": "welcome", "proof": message.proof}
    if isinstance(message, Request):
        return {"type": "request", "op": message.op, "args": message.args}
    if message.ok:
        return {"type": "response", "ok": True, "result": message.result}
    assert message.error is not None
    error = {"kind": message.error.kind, "message": message.error.message}
    return {"type": "response", "ok": False, "error": error}


def encode(message: Message, *, max_size: int = MAX_FRAME) -> bytes:
    """``message`` as one frame.

    Raises :class:`ProtocolError` (kind ``not-json``) if a value cannot be written as
    JSON, and :class:`FrameTooLarge` if the frame would be over ``max_size``.
    """
    try:
        text = json.dumps(
            to_json(message), ensure_ascii=True, allow_nan=False, separators=(",", ":")
        )
    except (TypeError, ValueError, RecursionError) as e:
        raise ProtocolError(f"message cannot be written as JSON: {e}", kind="not-json") from e
    return frame(text.encode("ascii"), max_size=max_size)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode(payload: bytes) -> Message:
    """The message in one frame's payload; :class:`ProtocolError` if it is not one."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProtocolError(f"frame is not UTF-8: {e}", kind="malformed") from e
    try:
        obj = json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError) as e:
        raise ProtocolError(f"frame is not JSON: {e}", kind="malformed") from e
    return from_json(obj)


def _field(obj: dict[str, Any], name: str, kind: type | tuple[type, ...], what: str) -> Any:
    if name not in obj:
        raise ProtocolError(f"{what} has no {name!r} field", kind="malformed")
    value = obj[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProtocolError(
            f"{what} field {name!r} has the wrong type: {type(value).__name__}", kind="malformed"
        )
    return value


def from_json(obj: Any) -> Message:
    """The message a decoded JSON value stands for; :class:`ProtocolError` if none."""
    if not isinstance(obj, dict):
        raise ProtocolError(
            f"a message is a JSON object, not {type(obj).__name__}", kind="malformed"
        )
    kind = obj.get("type")
    if kind == "challenge":
        return Challenge(
            nonce=_field(obj, "nonce", str, "challenge"),
            version=_field(obj, "version", int, "challenge"),
        )
    if kind == "answer":
        return Answer(
            nonce=_field(obj, "nonce", str, "answer"), proof=_field(obj, "proof", str, "answer")
        )
    if kind == "welcome":
        return Welcome(proof=_field(obj, "proof", str, "welcome"))
    if kind == "request":
        op = _field(obj, "op", str, "request")
        if not op:
            raise ProtocolError("request field 'op' is empty", kind="malformed")
        args = obj.get("args", {})
        if not isinstance(args, dict):
            raise ProtocolError(
                f"request field 'args' has the wrong type: {type(args).__name__}", kind="malformed"
            )
        return Request(op=op, args=args)
    if kind == "response":
        if _field(obj, "ok", bool, "response"):
            return Response(ok=True, result=obj.get("result"))
        error = _field(obj, "error", dict, "response")
        return Response(
            ok=False,
            error=ErrorInfo(
                kind=_field(error, "kind", str, "response error"),
                message=_field(error, "message", str, "response error"),
            ),
        )
    raise ProtocolError(f"unknown message type {kind!r}", kind="malformed")
