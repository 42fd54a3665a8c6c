"""The protocol alone (no sockets): frames at every split, size bound, strict message shapes."""

from __future__ import annotations

import json
import struct
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relup.control import protocol
from relup.control.errors import FrameTooLarge, ProtocolError
from relup.control.protocol import (
    Answer,
    Challenge,
    FrameReader,
    Request,
    Response,
    Welcome,
    decode,
    encode,
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
requests = st.builds(
    Request, op=st.text(min_size=1), args=st.dictionaries(st.text(), json_values, max_size=5)
)
responses = st.builds(Response.success, json_values) | st.builds(
    Response.failure, st.text(), st.text()
)
handshakes = (
    st.builds(Challenge, st.text(), st.integers(min_value=0, max_value=2**31))
    | st.builds(Answer, st.text(), st.text())
    | st.builds(Welcome, st.text())
)
messages = requests | responses | handshakes


def payload(message: protocol.Message) -> bytes:
    return encode(message)[protocol.HEADER_SIZE :]


def read_all(chunks: list[bytes]) -> list[protocol.Message]:
    reader = FrameReader()
    out = []
    for chunk in chunks:
        reader.feed(chunk)
        while (p := reader.next_payload()) is not None:
            out.append(decode(p))
    assert 0 == reader.buffered
    return out


class TestRoundTrip:
    @given(messages)
    def test_decode_of_encode_is_identity(self, message: protocol.Message) -> None:
        """Every message, any JSON args or result, any string, reads back equal."""
        assert message == decode(payload(message))

    @given(st.lists(messages, min_size=1, max_size=4), st.data())
    def test_stream_split_anywhere_gives_the_same_messages(
        self, sent: list[protocol.Message], data: st.DataObject
    ) -> None:
        """A stream of frames cut into arbitrary chunks decodes to the messages sent."""
        stream = b"".join(encode(m) for m in sent)
        cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=6)))
        chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
        assert sent == read_all(chunks)

    def test_every_single_split_point(self) -> None:
        """Two frames split in two at every byte offset decode the same."""
        sent = [Request("ping"), Response.failure("unknown-op", "é ☃ \U0001f600")]
        stream = b"".join(encode(m) for m in sent)
        for cut in range(len(stream) + 1):
            assert sent == read_all([stream[:cut], stream[cut:]])

    def test_byte_at_a_time(self) -> None:
        """Feeding one byte at a time yields the frame only once it is whole."""
        frame = encode(Request("status", {"verbose": True}))
        reader = FrameReader()
        for i, byte in enumerate(frame):
            assert reader.next_payload() is None
            assert i == reader.buffered
            reader.feed(bytes([byte]))
        assert Request("status", {"verbose": True}) == decode(reader.next_payload() or b"")

    def test_wire_format_is_length_then_json(self) -> None:
        """A frame is a 4-byte big-endian length then compact JSON of the message."""
        frame = encode(Request("ping"))
        body = b'{"type":"request","op":"ping","args":{}}'
        assert struct.pack(">I", len(body)) + body == frame


class TestSizeBound:
    def test_oversized_header_refused_before_the_body(self) -> None:
        """A header announcing more than the bound is refused at once, body unsent."""
        reader = FrameReader(max_size=100)
        reader.feed(struct.pack(">I", 101))
        with pytest.raises(FrameTooLarge) as info:
            reader.next_payload()
        assert (101, 100) == (info.value.size, info.value.limit)
        assert "frame-too-large" == info.value.reason.kind

    def test_frame_at_the_bound_is_accepted(self) -> None:
        """Exactly max_size bytes is still a frame."""
        reader = FrameReader(max_size=10)
        reader.feed(struct.pack(">I", 10) + b"0123456789")
        assert b"0123456789" == reader.next_payload()

    def test_default_bound_is_one_mebibyte(self) -> None:
        """The default limit is 1 MiB, both for reading and for writing."""
        assert 1 << 20 == protocol.MAX_FRAME
        with pytest.raises(FrameTooLarge):
            encode(Response.success("x" * protocol.MAX_FRAME))

    def test_encode_refuses_oversized_message(self) -> None:
        """encode() never writes a frame the peer would refuse."""
        with pytest.raises(FrameTooLarge):
            encode(Request("echo", {"data": "x" * 200}), max_size=100)


class TestMalformed:
    @pytest.mark.parametrize(
        "raw",
        [
            b"",
            b"not json",
            b"\xff\xfe",
            b"[1, 2]",
            b'"request"',
            b'{"type": "nope"}',
            b'{"op": "ping"}',
            b'{"type": "request"}',
            b'{"type": "request", "op": 1}',
            b'{"type": "request", "op": ""}',
            b'{"type": "request", "op": "x", "args": []}',
            b'{"type": "response", "ok": "yes"}',
            b'{"type": "response", "ok": false}',
            b'{"type": "response", "ok": false, "error": {"kind": "k"}}',
            b'{"type": "challenge", "nonce": "n", "version": true}',
            b'{"type": "answer", "nonce": "n"}',
            b'{"type": "request", "op": "x", "args": {"n": NaN}}',
            b'{"type": "request", "op": "x", "args": {"n": Infinity}}',
            b"[" * 100_000,
            b"[" * 100_000 + b"]" * 100_000,
        ],
        ids=lambda raw: raw[:40].decode("utf-8", "replace"),
    )
    def test_refused_with_protocol_error(self, raw: bytes) -> None:
        """Bad UTF-8, bad JSON, wrong shapes and NaN are protocol errors, never a crash."""
        with pytest.raises(ProtocolError) as info:
            decode(raw)
        assert "malformed" == info.value.reason.kind

    def test_error_names_the_field(self) -> None:
        """The message says which field of which message is wrong."""
        with pytest.raises(ProtocolError, match="request field 'op' has the wrong type: int"):
            decode(b'{"type": "request", "op": 1}')

    @pytest.mark.parametrize("result", [object(), float("nan"), {1j: 2}])
    def test_unwritable_result_is_not_json(self, result: Any) -> None:
        """A value JSON cannot carry is refused at encode time with kind not-json."""
        with pytest.raises(ProtocolError) as info:
            encode(Response.success(result))
        assert "not-json" == info.value.reason.kind

    def test_args_default_to_empty(self) -> None:
        """A request without args has empty args."""
        assert Request("ping", {}) == decode(json.dumps({"type": "request", "op": "ping"}).encode())
