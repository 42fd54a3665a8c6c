"""The cookie file and the challenge–response: who gets in, who is refused, what is logged."""

from __future__ import annotations

import logging
import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from relup.control import AuthError, Client, CookieError, protocol
from relup.control.auth import (
    client_proof,
    cookie_path,
    ensure_cookie,
    is_nonce,
    new_nonce,
    read_cookie,
    server_proof,
)
from relup.control.transport import SocketTransport, UnixAddress, socket_path
from tests.control.serving import ServerThread, connect_raw, receive, send


class TestCookieFile:
    def test_created_mode_0600_with_a_random_secret(self, tmp_path: Path) -> None:
        """The first use creates a 0600 file holding 64 hex characters."""
        old = os.umask(0)  # even with a permissive umask
        try:
            secret = ensure_cookie(tmp_path)
        finally:
            os.umask(old)
        st = os.stat(cookie_path(tmp_path))
        assert 0o600 == stat.S_IMODE(st.st_mode)
        assert 64 == len(secret)
        assert is_nonce(secret.decode())  # hex, 32 bytes of randomness
        assert [] == [p.name for p in tmp_path.iterdir() if p.name != "cookie"]

    def test_existing_cookie_is_kept(self, tmp_path: Path) -> None:
        """ensure_cookie never replaces a cookie; a user-chosen secret is used as is."""
        cookie_path(tmp_path).write_text("my-own-secret\n")
        os.chmod(cookie_path(tmp_path), 0o600)
        assert b"my-own-secret" == ensure_cookie(tmp_path)
        assert b"my-own-secret" == ensure_cookie(tmp_path)

    def test_concurrent_creation_agrees_on_one_secret(self, tmp_path: Path) -> None:
        """Many creators racing all end up with the same cookie (link, not rename)."""
        results: list[bytes] = []
        barrier = threading.Barrier(8)

        def create() -> None:
            barrier.wait()
            results.append(ensure_cookie(tmp_path))

        threads = [threading.Thread(target=create) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(5)
        assert 8 == len(results)
        assert 1 == len(set(results))
        assert ["cookie"] == sorted(p.name for p in tmp_path.iterdir())

    @pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o602, 0o660])
    def test_open_to_group_or_others_is_refused(self, tmp_path: Path, mode: int) -> None:
        """A cookie that group or others may read or write is refused, with the fix as hint."""
        path = cookie_path(tmp_path)
        path.write_text("secret\n")
        os.chmod(path, mode)
        with pytest.raises(CookieError) as info:
            read_cookie(path)
        assert f"mode {mode:04o}" in str(info.value)
        assert f"chmod 600 {path}" == info.value.hint

    def test_missing_cookie(self, tmp_path: Path) -> None:
        """No cookie file: a clear error that says how one is made."""
        with pytest.raises(CookieError, match="no cookie file at") as info:
            read_cookie(cookie_path(tmp_path))
        assert info.value.hint is not None
        assert "relup node start" in info.value.hint

    def test_empty_cookie(self, tmp_path: Path) -> None:
        """An empty cookie is refused (an empty HMAC key would be a shared non-secret)."""
        path = cookie_path(tmp_path)
        path.write_text("\n")
        os.chmod(path, 0o600)
        with pytest.raises(CookieError, match="is empty"):
            read_cookie(path)

    def test_symlink_is_refused(self, tmp_path: Path) -> None:
        """The cookie is not followed through a symlink."""
        real = tmp_path / "elsewhere"
        real.write_text("secret\n")
        os.chmod(real, 0o600)
        cookie_path(tmp_path).symlink_to(real)
        with pytest.raises(CookieError):
            read_cookie(cookie_path(tmp_path))


class TestProofs:
    def test_proofs_depend_on_cookie_nonces_and_direction(self) -> None:
        """Changing the cookie, either nonce or the direction changes the proof."""
        ns, nc = new_nonce(), new_nonce()
        base = client_proof(b"k", ns, nc)
        others = {
            client_proof(b"k2", ns, nc),
            client_proof(b"k", new_nonce(), nc),
            client_proof(b"k", ns, new_nonce()),
            client_proof(b"k", nc, ns),
            server_proof(b"k", ns, nc),
        }
        assert base not in others
        assert 5 == len(others)

    def test_nonces_are_fresh(self) -> None:
        """Two nonces are never equal and always 64 hex characters."""
        nonces = {new_nonce() for _ in range(100)}
        assert 100 == len(nonces)
        assert all(is_nonce(n) for n in nonces)
        assert not is_nonce("zz" * 32)
        assert not is_nonce("ab")


