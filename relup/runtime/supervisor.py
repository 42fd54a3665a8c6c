"""supervisor: start, watch and restart children (OTP's ``supervisor`` on a gen_server).

The user's supervisor module has one callback, ``init(args)``, returning
``(flags, child_specs)`` (OTP's ``{ok, {Flags, Specs}}``; ``("ok", (flags, specs))`` and
``"ignore"`` are accepted too). ``flags`` is a dict: ``strategy`` (``one_for_one``,
``one_for_all``, ``rest_for_one``, ``simple_one_for_one``), ``intensity`` (default 1)
and ``period`` (seconds, default 5). A child spec is a :class:`ChildSpec` or a dict
with the same keys.

Rules (OTP's):

* Children start in list order and stop in reverse order. A child whose start fails
  during ``init`` stops the ones already started, and the supervisor fails to start.
* On a child's exit: ``temporary`` children are never restarted (and are forgotten),
  ``transient`` ones only after an abnormal exit (not ``normal``, ``shutdown`` or
  ``("shutdown", _)``), ``permanent`` ones always. More than ``intensity`` restarts
  within ``period`` seconds (read from ``node.clock``, so tests inject a clock) stop
  every child and the supervisor itself with reason ``shutdown``.
* Stopping a child: ``"brutal_kill"`` kills it; a number of seconds sends
  ``shutdown`` and kills it if it is still alive then; ``"infinity"`` waits.
* ``code_change`` (the ``{update, Mod, supervisor}`` instruction) runs the current
  ``init`` again and takes its flags and specs: existing children keep their pids and
  get the new spec, children only in the new specs are added *without starting
  them*, children missing from the new specs are kept; none is started or stopped.
"""

from __future__ import annotations

import contextlib
from collections import deque
from dataclasses import dataclass, field, replace
from types import CoroutineType
from typing import TYPE_CHECKING, Any

from relup.runtime import gen_server, process
from relup.runtime._errors import StartError, SupervisorError, SuspendedSupervisor
from relup.runtime._process import Pid
from relup.runtime.node import current_node, maybe_await

if TYPE_CHECKING:
    from collections.abc import Iterator

    from relup.runtime.node import Node

STRATEGIES = ("one_for_one", "one_for_all", "rest_for_one", "simple_one_for_one")


@dataclass(frozen=True, slots=True)
class ChildSpec:
    """OTP's child specification."""

    id: Any
    start: tuple[Any, str, tuple[Any, ...]]  # (module, function, args), resolved at start
    restart: str = "permanent"  # permanent | transient | temporary
    shutdown: float | str = 5.0  # seconds | "brutal_kill" | "infinity"
    type: str = "worker"  # worker | supervisor
    modules: tuple[str, ...] | str = field(default=())  # names, or "dynamic"; () = start module

    @classmethod
    def of(cls, spec: ChildSpec | dict[str, Any]) -> ChildSpec:
        s = spec if isinstance(spec, ChildSpec) else cls(**spec)
        m, f, a = s.start
        modules = s.modules
        if modules == ():
            modules = (m if isinstance(m, str) else getattr(m, "__name__", str(m)),)
        elif not isinstance(modules, str):
            modules = tuple(modules)
        if s.restart not in ("permanent", "transient", "temporary"):
            raise SupervisorError(("invalid_restart_type", s.restart))
        return replace(s, start=(m, f, tuple(a)), modules=modules)


class _Child:
    __slots__ = ("args", "pid", "spec")

    def __init__(self, spec: ChildSpec, pid: Pid | str | None, args: tuple[Any, ...] = ()) -> None:
        self.spec = spec
        self.pid = pid  # a Pid, None (not running) or "restarting"
        self.args = args  # extra start args of a simple_one_for_one child


class _Sup:
    """The supervisor's state (a runtime object, not user data)."""

    __slots__ = (
        "args",
        "children",
        "dynamic",
        "intensity",
        "module",
        "period",
        "restarts",
        "strategy",
    )

    def __init__(self, module: Any, args: Any, flags: dict[str, Any]) -> None:
        self.module = module
        self.args = args
        self.strategy: str = flags.get("strategy", "one_for_one")
        if self.strategy not in STRATEGIES:
            raise SupervisorError(("invalid_strategy", self.strategy))
        self.intensity: int = flags.get("intensity", 1)
        self.period: float = flags.get("period", 5)
        self.children: list[_Child] = []  # start order (static strategies)
        self.dynamic: dict[Pid, _Child] = {}  # simple_one_for_one children, start order
        self.restarts: deque[float] = deque()

    @property
    def simple(self) -> bool:
        return self.strategy == "simple_one_for_one"

    def find(self, key: Any) -> _Child | None:
        if self.simple:
            return self.dynamic.get(key) if isinstance(key, Pid) else None
        for c in self.children:
            if c.spec.id == key or (isinstance(key, Pid) and c.pid is key):
                return c
        return None


