"""The gen_server callback module every supervisor runs (OTP's ``supervisor`` module).

A supervisor is a gen_server whose callback module is :data:`BEHAVIOUR` and whose
state is a :class:`~relup.runtime._child_specs.SupState`; the user's supervisor
module only provides ``init``. Requests (from :mod:`relup.runtime.supervisor`'s
client functions) are ``("which_children",)``, ``("count_children",)`` and
``(op, arg)`` for the child operations below; a refusal is replied as a
:class:`SupervisorError` value, which the client raises. ``EXIT`` messages from
children drive restarts; ``("$relup_restart", child)`` retries a child whose restart
failed.

``code_change`` (the ``{update, Mod, supervisor}`` instruction) runs the current
``init`` again and takes its flags and specs: existing children keep their pids and
get the new spec, children only in the new specs are added *without starting them*,
children missing from the new specs are kept; none is started or stopped.
"""

from __future__ import annotations

from collections import deque
from types import CoroutineType
from typing import Any

from relup.runtime import process
from relup.runtime._child_lifecycle import (
    StartFailed,
    child_exited,
    restart_per_strategy,
    start_child_process,
    stop_child,
    stop_children,
)
from relup.runtime._child_specs import Child, ChildSpec, SupState, parse_init, which
from relup.runtime._errors import SupervisorError
from relup.runtime._process import Pid
from relup.runtime._system_messages import module_name
from relup.runtime.node import current_node, maybe_await


class Behaviour:
    """The gen_server callback module of every supervisor (OTP's ``supervisor`` module)."""

    __name__ = "supervisor"

    async def init(self, a: tuple[Any, Any]) -> Any:
        module, args = a
        process.trap_exit(True)
        mod = current_node().code.resolve(module)
        r = mod.init(args)
        aw = maybe_await(r)
        parsed = parse_init(await aw if aw is not None else r)
        if parsed is None:
            return "ignore"
        flags, specs = parsed
        st = SupState(mod, args, flags)
        if st.simple:
            if len(specs) != 1:
                return ("stop", ("bad_start_spec", specs))
            st.children = [Child(specs[0], None)]
            return ("ok", st)
        for spec in specs:
            child = Child(spec, None)
            try:
                child.pid = await start_child_process(spec, ())
            except StartFailed as e:
                await stop_children(st, list(reversed(st.children)))
                return ("stop", ("shutdown", ("failed_to_start_child", spec.id, e.reason)))
            st.children.append(child)
        return ("ok", st)

    async def handle_call(self, request: Any, from_: Any, st: SupState) -> Any:
        op = request[0]
        if op == "which_children":
            return ("reply", which(st), st)
        if op == "count_children":
            kids = which(st)
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

    def handle_cast(self, msg: Any, st: SupState) -> Any:
        return ("noreply", st)

    async def handle_info(self, msg: Any, st: SupState) -> Any:
        if isinstance(msg, tuple) and len(msg) == 3 and msg[0] == "EXIT":
            child = st.find(msg[1])
            if child is not None and await child_exited(st, child, msg[2]):
                return ("stop", "shutdown", st)
        elif isinstance(msg, tuple) and len(msg) == 2 and msg[0] == "$relup_restart":
            child = msg[1]
            live = child in st.children or st.simple
            if live and child.pid == "restarting" and await restart_per_strategy(st, child):
                return ("stop", "shutdown", st)
        return ("noreply", st)

    async def terminate(self, reason: Any, st: SupState) -> None:
        kids = list(st.dynamic.values()) if st.simple else st.children
        await stop_children(st, list(reversed(kids)))

    def get_modules(self, st: SupState) -> tuple[str, ...]:
        """A supervisor runs its user's callback module (for a ``"dynamic"`` spec)."""
        return (module_name(st.module),)

    def code_change(self, old_vsn: Any, st: SupState, extra: Any) -> Any:
        r = st.module.init(st.args)
        if r.__class__ is CoroutineType:
            r.close()
            return ("error", "supervisor init must be synchronous to be re-read")
        try:
            parsed = parse_init(r)
            if parsed is None:
                return ("ok", st)
            flags, specs = parsed
            new = SupState(st.module, st.args, flags)
        except Exception as e:
            return ("error", e)
        new.restarts = deque(st.restarts)
        if st.simple:
            new.children = [Child(specs[0], None)]
            new.dynamic = {p: Child(specs[0], p, c.args) for p, c in st.dynamic.items()}
            return ("ok", new)
        old = {c.spec.id: c for c in st.children}
        new.children = [Child(s, old[s.id].pid if s.id in old else None) for s in specs]
        ids = {s.id for s in specs}
        new.children += [Child(c.spec, c.pid) for c in st.children if c.spec.id not in ids]
        return ("ok", new)


BEHAVIOUR = Behaviour()


async def _op_start_child(st: SupState, arg: Any) -> Pid | None:
    if st.simple:
        template = st.children[0].spec
        try:
            pid = await start_child_process(template, tuple(arg))
        except StartFailed as e:
            raise SupervisorError(e.reason) from None
        if pid is not None:
            st.dynamic[pid] = Child(template, pid, tuple(arg))
        return pid
    spec = ChildSpec.of(arg)
    existing = st.find(spec.id)
    if existing is not None:
        raise SupervisorError(
            ("already_started", existing.pid)
            if isinstance(existing.pid, Pid)
            else "already_present"
        )
    child = Child(spec, None)
    try:
        child.pid = await start_child_process(spec, ())
    except StartFailed as e:
        raise SupervisorError(e.reason) from None
    st.children.append(child)
    return child.pid


async def _op_terminate_child(st: SupState, key: Any) -> None:
    child = st.find(key)
    if child is None:
        raise SupervisorError("not_found")
    pid = child.pid
    await stop_child(child)
    if st.simple and isinstance(pid, Pid):
        st.dynamic.pop(pid, None)
    elif child.spec.restart == "temporary":
        st.children.remove(child)


async def _op_restart_child(st: SupState, key: Any) -> Pid | None:
    child = st.find(key)
    if child is None or st.simple:
        raise SupervisorError("not_found")
    if child.pid is not None:
        raise SupervisorError("running" if isinstance(child.pid, Pid) else "restarting")
    try:
        child.pid = await start_child_process(child.spec, ())
    except StartFailed as e:
        raise SupervisorError(e.reason) from None
    return child.pid


async def _op_delete_child(st: SupState, key: Any) -> None:
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
