"""Start, stop and query a node from another process: what ``relup node ...`` calls.

``start`` spawns ``python -m relup.service --detached`` in its own session (so a
terminal's Ctrl-C does not reach it), with stdin from /dev/null and stdout and
stderr appended to the node's log, then waits until the node answers ``ping``. If
the node exits first, or stays silent past ``wait`` seconds (it is then
terminated), the error carries what it logged meanwhile.

``stop`` asks for a graceful stop over the control channel and waits until the
node's lock is free, i.e. the process is gone; a node that cannot be reached (hung
control server, socket removed) gets SIGTERM, which takes the same graceful path.
``kill`` is the last resort: SIGKILL, then the same wait for the lock.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Final

from relup.control.auth import ensure_cookie
from relup.control.client import DEFAULT_TIMEOUT, Client
from relup.control.errors import ControlError, ControlTimeout, NodeNotRunning
from relup.control.server import DEFAULT_READ_TIMEOUT
from relup.service.daemon import DEFAULT_BOOT, NodeService
from relup.service.errors import NodeAlreadyRunning, StartError, StopError
from relup.service.layout import Layout

DEFAULT_WAIT: Final = 15.0
_POLL: Final = 0.02
#: Lines of the node's log that :func:`log_tail` keeps unless told otherwise.
LOG_TAIL_LINES: Final = 20


def start(
    root: str | os.PathLike[str],
    *,
    name: str | None = None,
    tcp_port: int | None = None,
    foreground: bool = False,
    wait: float = DEFAULT_WAIT,
    boot: str = DEFAULT_BOOT,
    read_timeout: float | None = None,
) -> dict[str, Any]:
    """Start the node of ``root`` and return its status once it answers.

    With ``foreground`` the node runs in this process until it is stopped, and the
    result is ``{"exit_status": N}``. ``boot`` names the boot hook (``module:callable``);
    ``read_timeout`` bounds how long the node waits for each frame of a request.
    """
    layout = Layout.of(root)
    layout.check_root()
    _refuse_if_running(layout)
    if foreground:
        service = NodeService(
            layout.root,
            name=name,
            tcp_port=tcp_port,
            boot=boot,
            read_timeout=DEFAULT_READ_TIMEOUT if read_timeout is None else read_timeout,
        )
        return {"exit_status": service.run()}
    layout.prepare()
    ensure_cookie(layout.root)
    command = [sys.executable, "-m", "relup.service", "--root", str(layout.root), "--detached"]
    if name is not None:
        command += ["--name", name]
    if tcp_port is not None:
        command += ["--tcp", str(tcp_port)]
    if boot != DEFAULT_BOOT:
        command += ["--boot", boot]
    if read_timeout is not None:
        command += ["--read-timeout", repr(read_timeout)]
    log_start = _size(layout.log_file)
    with open(layout.log_file, "ab") as log:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    try:
        status = _wait_until_up(layout, proc, wait, log_start)
    except BaseException:
        _terminate(proc)
        raise
    # reap the node when it exits, so that a long-lived caller (a test run) keeps no zombie
    threading.Thread(target=proc.wait, name=f"reap-node-{proc.pid}", daemon=True).start()
    return status


def _refuse_if_running(layout: Layout) -> None:
    if layout.node_running():
        raise NodeAlreadyRunning(layout.root, layout.read_pid())


def _wait_until_up(
    layout: Layout, proc: subprocess.Popen[bytes], wait: float, log_start: int
) -> dict[str, Any]:
    deadline = time.monotonic() + wait
    while True:
        code = proc.poll()
        if code is not None:
            raise StartError(
                f"the node exited with status {code} while starting; its log "
                f"({layout.log_file}) says:",
                log_tail=log_tail(layout.log_file, log_start),
            )
        try:
            with Client.for_root(layout.root, timeout=1.0) as client:
                client.ping()
                return client.status()
        except (NodeNotRunning, ControlTimeout):
            pass
        if time.monotonic() > deadline:
            raise StartError(
                f"the node did not answer within {wait:g} s and was terminated; its log "
                f"({layout.log_file}) says:",
                log_tail=log_tail(layout.log_file, log_start),
                hint="a slow boot needs a longer --wait",
            )
        time.sleep(_POLL)


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def log_tail(path: Path, start: int = 0, *, lines: int = LOG_TAIL_LINES) -> str:
    """The last ``lines`` lines written to the log ``path`` after byte ``start`` ("" if none)."""
    try:
        with open(path, "rb") as f:
            f.seek(start)
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def stop(root: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT) -> int:
    """Stop the node of ``root`` gracefully and wait until its process is gone; its pid."""
    layout = Layout.of(root)
    if not layout.node_running():
        raise _not_running(layout)
    pid = layout.read_pid()
    deadline = time.monotonic() + timeout
    try:
        with Client.for_root(layout.root, timeout=timeout) as client:
            answer = client.stop()
        if isinstance(answer, dict) and isinstance(answer.get("pid"), int):
            pid = answer["pid"]
    except (NodeNotRunning, ControlTimeout) as e:
        if pid is None:
            raise
        os.kill(pid, signal.SIGTERM)
        if isinstance(e, ControlTimeout):
            deadline = time.monotonic() + timeout
    except ControlError as e:
        if e.reason.kind not in ("connection-closed", "connection-lost") or pid is None:
            raise
    while layout.node_running():
        if time.monotonic() > deadline:
            raise StopError(
                f"the node at root {layout.root} (pid {pid}) did not stop within {timeout:g} s",
                hint=f"see {layout.log_file}; kill -KILL {pid} ends it without a graceful stop",
            )
        time.sleep(_POLL)
    return pid if pid is not None else -1


def kill(root: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT) -> int | None:
    """SIGKILL the node holding ``root``'s lock, if any, and wait until the lock is free.

    Returns the node's pid (-1 if its pid file was unreadable, so that no signal was
    sent), or None if no node held the lock. The wait ends after ``timeout`` seconds
    even if the lock is still held; ``Layout.node_running`` then says so.
    """
    layout = Layout.of(root)
    if not layout.node_running():
        return None
    pid = layout.read_pid()
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while layout.node_running() and time.monotonic() < deadline:
        time.sleep(_POLL)
    return pid if pid is not None else -1


def status(root: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """The running node's status (pid, name, uptime, processes, applications...)."""
    with Client.for_root(Layout.of(root).root, timeout=timeout) as client:
        return client.status()


def ping(root: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT) -> float:
    """Seconds a ``ping`` round trip to the node of ``root`` takes."""
    with Client.for_root(Layout.of(root).root, timeout=timeout) as client:
        return client.ping()


def _not_running(layout: Layout) -> NodeNotRunning:
    return NodeNotRunning(
        f"no node is running at root {layout.root}",
        hint=f"relup node start --root {layout.root}",
    )