def _parse_init(r: Any) -> tuple[dict[str, Any], list[ChildSpec]] | None:
    if r == "ignore":
        return None
    if isinstance(r, tuple) and len(r) == 2 and r[0] == "ok":
        r = r[1]
    flags, specs = r
    return dict(flags), [ChildSpec.of(s) for s in specs]


class _Behaviour:
    """The gen_server callback module of every supervisor (OTP's ``supervisor`` module)."""

    __name__ = "supervisor"

    async def init(self, a: tuple[Any, Any]) -> Any:
        module, args = a
        process.trap_exit(True)
        mod = current_node().code.resolve(module)
        r = mod.init(args)
        aw = maybe_await(r)
        parsed = _parse_init(await aw if aw is not None else r)
        if parsed is None:
            return "ignore"
        flags, specs = parsed
        st = _Sup(mod, args, flags)
        if st.simple:
            if len(specs) != 1:
                return ("stop", ("bad_start_spec", specs))
            st.children = [_Child(specs[0], None)]
            return ("ok", st)
        for spec in specs:
            child = _Child(spec, None)
            try:
                child.pid = await _start(spec, ())
            except _StartFailed as e:
                await _stop_children(st, list(reversed(st.children)))
                return ("stop", ("shutdown", ("failed_to_start_child", spec.id, e.reason)))
            st.children.append(child)
        return ("ok", st)

    async def handle_call(self, request: Any, from_: Any, st: _Sup) -> Any:
        op = request[0]
        if op == "which_children":
            return ("reply", _which(st), st)
        if op == "count_children":
            kids = _which(st)
            return (
                "reply",
                {
                    "specs": 1 if st.simple else len(st.children),
                    "active": sum(1 for k in kids if isinstance(k[1], Pid)),
                    "supervisors": sum(1 for k in kids if k[2] == "supervisor"),
                    "workers": sum(1 for k in kids if k[2] == "worker"),
                },
                st,
            )
        try:
            return ("reply", await _OPS[op](st, request[1]), st)
        except SupervisorError as e:
            return ("reply", e, st)

    def handle_cast(self, msg: Any, st: _Sup) -> Any:
        return ("noreply", st)

    async def handle_info(self, msg: Any, st: _Sup) -> Any:
        if isinstance(msg, tuple) and len(msg) == 3 and msg[0] == "EXIT":
            child = st.find(msg[1])
            if child is not None and await _child_exited(st, child, msg[2]):
                return ("stop", "shutdown", st)
        elif isinstance(msg, tuple) and len(msg) == 2 and msg[0] == "$relup_restart":
            child = msg[1]
            live = child in st.children or st.simple
            if live and child.pid == "restarting" and await _restart(st, child):
                return ("stop", "shutdown", st)
        return ("noreply", st)

    async def terminate(self, reason: Any, st: _Sup) -> None:
        kids = list(st.dynamic.values()) if st.simple else st.children
        await _stop_children(st, list(reversed(kids)))

    def code_change(self, old_vsn: Any, st: _Sup, extra: Any) -> Any:
        r = st.module.init(st.args)
        if r.__class__ is CoroutineType:
            r.close()
            return ("error", "supervisor init must be synchronous to be re-read")
        try:
            parsed = _parse_init(r)
            if parsed is None:
                return ("ok", st)
            flags, specs = parsed
            new = _Sup(st.module, st.args, flags)
        except Exception as e:
            return ("error", e)
        new.restarts = deque(st.restarts)
        if st.simple:
            new.children = [_Child(specs[0], None)]
            new.dynamic = {p: _Child(specs[0], p, c.args) for p, c in st.dynamic.items()}
            return ("ok", new)
        old = {c.spec.id: c for c in st.children}
        new.children = [_Child(s, old[s.id].pid if s.id in old else None) for s in specs]
        ids = {s.id for s in specs}
        new.children += [_Child(c.spec, c.pid) for c in st.children if c.spec.id not in ids]
        return ("ok", new)


BEHAVIOUR = _Behaviour()


class _StartFailed(Exception):
    def __init__(self, reason: Any) -> None:
        super().__init__(reason)
        self.reason = reason


async def _start(spec: ChildSpec, extra: tuple[Any, ...]) -> Pid | None:
    m, f, a = spec.start
    try:
        r = getattr(current_node().code.resolve(m), f)(*a, *extra)
        aw = maybe_await(r)
        if aw is not None:
            r = await aw
    except StartError as e:
        raise _StartFailed(e.reason) from e
    except Exception as e:
        raise _StartFailed(e) from e
    if isinstance(r, Pid) or r is None:
        return r
    if isinstance(r, tuple) and r and r[0] == "ok":
        return r[1]  # type: ignore[no-any-return]
    if r == "ignore":
        return None
    raise _StartFailed(r[1] if isinstance(r, tuple) and r[0] == "error" else r)


