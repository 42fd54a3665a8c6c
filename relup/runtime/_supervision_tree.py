"""Walking a supervision tree for the release handler: which process runs which modules.

:func:`walk` lists ``(supervisor, child_id, pid, modules)`` for a top supervisor and
everything under it (spec §5.2, OTP's ``release_handler_1:get_supervised_procs``).
Rules:

* The top supervisor is listed as ``(None, None, top, (its callback module,))``.
  Children without a pid (not running, or ``"restarting"``) are skipped. Children of
  type ``"supervisor"`` are listed, then recursed into (depth first, start order).
* Supervisor states are read directly, without ``which_children`` calls (the walk
  runs on the node's loop). A supervisor found suspended raises
  :class:`SuspendedSupervisor` (OTP's ``suspended_supervisor``), unless it is one
  the caller suspended itself (``own_suspended``: the release handler, which keeps
  processes suspended until its install commits, reads their state safely at a
  message boundary); one that vanished is skipped.
* ``modules`` is always a tuple of module names. A child whose spec says
  ``"dynamic"`` is **asked**, with a ``get_modules`` system request and ``timeout``
  seconds to answer (:func:`get_modules`):

  - a gen_server answers with its ``get_modules(state)`` callback, else with its
    callback module; a supervisor answers with its user's supervisor module
    (:mod:`relup.runtime._system_messages`);
  - a raw process answers only if its own loop replies to the request (it receives
    a ``SystemCall`` whose ``request`` is ``("get_modules",)``; answer it with
    ``gen_server.reply(msg, names)``), so usually it does not;
  - no answer within ``timeout`` raises :class:`GetModulesFailed` naming the pid
    (OTP's ``get_modules_failed``: the instruction that walked the tree fails);
  - any other failure (the process is dead or dies meanwhile, its ``get_modules``
    raised) gives ``()`` and a warning, as OTP gives ``[]`` for other exits.

  Asking happens one process at a time, in walk order, so the first process that
  does not answer ends the walk after one timeout.

Differences from OTP: OTP asks only ``worker`` children (a ``supervisor`` child
declared ``dynamic`` is listed with the atom ``dynamic`` in place of a list), and a
plain gen_server never answers (it would make the upgrade fail after the timeout);
relup asks every ``"dynamic"`` child and lets gen_servers answer, so that
``modules`` is always a tuple and a gen_server hosting plug-in modules can say so.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypeAlias

from relup.runtime._calls import call_process
from relup.runtime._child_specs import SupState
from relup.runtime._errors import CallError, CallTimeout, GetModulesFailed, SuspendedSupervisor
from relup.runtime._process import Pid, Process, SystemCall
from relup.runtime._supervisor_server import BEHAVIOUR
from relup.runtime._system_messages import module_name

if TYPE_CHECKING:
    from collections.abc import Container

    from relup.runtime.node import Node

log = logging.getLogger("relup.runtime")

#: ``(supervisor or None for the top, child id, pid, module names)``
Row: TypeAlias = tuple[Pid | None, Any, Pid, tuple[str, ...]]

#: How long a "dynamic" child has to answer get_modules (OTP's gen:call default).
GET_MODULES_TIMEOUT = 5.0


def is_supervisor(node: Node, pid: Pid) -> bool:
    """True if ``pid`` is a live relup supervisor."""
    proc = pid._proc
    return proc is not None and proc.mod is BEHAVIOUR


async def get_modules(
    pid: Pid, timeout: float | None = GET_MODULES_TIMEOUT, *, child_id: Any = None
) -> tuple[str, ...]:
    """Ask ``pid`` which modules it runs (see the module docstring for who answers).

    Raises :class:`GetModulesFailed` if no answer comes within ``timeout`` seconds;
    returns ``()`` if the process is gone or its answer failed.
    """
    proc = pid._proc
    if proc is None:
        log.warning("get_modules: %r (child %r) is gone", pid, child_id)
        return ()
    try:
        answer = await call_process(proc, SystemCall, ("get_modules",), pid, timeout)
    except CallTimeout:
        log.error("get_modules: %r (child %r) did not answer in %ss", pid, child_id, timeout)
        raise GetModulesFailed(pid, child_id) from None
    except CallError as e:
        log.warning("get_modules: %r (child %r) failed: %r", pid, child_id, e.reason)
        return ()
    if not isinstance(answer, (list, tuple)):
        log.warning("get_modules: %r (child %r) answered %r", pid, child_id, answer)
        return ()
    return tuple(module_name(m) for m in answer)


async def walk(
    node: Node,
    top: Pid,
    *,
    timeout: float | None = GET_MODULES_TIMEOUT,
    own_suspended: Container[Process] = (),
) -> list[Row]:
    """Every ``(supervisor, child_id, pid, modules)`` of ``top``'s tree, ``top`` first.

    ``timeout`` bounds each ``get_modules`` request to a ``"dynamic"`` child. Raises
    :class:`SuspendedSupervisor` or :class:`GetModulesFailed` (module docstring).
    """
    proc = top._proc
    if proc is None or proc.mod is not BEHAVIOUR:
        return []
    st: SupState = proc.state
    rows: list[Row] = [(None, None, top, (module_name(st.module),))]
    await _walk(top, rows, timeout, own_suspended)
    return rows


async def _walk(sup: Pid, rows: list[Row], timeout: float | None, own: Container[Process]) -> None:
    proc = sup._proc
    if proc is None or proc.mod is not BEHAVIOUR:
        return
    if proc.suspended and proc not in own:
        raise SuspendedSupervisor(sup)
    st: SupState = proc.state
    simple = st.simple
    # The children are read in place, one row each: at 100,000 children this walk is
    # part of every caller's pause during an install (bench/upgrade.py). The list
    # copy keeps the loop safe when a get_modules request lets the tree change.
    kids = list(st.dynamic.values()) if simple else list(st.children)
    append = rows.append
    for child in kids:
        pid = child.pid
        if not isinstance(pid, Pid):
            continue
        spec = child.spec
        cid = None if simple else spec.id
        modules = spec.modules
        if isinstance(modules, str):  # "dynamic": only the process knows
            modules = await get_modules(pid, timeout, child_id=cid)
        append((sup, cid, pid, modules))
        if spec.type == "supervisor":
            await _walk(pid, rows, timeout, own)
