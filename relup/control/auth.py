"""The cookie and the challenge–response that proves it, on every connection.

Why a cookie and not just the socket's mode: the Unix socket is 0600, but the TCP
listener (loopback only) is open to every local user, and the multi-node work will
connect nodes over TCP. So every connection, Unix or TCP, proves the same shared
secret, Erlang's ``~/.erlang.cookie`` idea with a challenge instead of the secret.

The cookie is ``<root>/cookie``: a random secret (64 hex characters) created with
mode 0600 in one atomic step (written to a private temp file, then hard-linked to
its name, which fails if another process won the race; the winner's cookie is then
used). A cookie file that group or others may read or write is refused, as ssh
refuses such a key: whoever can read it can drive the node.

The handshake (messages in :mod:`relup.control.protocol`)::

    server → client   challenge(nonce=Ns)                    Ns: 32 fresh random bytes, hex
    client → server   answer(nonce=Nc, proof=HMAC(K, "client" | Ns | Nc))
    server → client   welcome(proof=HMAC(K, "server" | Ns | Nc))    or an error, then close

``K`` is the cookie and ``HMAC`` is HMAC-SHA256 over the context string built by
:func:`_context`. Proofs are compared with :func:`hmac.compare_digest`. The server's
fresh nonce makes a recorded answer useless later (no replay); the direction label
makes a server proof useless as a client proof (no reflection); the client's nonce
and the server's proof let the client check that it talks to a node that knows the
cookie. The secret itself never crosses the wire.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path
from typing import Final

from relup.control.errors import CookieError

COOKIE_NAME: Final = "cookie"
#: Bytes of randomness in a nonce (sent as hex) and in a new cookie.
NONCE_BYTES: Final = 32
COOKIE_BYTES: Final = 32
_LABEL: Final = b"relup-control/1"


def cookie_path(root: str | os.PathLike[str]) -> Path:
    """Where the cookie of release root ``root`` lives."""
    return Path(root) / COOKIE_NAME


def read_cookie(path: str | os.PathLike[str]) -> bytes:
    """The secret in the cookie file at ``path``; :class:`CookieError` if unusable."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        raise CookieError(
            f"no cookie file at {path}",
            hint=f"the node creates it when it starts: relup node start --root {path.parent}",
        ) from None
    except PermissionError:
        raise CookieError(
            f"permission denied reading the cookie file {path}",
            hint="run the command as the user who owns the node",
        ) from None
    except OSError as e:  # ELOOP: a symlink
        raise CookieError(f"cannot open the cookie file {path}: {e.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise CookieError(f"the cookie file {path} is not a regular file")
        mode = stat.S_IMODE(st.st_mode)
        if mode & 0o077:
            raise CookieError(
                f"the cookie file {path} is open to group or others (mode {mode:04o}); "
                "relup refuses to use it",
                hint=f"chmod 600 {path}",
            )
        secret = f.read(4096).strip()
    if not secret:
        raise CookieError(
            f"the cookie file {path} is empty", hint=f"remove {path}; a new one is made"
        )
    return secret


def ensure_cookie(root: str | os.PathLike[str]) -> bytes:
    """The cookie of ``root``, creating it (mode 0600, atomically) if there is none."""
    path = cookie_path(root)
    if not path.exists() and not path.is_symlink():
        tmp = path.with_name(f".{COOKIE_NAME}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                os.fchmod(f.fileno(), 0o600)
                f.write(secrets.token_hex(COOKIE_BYTES).encode("ascii") + b"\n")
                f.flush()
                os.fsync(f.fileno())
            # link, unlike rename, fails if another process created the cookie first:
            # then theirs is the cookie
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return read_cookie(path)


def new_nonce() -> str:
    """A fresh random nonce, as hex."""
    return secrets.token_hex(NONCE_BYTES)


def _context(direction: bytes, server_nonce: str, client_nonce: str) -> bytes:
    return b"|".join(
        (_LABEL, direction, server_nonce.encode("ascii"), client_nonce.encode("ascii"))
    )


def _proof(cookie: bytes, direction: bytes, server_nonce: str, client_nonce: str) -> str:
    message = _context(direction, server_nonce, client_nonce)
    return hmac.new(cookie, message, hashlib.sha256).hexdigest()


def client_proof(cookie: bytes, server_nonce: str, client_nonce: str) -> str:
    """What the client sends to prove it knows ``cookie``."""
    return _proof(cookie, b"client", server_nonce, client_nonce)


def server_proof(cookie: bytes, server_nonce: str, client_nonce: str) -> str:
    """What the server sends back to prove it knows ``cookie`` too."""
    return _proof(cookie, b"server", server_nonce, client_nonce)


def is_nonce(value: str) -> bool:
    """Is ``value`` a nonce as :func:`new_nonce` makes them (hex, the right length)?"""
    if len(value) != 2 * NONCE_BYTES:
        return False
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True


def proofs_match(expected: str, received: str) -> bool:
    """Compare two proofs in constant time (received text may be anything)."""
    return hmac.compare_digest(expected.encode("ascii"), received.encode("utf-8", "replace"))
