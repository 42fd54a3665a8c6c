"""What a running node keeps under its release root, and the lock that makes it the only one.

::

    <root>/cookie             the shared secret (relup.control.auth), mode 0600
    <root>/run/               mode 0700: only the node's user may even reach the socket
    <root>/run/node.lock      flock-ed by the node for its whole life, across re-execs
    <root>/run/node.pid       the node's pid (written atomically; removed on stop)
    <root>/run/control.sock   the control socket, mode 0600
    <root>/log/node.log       the node's log (and its stdout/stderr when detached)

The lock, not the pid file, says whether a node runs: the kernel drops an flock
when its holder dies, however it dies, so a stale pid file or socket never blocks a
new node, and a pid reused by an unrelated process is never mistaken for a node.
"""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass
from pathlib import Path

from relup.control.auth import cookie_path
from relup.control.transport import RUN_DIR, socket_path
from relup.service.errors import NodeAlreadyRunning, RootError


@dataclass(frozen=True)
class Layout:
    """The files of the node of release root ``root``."""

    root: Path

    @classmethod
    def of(cls, root: str | os.PathLike[str]) -> Layout:
        return cls(Path(root).absolute())

    @property
    def run_dir(self) -> Path:
        return self.root / RUN_DIR

    @property
    def socket(self) -> Path:
        return socket_path(self.root)

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "node.pid"

    @property
    def lock_file(self) -> Path:
        return self.run_dir / "node.lock"

    @property
    def log_dir(self) -> Path:
        return self.root / "log"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "node.log"

    @property
    def cookie(self) -> Path:
        return cookie_path(self.root)

    def check_root(self) -> None:
        """:class:`RootError` unless the release root is an existing directory."""
        if not self.root.is_dir():
            what = "is not a directory" if self.root.exists() else "does not exist"
            raise RootError(
                f"the release root {self.root} {what}",
                hint="create one with relup init ROOT PACKAGE, or pass an existing root "
                "with --root (or RELUP_ROOT)",
            )

    def prepare(self) -> None:
        """Create ``run/`` (mode 0700) and ``log/`` if they are missing."""
        self.check_root()
        self.run_dir.mkdir(mode=0o700, exist_ok=True)
        os.chmod(self.run_dir, 0o700)
        self.log_dir.mkdir(mode=0o700, exist_ok=True)

    # ------------------------------------------------------------ pid file
    def write_pid(self, pid: int) -> None:
        tmp = self.pid_file.with_name(f".node.pid.{pid}.tmp")
        tmp.write_text(f"{pid}\n", encoding="ascii")
        os.replace(tmp, self.pid_file)

    def read_pid(self) -> int | None:
        """The pid in the pid file, or None if there is none or it is unreadable."""
        try:
            return int(self.pid_file.read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            return None

    def remove_pid(self, pid: int) -> None:
        """Remove the pid file if it still names ``pid``."""
        if self.read_pid() == pid:
            self.pid_file.unlink(missing_ok=True)

    # ------------------------------------------------------------ liveness
    def node_running(self) -> bool:
        """Does a node hold this root's lock right now?"""
        try:
            fd = os.open(self.lock_file, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # also drops the shared lock, if we got it
        return False

    def running_pid(self) -> int | None:
        """The pid of the node holding the lock, else None."""
        return self.read_pid() if self.node_running() else None


class InstanceLock:
    """The exclusive flock on ``run/node.lock`` that makes a node the only one of its root.

    An flock belongs to the open file description, so an inherited descriptor keeps
    the lock held through ``exec`` (:func:`relup.service.reexec`).
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd

    @classmethod
    def acquire(cls, layout: Layout, *, attempts: int = 20) -> InstanceLock:
        """Take the lock, or :class:`NodeAlreadyRunning` naming the running node's pid.

        A few short retries ride out another command probing the lock at that instant.
        """
        fd = os.open(layout.lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        for attempt in range(attempts):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if attempt + 1 < attempts:
                    time.sleep(0.01)
                    continue
                os.close(fd)
                raise NodeAlreadyRunning(layout.root, layout.read_pid()) from None
            return cls(fd)
        raise AssertionError("unreachable")

    @classmethod
    def adopt(cls, fd: int) -> InstanceLock:
        """The lock inherited through exec (re-taking a lock one holds succeeds at once)."""
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.set_inheritable(fd, False)
        return cls(fd)

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
