"""The node process: boot, serve the control channel, stop gracefully, re-execute in place.

Life of a node (:meth:`NodeService.run`):

1. take the root's lock (one node per root), write the pid file, log to
   ``<root>/log/node.log`` (and stdout unless detached), make sure the cookie exists;
2. create the :class:`relup.runtime.Node` on a fresh loop and run the *boot hook*
   ``boot(node, root)``, which may be async and may return extra control ops (the
   release handler's boot starts the permanent release and returns ``install``,
   ``unpack``...); only then does the control server accept connections;
3. serve until SIGTERM, SIGINT or the ``stop`` op; then stop accepting, let requests
   in progress finish, stop the applications in reverse start order
   (``node.apps.stop_all``), shut the node down, remove the socket and the pid file.

:func:`reexec` is the same stop, except that the lock and the listening sockets
are handed over to a fresh ``python -m relup.service`` through ``os.execv``: same
pid, same pid file, same socket path, and clients that connect meanwhile wait in
the socket's backlog instead of being refused (``restart_emulator``).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import os
import platform
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Final

from relup.control.auth import ensure_cookie
from relup.control.server import DEFAULT_READ_TIMEOUT, ControlServer, Handler
from relup.runtime import Node
from relup.service.errors import ServiceError
from relup.service.layout import InstanceLock, Layout

log = logging.getLogger("relup.service")

BootResult = Mapping[str, Handler] | None
#: ``boot(node, root)``: sync or async; may return extra control ops ``{op: handler}``.
BootHook = Callable[[Node, Path], BootResult | Awaitable[BootResult]]

#: The release handler boots the root's permanent release (``relup.release.ops``);
#: ``default_boot`` below is the bare hook for a node without one.
DEFAULT_BOOT: Final = "relup.release.ops:boot"
#: Environment variable carrying the lock and sockets through :func:`reexec`.
REEXEC_ENV: Final = "RELUP_REEXEC_STATE"
STOP_GRACE: Final = 5.0

_current: NodeService | None = None


def default_boot(node: Node, root: Path) -> None:
    """Boot nothing; say so, and say why, in the log."""
    releases = root / "releases"
    if not releases.is_dir():
        log.info("no releases in %s (no releases/ directory): the node runs no applications", root)
    else:
        log.info(
            "%s has releases, but this node was started without a release handler: "
            "it runs no applications",
            root,
        )


def load_boot(spec: str) -> BootHook:
    """The callable named ``module:attribute`` (e.g. ``relup.service.daemon:default_boot``)."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ServiceError(f"a boot hook is named module:attribute, not {spec!r}", kind="bad-boot")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as e:
        raise ServiceError(f"cannot load the boot hook {spec}: {e}", kind="bad-boot") from None
    if not callable(obj):
        raise ServiceError(f"the boot hook {spec} is not callable", kind="bad-boot")
    return obj  # type: ignore[no-any-return]


def boot_spec(boot: BootHook) -> str | None:
    """``module:qualname`` of a module-level callable, else None (it cannot be re-imported)."""
    module = getattr(boot, "__module__", None)
    qualname = getattr(boot, "__qualname__", None)
    if not module or not qualname or module == "__main__" or "<locals>" in qualname:
        return None
    return f"{module}:{qualname}"


@dataclass(frozen=True)
class _Inherited:
    """What a node hands to the program it re-executes into."""

    lock_fd: int
    socket_fds: tuple[int, ...]
    restarts: int
    started_at: float

    def to_env(self) -> str:
        return json.dumps(
            {
                "lock": self.lock_fd,
                "sockets": list(self.socket_fds),
                "restarts": self.restarts,
                "started_at": self.started_at,
            }
        )

    @classmethod
    def take_from_env(cls) -> _Inherited | None:
        """Read and remove the hand-over state (children must not inherit it)."""
        raw = os.environ.pop(REEXEC_ENV, None)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return cls(
                lock_fd=int(data["lock"]),
                socket_fds=tuple(int(fd) for fd in data["sockets"]),
                restarts=int(data["restarts"]),
                started_at=float(data["started_at"]),
            )
        except (ValueError, KeyError, TypeError) as e:
            raise ServiceError(f"bad {REEXEC_ENV}: {e}", kind="bad-reexec") from None


