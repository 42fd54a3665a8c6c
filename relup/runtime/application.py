"""Applications: named, versioned groups of modules with a top supervisor.

An application is described by an :class:`AppSpec` (OTP's ``.app`` file: name,
version, modules, dependencies, start module, environment). The controller
(``node.apps``) starts applications after their dependencies and stops them in
reverse start order. Each running application has a master process (as OTP's
application master) that calls ``mod.start("normal", args)``, is linked to the top
supervisor it returns, and on ``stop`` shuts it down and calls ``mod.stop(state)``.
If the top supervisor dies on its own, the application is stopped (OTP's
``temporary`` restart type; relup does not take the node down for it). A start
callback that raises anything at all (``SystemExit``, ``KeyboardInterrupt`` and
``CancelledError`` included) makes ``start`` raise :class:`ApplicationError` with
it as reason; the node runs on.

:func:`supervised_processes` walks every running application's tree for the release
handler (spec §5.2); it is async because children declared ``modules="dynamic"``
are asked which modules they run.
"""

from __future__ import annotations

import logging
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from relup.runtime import process
from relup.runtime._errors import ApplicationError, Exit
from relup.runtime._process import Pid, Process, current_process
from relup.runtime.node import maybe_await
from relup.runtime.supervisor import GET_MODULES_TIMEOUT, Row, walk

if TYPE_CHECKING:
    import asyncio

    from relup.runtime.node import Node

log = logging.getLogger("relup.runtime")


@dataclass(frozen=True)
class AppSpec:
    """What OTP keeps in an ``.app`` file."""

    name: str
    vsn: str = ""
    description: str = ""
    modules: tuple[str, ...] = ()
    applications: tuple[str, ...] = ()  # dependencies, started first
    mod: tuple[Any, Any] | None = None  # (start module, start args); None: library app
    env: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SpecsSnapshot:
    """The specifications and environments :meth:`ApplicationController.swap_specs` replaced."""

    specs: dict[str, AppSpec]
    env: dict[str, dict[str, Any]]


@dataclass
class _Running:
    spec: AppSpec
    master: Pid
    sup: Pid | None = None
    state: Any = None


async def _master(ctl: ApplicationController, spec: AppSpec, ack: asyncio.Future[Any]) -> None:
    """The application master: start, watch the top supervisor, stop on request."""
    process.trap_exit(True)
    assert spec.mod is not None
    mod = ctl.node.code.resolve(spec.mod[0])
    try:
        r = mod.start("normal", spec.mod[1])
        aw = maybe_await(r)
        if aw is not None:
            r = await aw
    except BaseException as e:  # the starter must hear of any failure, or it waits forever
        me = current_process.get()
        dead = me is not None and not me.alive
        reason = me.reason if me is not None and dead else (e.reason if isinstance(e, Exit) else e)
        if not ack.done():
            ack.set_exception(ApplicationError(spec.name, reason))
        if dead:
            raise
        return
    if isinstance(r, tuple) and r and r[0] == "ok":
        sup, state = r[1], (r[2] if len(r) > 2 else None)
    elif isinstance(r, Pid):
        sup, state = r, None
    else:
        ack.set_exception(ApplicationError(spec.name, ("bad_return", r)))
        return
    ack.set_result((sup, state))
    while True:
        msg = await process.receive()
        if msg[0] == "EXIT" and msg[1] is sup:
            log.info("application %s exited: %r", spec.name, msg[2])
            ctl.running.pop(spec.name, None)
            return
        if msg[0] == "$stop":
            process.unlink(sup)
            ref = process.monitor(sup)
            process.send_exit(sup, "shutdown")
            await process.receive(partial(_is_down, ref))
            stop = getattr(mod, "stop", None)
            try:
                if stop is not None:
                    r = stop(state)
                    aw = maybe_await(r)
                    if aw is not None:
                        await aw
            finally:
                msg[1].set_result(None)
            return


def _is_down(ref: Any, m: Any) -> bool:
    return isinstance(m, tuple) and len(m) == 5 and m[0] == "DOWN" and m[1] is ref