async def _stop(child: _Child) -> None:
    """Stop one child per its shutdown spec; consume its EXIT."""
    pid = child.pid
    child.pid = None
    if not isinstance(pid, Pid):
        return
    ref = process.monitor(pid)
    process.unlink(pid)
    await _flush_exit(pid)
    shutdown = child.spec.shutdown
    if shutdown == "brutal_kill":
        process.send_exit(pid, "kill")
    else:
        process.send_exit(pid, "shutdown")
        if shutdown != "infinity":
            try:
                await process.receive(lambda m: _is_down(m, ref), timeout=float(shutdown))
                return
            except TimeoutError:
                process.send_exit(pid, "kill")
    await process.receive(lambda m: _is_down(m, ref))


def _is_down(m: Any, ref: Any) -> bool:
    return m.__class__ is tuple and len(m) == 5 and m[0] == "DOWN" and m[1] is ref


async def _flush_exit(pid: Pid) -> None:
    with contextlib.suppress(TimeoutError):
        await process.receive(
            lambda m: m.__class__ is tuple and len(m) == 3 and m[0] == "EXIT" and m[1] is pid,
            timeout=0,
        )


async def _stop_children(st: _Sup, kids: list[_Child]) -> None:
    for c in kids:
        pid = c.pid
        await _stop(c)
        if st.simple and isinstance(pid, Pid):
            st.dynamic.pop(pid, None)


def _is_shutdown(reason: Any) -> bool:
    if isinstance(reason, str):
        return reason in ("normal", "shutdown")
    return isinstance(reason, tuple) and len(reason) == 2 and reason[0] == "shutdown"


async def _child_exited(st: _Sup, child: _Child, reason: Any) -> bool:
    """Handle a child's EXIT; True if the restart intensity was exceeded."""
    pid = child.pid
    child.pid = None
    restart = child.spec.restart
    if restart == "temporary" or (restart == "transient" and _is_shutdown(reason)):
        if st.simple and isinstance(pid, Pid):
            st.dynamic.pop(pid, None)
        elif restart == "temporary":
            st.children.remove(child)
        return False
    if st.simple and isinstance(pid, Pid):
        st.dynamic.pop(pid, None)
    return await _restart(st, child)


def _too_many(st: _Sup) -> bool:
    now = current_node().clock()
    st.restarts.append(now)
    while st.restarts and now - st.restarts[0] > st.period:
        st.restarts.popleft()
    return len(st.restarts) > st.intensity


async def _restart(st: _Sup, child: _Child) -> bool:
    if _too_many(st):
        kids = list(st.dynamic.values()) if st.simple else st.children
        await _stop_children(st, list(reversed(kids)))
        return True
    if st.strategy in ("one_for_one", "simple_one_for_one"):
        group = [child]
    else:
        i = st.children.index(child)
        group = st.children if st.strategy == "one_for_all" else st.children[i:]
        await _stop_children(st, [c for c in reversed(group) if c is not child])
    for c in group:
        try:
            c.pid = await _start(c.spec, c.args)
        except _StartFailed:
            c.pid = "restarting"
            process.send(process.self(), ("$relup_restart", c))
            return False
        if st.simple and isinstance(c.pid, Pid):
            st.dynamic[c.pid] = c
    return False


def _which(st: _Sup) -> list[tuple[Any, Any, str, Any]]:
    kids = list(st.dynamic.values()) if st.simple else st.children
    return [(None if st.simple else c.spec.id, c.pid, c.spec.type, c.spec.modules) for c in kids]


async def _op_start_child(st: _Sup, arg: Any) -> Pid | None:
    if st.simple:
        template = st.children[0].spec
        try:
            pid = await _start(template, tuple(arg))
        except _StartFailed as e:
            raise SupervisorError(e.reason) from None
        if pid is not None:
            st.dynamic[pid] = _Child(template, pid, tuple(arg))
        return pid
    spec = ChildSpec.of(arg)
    existing = st.find(spec.id)
    if existing is not None:
        raise SupervisorError(
            ("already_started", existing.pid)
            if isinstance(existing.pid, Pid)
            else "already_present"
        )
    child = _Child(spec, None)
    try:
        child.pid = await _start(spec, ())
    except _StartFailed as e:
        raise SupervisorError(e.reason) from None
    st.children.append(child)
    return child.pid