class NodeService:
    """One node as an OS process: the lock, the pid file, the log and the control server."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        name: str | None = None,
        tcp_port: int | None = None,
        tcp_host: str = "127.0.0.1",
        boot: BootHook | str = DEFAULT_BOOT,
        detached: bool = False,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
    ) -> None:
        self.layout = Layout.of(root)
        self.root = self.layout.root
        self.name = name or self.root.name or "relup"
        self.tcp_port = tcp_port
        self.tcp_host = tcp_host
        self.boot: BootHook = load_boot(boot) if isinstance(boot, str) else boot
        self.boot_spec = boot if isinstance(boot, str) else boot_spec(boot)
        self.detached = detached
        self.read_timeout = read_timeout
        self.node: Node | None = None
        self.server: ControlServer | None = None
        self.restarts = 0
        self.started_at = time.time()
        self._stop: asyncio.Event | None = None
        self._reexec = False
        self._handover_fds: list[int] = []

    # ------------------------------------------------------------ process life
    def run(self) -> int:
        """Run the node until it is stopped; returns the exit status (or re-executes)."""
        global _current
        inherited = _Inherited.take_from_env()
        self.layout.prepare()
        level = logging.getLogger().level
        handlers = self._setup_logging()
        lock = InstanceLock.adopt(inherited.lock_fd) if inherited else None
        try:
            if lock is None:
                lock = InstanceLock.acquire(self.layout)
            if inherited is not None:
                self.restarts = inherited.restarts
                self.started_at = inherited.started_at
            pid = os.getpid()
            self.layout.write_pid(pid)
            cookie = ensure_cookie(self.root)
            _current = self
            try:
                asyncio.run(self._main(cookie, inherited))
            except Exception:
                log.exception("node %s failed", self.name)
                self.layout.remove_pid(pid)
                return 1
            finally:
                _current = None
            if self._reexec:
                self._exec(lock)  # returns only if exec failed
                self.layout.remove_pid(pid)
                self.layout.socket.unlink(missing_ok=True)
                return 1
            self.layout.remove_pid(pid)
            log.info("node %s stopped", self.name)
            return 0
        finally:
            if lock is not None:
                lock.release()
            for h in handlers:
                logging.getLogger().removeHandler(h)
                h.close()
            logging.getLogger().setLevel(level)

    def _setup_logging(self) -> list[logging.Handler]:
        fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        handlers: list[logging.Handler] = [
            logging.FileHandler(self.layout.log_file, encoding="utf-8")
        ]
        if not self.detached:
            handlers.append(logging.StreamHandler(sys.stdout))
        top = logging.getLogger()
        for h in handlers:
            h.setFormatter(fmt)
            top.addHandler(h)
        if top.level > logging.INFO or top.level == logging.NOTSET:
            top.setLevel(logging.INFO)
        return handlers

    async def _main(self, cookie: bytes, inherited: _Inherited | None) -> None:
        loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        signals = self._install_signal_handlers(loop)
        node = self.node = Node()
        server: ControlServer | None = None
        fds: list[int] = []
        try:
            log.info(
                "node %s (pid %d) booting at %s%s",
                self.name,
                os.getpid(),
                self.root,
                f" (re-executed, restart {self.restarts})" if inherited else "",
            )
            ops = await self._boot(node)
            if ops is None and self._stop.is_set():
                return
            server = self.server = ControlServer(cookie, read_timeout=self.read_timeout)
            server.register("ping", self._op_ping)
            server.register("status", self._op_status)
            server.register("stop", self._op_stop)
            for op, handler in (ops or {}).items():
                server.register(op, handler)
            if inherited is not None:
                for fd in inherited.socket_fds:
                    await server.adopt(socket.socket(fileno=fd))
            else:
                await server.listen_unix(self.layout.socket)
                if self.tcp_port is not None:
                    await server.listen_tcp(self.tcp_host, self.tcp_port)
            log.info("node %s ready: %s", self.name, ", ".join(server.addresses))
            await self._stop.wait()
        finally:
            log.info("node %s stopping%s", self.name, " to re-execute" if self._reexec else "")
            if server is not None:
                if self._reexec:
                    fds = server.detach()
                await server.close(grace=STOP_GRACE)
            try:
                await node.apps.stop_all()
            except Exception:
                log.exception("stopping the applications failed")
            await node.shutdown()
            for sig in signals:
                loop.remove_signal_handler(sig)
        self._handover_fds = fds

    async def _boot(self, node: Node) -> BootResult:
        """Run the boot hook; a stop requested meanwhile cancels an async boot."""
        assert self._stop is not None
        result = self.boot(node, self.root)
        if not isinstance(result, Awaitable):
            return result
        boot = asyncio.ensure_future(result)
        stop = asyncio.ensure_future(self._stop.wait())
        await asyncio.wait((boot, stop), return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if boot.done():
            return boot.result()
        log.info("node %s: stop requested while booting; boot cancelled", self.name)
        boot.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await boot
        return None

    def _install_signal_handlers(self, loop: asyncio.AbstractEventLoop) -> list[int]:
        installed: list[int] = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, self._on_signal, sig)
            except (ValueError, RuntimeError):  # not the main thread: the caller handles signals
                continue
            installed.append(sig)
        return installed

    def _on_signal(self, sig: int) -> None:
        log.info("received %s: stopping", signal.Signals(sig).name)
        self.request_stop()

    def request_stop(self, *, reexec: bool = False) -> None:
        """Begin a graceful stop (or a re-exec) once the current callbacks return."""
        if self._stop is None:
            raise ServiceError("the node is not running", kind="not-running")
        if reexec and self.boot_spec is None:
            raise ServiceError(
                f"cannot re-execute: the boot hook {self.boot!r} has no importable name "
                "(it must be a module-level callable)",
                kind="bad-boot",
            )
        if not self._stop.is_set():
            self._reexec = reexec
        self._stop.set()

    def _exec(self, lock: InstanceLock) -> None:
        state = _Inherited(
            lock_fd=lock.fd,
            socket_fds=tuple(self._handover_fds),
            restarts=self.restarts + 1,
            started_at=self.started_at,
        )
        argv = [sys.executable, "-m", "relup.service", *self.argv()]
        os.set_inheritable(lock.fd, True)
        os.environ[REEXEC_ENV] = state.to_env()
        log.info("node %s re-executing: %s", self.name, " ".join(argv))
        for h in logging.getLogger().handlers:
            h.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            os.execv(sys.executable, argv)
        except OSError:
            os.environ.pop(REEXEC_ENV, None)
            log.exception("re-executing failed; the node is down")
            for fd in self._handover_fds:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def argv(self) -> list[str]:
        """The ``python -m relup.service`` arguments that start this same node."""
        args = ["--root", str(self.root), "--name", self.name]
        if self.tcp_port is not None:
            args += ["--tcp", str(self.tcp_port), "--tcp-host", self.tcp_host]
        if self.boot_spec is not None and self.boot_spec != DEFAULT_BOOT:
            args += ["--boot", self.boot_spec]
        if self.detached:
            args.append("--detached")
        if self.read_timeout != DEFAULT_READ_TIMEOUT:
            args += ["--read-timeout", repr(self.read_timeout)]
        return args

    # ------------------------------------------------------------ built-in ops
    async def _op_ping(self, args: dict[str, Any]) -> str:
        return "pong"

    async def _op_stop(self, args: dict[str, Any]) -> dict[str, Any]:
        log.info("stop requested over the control channel")
        self.request_stop()
        return {"stopping": True, "pid": os.getpid()}

    async def _op_status(self, args: dict[str, Any]) -> dict[str, Any]:
        return self.status()

    def status(self) -> dict[str, Any]:
        """What ``relup node status`` shows: identity, uptime, processes, applications."""
        node = self.node
        server = self.server
        assert node is not None
        try:
            relup_version = version("relup")
        except PackageNotFoundError:
            relup_version = "unknown"
        return {
            "name": self.name,
            "pid": os.getpid(),
            "root": str(self.root),
            "started_at": datetime.fromtimestamp(self.started_at, UTC).isoformat(),
            "uptime": round(time.time() - self.started_at, 3),
            "restarts": self.restarts,
            "processes": len(node.procs),
            "registered": node.registered(),
            "applications": [
                {"name": n, "description": d, "vsn": v}
                for n, d, v in node.apps.which_applications()
            ],
            "socket": str(self.layout.socket),
            "tcp": None
            if server is None or server.tcp_port is None
            else {"host": self.tcp_host, "port": server.tcp_port},
            "ops": server.ops if server is not None else [],
            "python": platform.python_version(),
            "relup": relup_version,
        }


def current_service() -> NodeService:
    """The node service running in this process; :class:`ServiceError` if none."""
    if _current is None:
        raise ServiceError("no relup node service runs in this process", kind="not-running")
    return _current


def reexec() -> None:
    """Re-execute this node in place (``restart_emulator``): same pid, pid file and socket.

    Call it from the node's loop (an op handler, a process). It returns at once; the
    node then stops like for ``stop`` (requests in progress finish, applications stop
    in reverse order) and ``os.execv``s a fresh ``python -m relup.service`` that
    inherits the lock and the listening sockets and boots again.
    """
    current_service().request_stop(reexec=True)
