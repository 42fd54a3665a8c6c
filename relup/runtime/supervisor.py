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
* The release handler finds the processes that run a module with :func:`walk`
  (``(supervisor, child_id, pid, modules)`` rows); a child whose spec says
  ``modules="dynamic"`` is asked with a ``get_modules`` request, and one that does
  not answer in time fails the walk with :class:`GetModulesFailed`
  (:mod:`relup.runtime._supervision_tree` says who answers what).

This module is the client API; the supervisor itself lives in
:mod:`relup.runtime._supervisor_server` (its gen_server callbacks),
:mod:`relup.runtime._child_lifecycle` (starting, stopping, restarting children) and
:mod:`relup.runtime._child_specs` (child specs and the supervisor's state).
"""

from __future__ import annotations

from typing import Any

from relup.runtime import gen_server
from relup.runtime._child_specs import STRATEGIES, ChildSpec
from relup.runtime._errors import (
    GetModulesFailed,
    StartError,
    SupervisorError,
    SuspendedSupervisor,
)
from relup.runtime._process import Pid
from relup.runtime._supervision_tree import (
    GET_MODULES_TIMEOUT,
    Row,
    get_modules,
    is_supervisor,
    walk,
)
from relup.runtime._supervisor_server import BEHAVIOUR

__all__ = [
    "BEHAVIOUR",
    "GET_MODULES_TIMEOUT",
    "STRATEGIES",
    "ChildSpec",
    "GetModulesFailed",
    "Row",
    "StartError",
    "SupervisorError",
    "SuspendedSupervisor",
    "count_children",
    "delete_child",
    "get_modules",
    "is_supervisor",
    "restart_child",
    "start",
    "start_child",
    "start_link",
    "terminate_child",
    "walk",
    "which_children",
]


# ---------------------------------------------------------------------- client API
async def start_link(module: Any, args: Any = None, *, name: str | None = None) -> Pid | None:
    """Start a supervisor linked to the caller; ``module.init(args)`` gives its children."""
    return await gen_server.start_link(BEHAVIOUR, (module, args), name=name)


async def start(module: Any, args: Any = None, *, name: str | None = None) -> Pid | None:
    """Start a supervisor that is not linked to the caller."""
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
    """Start again a child that is not running (its spec was kept); returns its pid."""
    return await _sup_call(sup, ("restart_child", key), timeout)  # type: ignore[no-any-return]


async def delete_child(sup: Pid | str, key: Any, timeout: float | None = None) -> None:
    """Forget the spec of a child that is not running."""
    await _sup_call(sup, ("delete_child", key), timeout)


async def which_children(sup: Pid | str, timeout: float | None = 5.0) -> list[tuple[Any, ...]]:
    """``[(id, pid | None | "restarting", type, modules), ...]`` in start order."""
    return await _sup_call(sup, ("which_children",), timeout)  # type: ignore[no-any-return]


async def count_children(sup: Pid | str, timeout: float | None = 5.0) -> dict[str, int]:
    """``{"specs", "active", "supervisors", "workers"}`` counts, as OTP's count_children."""
    return await _sup_call(sup, ("count_children",), timeout)  # type: ignore[no-any-return]