class TestHandshake:
    def test_right_cookie_gets_in(self, server: ServerThread) -> None:
        """A client with the root's cookie is answered."""
        with server.client() as client:
            assert "pong" == client.request("ping")

    def test_wrong_cookie_is_refused_and_logged(
        self, server: ServerThread, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A wrong cookie gets a bad-cookie error at the client and a warning in the log."""
        caplog.set_level(logging.INFO, logger="relup.control")
        client = Client(SocketTransport(UnixAddress(server.socket), b"not-the-cookie"))
        with pytest.raises(AuthError) as info:
            client.request("ping")
        assert "bad-cookie" == info.value.reason.kind
        assert "refused this client's cookie proof" in str(info.value)
        refusals = [r for r in caplog.records if "wrong cookie proof" in r.getMessage()]
        assert 1 == len(refusals)
        assert logging.WARNING == refusals[0].levelno
        assert f"uid {os.getuid()}" in refusals[0].getMessage()
        with server.client() as good:  # the server is unaffected
            assert "pong" == good.request("ping")

    def test_request_without_answering_is_refused(
        self, server: ServerThread, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Skipping the challenge (sending a request at once) is refused, logged, and closed."""
        sock = connect_raw(server.socket)
        assert isinstance(receive(sock), protocol.Challenge)
        send(sock, protocol.Request("ping"))
        assert protocol.Response.failure(
            "auth-required", "authenticate first: answer the challenge with a cookie proof"
        ) == receive(sock)
        assert receive(sock) is None
        sock.close()
        assert any("without answering" in r.getMessage() for r in caplog.records)

    def test_answer_with_a_bad_nonce_is_refused(self, server: ServerThread) -> None:
        """A client nonce that is not 32 bytes of hex is refused like a wrong proof."""
        sock = connect_raw(server.socket)
        challenge = receive(sock)
        assert isinstance(challenge, protocol.Challenge)
        proof = client_proof(server.cookie, challenge.nonce, "short")
        send(sock, protocol.Answer("short", proof))
        answer = receive(sock)
        assert isinstance(answer, protocol.Response)
        assert answer.error is not None
        assert "bad-cookie" == answer.error.kind
        sock.close()

    def test_replayed_answer_is_refused(self, server: ServerThread) -> None:
        """An answer recorded from one connection does not open another (fresh nonces)."""
        first = connect_raw(server.socket)
        challenge = receive(first)
        assert isinstance(challenge, protocol.Challenge)
        mine = new_nonce()
        answer = protocol.Answer(mine, client_proof(server.cookie, challenge.nonce, mine))
        send(first, answer)
        assert isinstance(receive(first), protocol.Welcome)
        first.close()
        second = connect_raw(server.socket)
        assert isinstance(receive(second), protocol.Challenge)
        send(second, answer)
        refusal = receive(second)
        assert isinstance(refusal, protocol.Response)
        assert refusal.error is not None
        assert "bad-cookie" == refusal.error.kind
        second.close()

    def test_missing_cookie_at_the_client(self, server: ServerThread) -> None:
        """A client whose root has no cookie file gets a CookieError, not a hang."""
        cookie_path(server.root).unlink()
        with pytest.raises(CookieError, match="no cookie file"), server.client() as client:
            client.request("ping")

    def test_client_cookie_with_bad_permissions(self, server: ServerThread) -> None:
        """The client refuses to use a cookie open to others, before sending anything."""
        os.chmod(cookie_path(server.root), 0o644)
        with pytest.raises(CookieError, match="open to group or others"), server.client() as c:
            c.request("ping")

    def test_impostor_node_is_detected(self, node_root: Path) -> None:
        """A server that does not know the cookie cannot fake the welcome proof."""
        (node_root / "run").mkdir()
        ensure_cookie(node_root)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(socket_path(node_root)))
        listener.listen(1)
        listener.settimeout(5)

        def impostor() -> None:
            conn, _ = listener.accept()
            with conn:
                send(conn, protocol.Challenge(new_nonce()))
                receive(conn)
                send(conn, protocol.Welcome(server_proof(b"guess", new_nonce(), new_nonce())))
                receive(conn)

        thread = threading.Thread(target=impostor, daemon=True)
        thread.start()
        with pytest.raises(AuthError, match="could not prove"), Client.for_root(node_root) as c:
            c.request("ping")
        thread.join(5)
        listener.close()
