"""Requests with a wrong cookie, over the Unix socket and loopback TCP, change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from relup.control import AuthError, Client
from relup.control.transport import SocketTransport, UnixAddress
from tests.faults.live import TIMEOUT, Kv, Live

pytestmark = pytest.mark.slow


def test_wrong_cookie_cannot_unpack_or_install(live: Live, tmp_path: Path) -> None:
    """A wrong cookie gets bad-cookie before any op runs; releases and states are unchanged."""
    kv = Kv.build(tmp_path)
    kv.init(live.root)
    tcp = live.start(tcp=True)["tcp"]
    live.request("unpack", {"package": str(kv.package("2"))})
    before = (live.releases(), live.replies())
    wrong = b"0" * 64
    clients = {
        "unix": Client(SocketTransport(UnixAddress(live.layout.socket), wrong), timeout=TIMEOUT),
        "tcp": Client.for_tcp("127.0.0.1", tcp["port"], wrong, timeout=TIMEOUT),
    }
    for client in clients.values():
        for op, args in (("install", {"vsn": "2", "permanent": True}), ("remove", {"vsn": "2"})):
            with pytest.raises(AuthError) as info, client:
                client.request(op, args)
            assert "bad-cookie" == info.value.reason.kind
    assert before == (live.releases(), live.replies())
    assert 4 == live.layout.log_file.read_text().count("wrong cookie proof")
    live.stop()
