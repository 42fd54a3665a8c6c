"""Starting, stopping and restarting children: the supervisor's side of their lives.

These run inside the supervisor process (they receive its ``EXIT`` and ``DOWN``
messages). Rules (OTP's):

* A child is started by calling the *current* version of its start function; it
  returns a pid, ``("ok", pid)``, ``"ignore"`` or ``None`` (no process), or fails.
* Stopping a child: ``"brutal_kill"`` kills it; a number of seconds sends
  ``shutdown`` and kills it if it is still alive then; ``"infinity"`` waits.
* On a child's exit: ``temporary`` children are never restarted (and are forgotten),
  ``transient`` ones only after an abnormal exit (not ``normal``, ``shutdown`` or
  ``("shutdown", _)``), ``permanent`` ones always. More than ``intensity`` restarts
  within ``period`` seconds (read from ``node.clock``, so tests inject a clock) stop
  every child, and the caller then stops the supervisor with reason ``shutdown``.
"""

from __future__ import annotations

import contextlib
from typing import Any

from relup.runtime import process
from relup.runtime._child_specs import Child, ChildSpec, SupState
from relup.runtime._errors import Exit, StartError
from relup.runtime._process import Pid, current_process
from relup.runtime.node import current_node, maybe_await


class StartFailed(Exception):
    """A child's start function failed; ``reason`` is what OTP would report."""

    def __init__(self, reason: Any) -> None:
        super().__init__(reason)
        self.reason = reason


async def start_child_process(spec: ChildSpec, extra: tuple[Any, ...]) -> Pid | None:
    """Call the spec's start function (current version of its module) with ``extra`` args.

    Whatever the start function raises is a failed start, as under OTP's ``catch``
    (``SystemExit``, ``KeyboardInterrupt`` and ``process.exit`` included), not the
    supervisor's death; only the supervisor's own cancellation passes through.
    """
    m, f, a = spec.start
    try:
        r = getattr(current_node().code.resolve(m), f)(*a, *extra)
        aw = maybe_await(r)
        if aw is not None:
            r = await aw
    except StartError as e:
        raise StartFailed(e.reason) from e
    except BaseException as e:
        if not _supervisor_alive():
            raise
        raise StartFailed(e.reason if isinstance(e, Exit) else e) from e
    if isinstance(r, Pid) or r is None:
        return r
    if isinstance(r, tuple) and r and r[0] == "ok":
        return r[1]  # type: ignore[no-any-return]
    if r == "ignore":
        return None
    raise StartFailed(r[1] if isinstance(r, tuple) and r[0] == "error" else r)


async def stop_child(child: Child) -> None:
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


async def stop_children(st: SupState, kids: list[Child]) -> None:
    """Stop ``kids`` one after another, in the order given."""
    for c in kids:
        pid = c.pid
        await stop_child(c)
        if st.simple and isinstance(pid, Pid):
            st.dynamic.pop(pid, None)


def _is_shutdown(reason: Any) -> bool:
    if isinstance(reason, str):
        return reason in ("normal", "shutdown")
    return isinstance(reason, tuple) and len(reason) == 2 and reason[0] == "shutdown"


async def child_exited(st: SupState, child: Child, reason: Any) -> bool:
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
    return await restart_per_strategy(st, child)


def _supervisor_alive() -> bool:
    me = current_process.get()
    return me is None or me.alive


def _too_many(st: SupState) -> bool:
    now = current_node().clock()
    st.restarts.append(now)
    while st.restarts and now - st.restarts[0] > st.period:
        st.restarts.popleft()
    return len(st.restarts) > st.intensity


async def restart_per_strategy(st: SupState, child: Child) -> bool:
    """Restart ``child`` (and its group, per the strategy); True if intensity is exceeded.

    A child whose start fails is marked ``"restarting"`` and retried through a message
    to the supervisor itself, so that the supervisor stays responsive meanwhile.
    """
    if _too_many(st):
        kids = list(st.dynamic.values()) if st.simple else st.children
        await stop_children(st, list(reversed(kids)))
        return True
    if st.strategy in ("one_for_one", "simple_one_for_one"):
        group = [child]
    else:
        i = st.children.index(child)
        group = st.children if st.strategy == "one_for_all" else st.children[i:]
        await stop_children(st, [c for c in reversed(group) if c is not child])
    for c in group:
        try:
            c.pid = await start_child_process(c.spec, c.args)
        except StartFailed:
            c.pid = "restarting"
            process.send(process.self(), ("$relup_restart", c))
            return False
        if st.simple and isinstance(c.pid, Pid):
            st.dynamic[c.pid] = c
    return False