class ApplicationController:
    """Loaded and running applications of one node (``node.apps``)."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.loaded: dict[str, AppSpec] = {}
        self.env: dict[str, dict[str, Any]] = {}
        self.running: dict[str, _Running] = {}  # in start order

    def load(self, spec: AppSpec) -> None:
        if spec.name in self.loaded:
            raise ApplicationError(spec.name, "already_loaded")
        self.loaded[spec.name] = spec
        self.env[spec.name] = dict(spec.env)

    def unload(self, name: str) -> None:
        if name in self.running:
            raise ApplicationError(name, "running")
        self.loaded.pop(name, None)
        self.env.pop(name, None)

    async def start(self, name: str) -> None:
        """Start a loaded application whose dependencies run (else ``("not_started", dep)``)."""
        spec = self.loaded.get(name)
        if spec is None:
            raise ApplicationError(name, "not_loaded")
        if name in self.running:
            raise ApplicationError(name, "already_started")
        for dep in spec.applications:
            if dep not in self.running:
                raise ApplicationError(name, ("not_started", dep))
        if spec.mod is None:
            self.running[name] = _Running(spec, master=Pid(0, None))
            return
        ack: asyncio.Future[Any] = self.node.loop.create_future()
        master = self.node.spawn(_master, self, spec, ack)
        sup, state = await ack
        self.running[name] = _Running(spec, master, sup, state)

    async def ensure_all_started(self, name: str) -> list[str]:
        """Start ``name`` and, first, every dependency not running; returns those started."""
        order: list[str] = []

        def visit(app: str, path: tuple[str, ...]) -> None:
            if app in path:
                raise ApplicationError(app, ("circular_dependencies", path))
            spec = self.loaded.get(app)
            if spec is None:
                raise ApplicationError(app, "not_loaded")
            for dep in spec.applications:
                visit(dep, (*path, app))
            if app not in order and app not in self.running:
                order.append(app)

        visit(name, ())
        for app in order:
            await self.start(app)
        return order

    async def stop(self, name: str) -> None:
        run = self.running.get(name)
        if run is None:
            raise ApplicationError(name, "not_started")
        dependents = [a for a, r in self.running.items() if name in r.spec.applications]
        if dependents:
            raise ApplicationError(name, ("required_by", dependents))
        del self.running[name]
        if run.master._proc is not None:
            done: asyncio.Future[None] = self.node.loop.create_future()
            self.node.send(run.master, ("$stop", done))
            await done

    async def stop_all(self) -> None:
        """Stop every running application, last started first."""
        for name in reversed(list(self.running)):
            await self.stop(name)

    def which_applications(self) -> list[tuple[str, str, str]]:
        """``(name, description, vsn)`` of running applications, last started first."""
        return [(n, r.spec.description, r.spec.vsn) for n, r in reversed(self.running.items())]

    def top_supervisor(self, name: str) -> Pid | None:
        run = self.running.get(name)
        return None if run is None else run.sup

    def get_env(self, app: str, key: str, default: Any = None) -> Any:
        return self.env.get(app, {}).get(key, default)

    def set_env(self, app: str, key: str, value: Any) -> None:
        self.env.setdefault(app, {})[key] = value

    def get_all_env(self, app: str) -> dict[str, Any]:
        return dict(self.env.get(app, {}))

    def swap_specs(self, specs: Mapping[str, AppSpec]) -> SpecsSnapshot:
        """Load ``specs`` over the current ones (running or not) with their environments.

        What OTP's release handler does before it evaluates a relup, so that
        ``application:start`` of an added application finds its specification.
        Returns what :meth:`restore_specs` needs to undo it.
        """
        saved = SpecsSnapshot(dict(self.loaded), {k: dict(v) for k, v in self.env.items()})
        for name, spec in specs.items():
            self.loaded[name] = spec
            self.env[name] = dict(spec.env)
        return saved

    def restore_specs(self, saved: SpecsSnapshot) -> None:
        """Undo :meth:`swap_specs`; a spec it added is dropped unless its app now runs."""
        for name in list(self.loaded):
            if name not in saved.specs and name not in self.running:
                del self.loaded[name]
                self.env.pop(name, None)
        for name, spec in saved.specs.items():
            self.loaded[name] = spec
            self.env[name] = saved.env.get(name, {})


async def supervised_processes(
    node: Node,
    *,
    timeout: float | None = GET_MODULES_TIMEOUT,
    own_suspended: Container[Process] = (),
) -> list[Row]:
    """Every ``(supervisor, child_id, pid, modules)`` in the running applications' trees.

    This is the list the release handler rebuilds at each suspend (spec §5.2):
    applications in start order, each tree walked by :func:`relup.runtime.supervisor.walk`.
    Supervisor states are read directly; a child declared ``modules="dynamic"`` is
    asked with a ``get_modules`` request and ``timeout`` seconds to answer, so
    ``modules`` is always a tuple of names. Raises :class:`SuspendedSupervisor` or
    :class:`GetModulesFailed` (no answer in time), which fail the instruction.
    """
    rows: list[Row] = []
    for run in list(node.apps.running.values()):
        if run.sup is not None:
            rows += await walk(node, run.sup, timeout=timeout, own_suspended=own_suspended)
    return rows