async def _op_terminate_child(st: _Sup, key: Any) -> None:
    child = st.find(key)
    if child is None:
        raise SupervisorError("not_found")
    pid = child.pid
    await _stop(child)
    if st.simple and isinstance(pid, Pid):
        st.dynamic.pop(pid, None)
    elif child.spec.restart == "temporary":
        st.children.remove(child)


async def _op_restart_child(st: _Sup, key: Any) -> Pid | None:
    child = st.find(key)
    if child is None or st.simple:
        raise SupervisorError("not_found")
    if child.pid is not None:
        raise SupervisorError("running" if isinstance(child.pid, Pid) else "restarting")
    try:
        child.pid = await _start(child.spec, ())
    except _StartFailed as e:
        raise SupervisorError(e.reason) from None
    return child.pid


async def _op_delete_child(st: _Sup, key: Any) -> None:
    child = st.find(key)
    if child is None or st.simple:
        raise SupervisorError("not_found")
    if child.pid is not None:
        raise SupervisorError("running" if isinstance(child.pid, Pid) else "restarting")
    st.children.remove(child)


_OPS: Any = {
    "start_child": _op_start_child,
    "terminate_child": _op_terminate_child,
    "restart_child": _op_restart_child,
    "delete_child": _op_delete_child,
}


# ---------------------------------------------------------------------- client API
async def start_link(module: Any, args: Any = None, *, name: str | None = None) -> Pid | None:
    """Start a supervisor linked to the caller; ``module.init(args)`` gives its children."""
    return await gen_server.start_link(BEHAVIOUR, (module, args), name=name)


async def start(module: Any, args: Any = None, *, name: str | None = None) -> Pid | None:
    return await gen_server.start(BEHAVIOUR, (module, args), name=name)


async def _sup_call(sup: Pid | str, request: tuple[Any, ...], timeout: float | None) -> Any:
    r = await gen_server.call(sup, request, timeout)
    if isinstance(r, SupervisorError):
        raise SupervisorError(r.reason)
    return r


async def start_child(
    sup: Pid | str,
    spec: ChildSpec | dict[str, Any] | list[Any] | tuple[Any, ...],
    timeout: float | None = None,
) -> Pid | None:
    """Add and start a child (simple_one_for_one: ``spec`` is the extra start args)."""
    return await _sup_call(sup, ("start_child", spec), timeout)  # type: ignore[no-any-return]


async def terminate_child(sup: Pid | str, key: Any, timeout: float | None = None) -> None:
    """Stop a child (by id, or by pid for simple_one_for_one); its spec stays."""
    await _sup_call(sup, ("terminate_child", key), timeout)


async def restart_child(sup: Pid | str, key: Any, timeout: float | None = None) -> Pid | None:
    return await _sup_call(sup, ("restart_child", key), timeout)  # type: ignore[no-any-return]


async def delete_child(sup: Pid | str, key: Any, timeout: float | None = None) -> None:
    await _sup_call(sup, ("delete_child", key), timeout)


async def which_children(sup: Pid | str, timeout: float | None = 5.0) -> list[tuple[Any, ...]]:
    """``[(id, pid | None | "restarting", type, modules), ...]`` in start order."""
    return await _sup_call(sup, ("which_children",), timeout)  # type: ignore[no-any-return]


async def count_children(sup: Pid | str, timeout: float | None = 5.0) -> dict[str, int]:
    return await _sup_call(sup, ("count_children",), timeout)  # type: ignore[no-any-return]


# ---------------------------------------------------------------------- tree walking
def is_supervisor(node: Node, pid: Pid) -> bool:
    proc = pid._proc
    return proc is not None and proc.mod is BEHAVIOUR


def walk(node: Node, top: Pid) -> Iterator[tuple[Pid | None, Any, Pid, Any]]:
    """``(supervisor, child_id, pid, modules)`` for ``top`` and everything under it (§5.2).

    Reads the supervisors' state directly (no calls): ``top`` is listed as
    ``(None, None, top, [its callback module])``; children without a pid are skipped;
    ``"dynamic"`` modules are yielded as is. Raises :class:`SuspendedSupervisor` if a
    supervisor on the way is suspended.
    """
    proc = top._proc
    if proc is None or proc.mod is not BEHAVIOUR:
        return
    st: _Sup = proc.state
    yield (None, None, top, (getattr(st.module, "__name__", str(st.module)),))
    yield from _walk(top)


def _walk(sup: Pid) -> Iterator[tuple[Pid | None, Any, Pid, Any]]:
    proc = sup._proc
    if proc is None or proc.mod is not BEHAVIOUR:
        return
    if proc.suspended:
        raise SuspendedSupervisor(sup)
    st: _Sup = proc.state
    for child_id, pid, kind, modules in _which(st):
        if not isinstance(pid, Pid):
            continue
        yield (sup, child_id, pid, modules)
        if kind == "supervisor":
            yield from _walk(pid)
