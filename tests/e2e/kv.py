"""TCP clients of the kvstore sample (``sample_releases/kvstore``) for the end-to-end tests.

A :class:`Talker` is one client on one TCP connection to 127.0.0.1, in a thread of
its own, asking without pause until told to stop and checking every reply; it never
reconnects and never retries, so a dropped connection or a lost request shows as an
error. Every wait on the network is bounded by :data:`REPLY_TIMEOUT`.
"""

from __future__ import annotations

import socket
import threading
import time

#: Seconds a client waits for each reply before giving up (an unanswered request).
REPLY_TIMEOUT = 5.0


class Talker(threading.Thread):
    """One client: sets keys of its own and reads them back, noting each reply's version.

    Each round sets a fresh key and reads it back, then reads the key it set first,
    before any upgrade, so the store's contents are checked through every migration.
    """

    def __init__(self, port: int, name: str) -> None:
        super().__init__(name=f"kv-client-{name}", daemon=True)
        self.key = name
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT)
        self.local_port: int = self.sock.getsockname()[1]
        self.sent = 0
        self.answered = 0
        #: the protocol versions seen, each change once, in order ("1", "2", ...)
        self.versions: list[str] = []
        self.errors: list[str] = []
        self.stopping = threading.Event()
        self._buffer = b""
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ wire
    def ask(self, line: str) -> str:
        """Send one command line, return the reply line (without its version)."""
        self.sock.sendall(line.encode() + b"\n")
        self.sent += 1
        while b"\n" not in self._buffer:
            data = self.sock.recv(4096)
            if not data:
                raise ConnectionError("the server closed the connection")
            self._buffer += data
        reply, _, self._buffer = self._buffer.partition(b"\n")
        self.answered += 1
        version, _, rest = reply.decode().partition(" ")
        with self._lock:
            if not self.versions or self.versions[-1] != version:
                self.versions.append(version)
        return rest

    def expect(self, line: str, wanted: str) -> None:
        reply = self.ask(line)
        if reply != wanted:
            self.errors.append(f"{line!r} answered {reply!r}, expected {wanted!r}")

    # ------------------------------------------------------------------ life
    def run(self) -> None:
        try:
            self.expect(f"SET {self.key}-0 first", "OK")
            n = 0
            while not self.stopping.is_set():
                n += 1
                self.expect(f"SET {self.key}-{n} value {n}", "OK")
                self.expect(f"GET {self.key}-{n}", f"VALUE value {n}")
                self.expect(f"GET {self.key}-0", "VALUE first")
                time.sleep(0.002)
        except (OSError, ConnectionError) as e:
            self.errors.append(f"{type(e).__name__}: {e}")
        finally:
            self.sock.close()

    def last_version(self) -> str | None:
        with self._lock:
            return self.versions[-1] if self.versions else None

    def stop(self) -> None:
        """Ask the thread to stop after its current round, and wait for it (bounded)."""
        self.stopping.set()
        self.join(3 * REPLY_TIMEOUT)


def wait_until_all_see(talkers: list[Talker], version: str, timeout: float = 10.0) -> None:
    """Wait until every client's latest reply carries ``version`` (each is still talking)."""
    deadline = time.monotonic() + timeout
    while any(t.last_version() != version for t in talkers):
        stuck = [t.name for t in talkers if not t.is_alive()]
        if stuck:
            raise AssertionError(f"clients stopped talking: {stuck}")
        if time.monotonic() > deadline:
            seen = {t.name: t.last_version() for t in talkers}
            raise AssertionError(f"not every client saw version {version} in {timeout} s: {seen}")
        time.sleep(0.01)


def ask_once(port: int, line: str) -> str:
    """One command on a fresh connection: the whole reply line, version included."""
    with socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT) as sock:
        sock.sendall(line.encode() + b"\n")
        data = b""
        while b"\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            data += chunk
    return data.partition(b"\n")[0].decode()
