"""The ``sys`` operations: suspend, resume, change_code, get/replace state, status.

Two forms of the same operations:

* **Messages** (OTP's ``sys`` module): :func:`suspend`, :func:`resume`,
  :func:`change_code`, :func:`get_state`, :func:`replace_state`, :func:`get_status`
  send a system message and wait for the answer. A suspend message is handled after
  the messages queued before it; from then on the process handles only system
  messages, and everything else stays queued in order. ``change_code`` is accepted only
  while suspended; the state is replaced only if ``code_change`` returns
  ``("ok", new_state)``, otherwise the old state stays and :class:`CodeChangeError` is
  raised to the caller. Raw processes do not answer system messages (calls time out).

* **Direct, in-loop** (for the release handler, which runs on the node's loop):
  :func:`suspend_all` sets a flag on each :class:`Process` and returns those not yet
  at a message boundary (a gen_server in its loop, or a raw process in ``receive``);
  :func:`await_boundary` waits for them, with one future for any number of processes
  (:func:`await_suspended` does both);
  :func:`prepare_code_change` computes the new state of one process *without
  committing it*; :meth:`PreparedChange.commit` installs it and
  :meth:`PreparedChange.discard` drops it; :func:`change_states` runs ``code_change``
  on many processes and installs each new state, keeping the old ones for a rollback;
  :func:`resume_process` / :func:`resume_all` clear the flag and wake the process.
  Every step is O(1) per process: no messages, no tasks. Unlike the message form,
  the flag takes effect at the next boundary: messages already queued are not
  handled first.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, final

from relup.runtime._calls import call_process
from relup.runtime._errors import CodeChangeError, NoProc
from relup.runtime._process import Pid, Process, SuspendBarrier, SystemCall
from relup.runtime._system_messages import compute_code_change, direct_result
from relup.runtime.node import current_node

if TYPE_CHECKING:
    from collections.abc import Container, Iterable


def _proc(dest: Pid | str) -> Process:
    proc = current_node().lookup(dest)
    if proc is None:
        raise NoProc(dest)
    return proc


async def _sys(dest: Pid | str, request: tuple[Any, ...], timeout: float | None) -> Any:
    return await call_process(_proc(dest), SystemCall, request, dest, timeout)


async def suspend(dest: Pid | str, timeout: float | None = 5.0) -> None:
    """``sys:suspend``: after the messages queued before this one, only system messages."""
    await _sys(dest, ("suspend",), timeout)


async def resume(dest: Pid | str, timeout: float | None = 5.0) -> None:
    await _sys(dest, ("resume",), timeout)


async def change_code(
    dest: Pid | str, module: Any, old_vsn: Any, extra: Any = None, timeout: float | None = 5.0
) -> None:
    """``sys:change_code``: run the current ``code_change``; the process must be suspended.

    ``module`` is accepted for OTP's signature; a gen_server always calls its own
    callback module's ``code_change`` (spec §5.3).
    """
    await _sys(dest, ("change_code", module, old_vsn, extra), timeout)


async def get_state(dest: Pid | str, timeout: float | None = 5.0) -> Any:
    return await _sys(dest, ("get_state",), timeout)


async def replace_state(dest: Pid | str, fn: Any, timeout: float | None = 5.0) -> Any:
    """Replace the state by ``fn(state)``; if ``fn`` raises, the state is unchanged."""
    return await _sys(dest, ("replace_state", fn), timeout)


async def get_status(dest: Pid | str, timeout: float | None = 5.0) -> dict[str, Any]:
    status: dict[str, Any] = await _sys(dest, ("get_status",), timeout)
    return status


# ---------------------------------------------------------------------- direct
def suspend_all(procs: Iterable[Process]) -> list[Process]:
    """Set the flag on each process; returns those not yet at a message boundary.

    One pass and no calls per process: the release handler suspends every process
    of a module at once, and at 100,000 processes this loop is part of the pause.
    """
    lagging = []
    for p in procs:
        p.suspended = True
        if not p.boundary and p.alive:
            lagging.append(p)
    return lagging


async def await_boundary(lagging: list[Process], timeout: float | None) -> list[Process]:
    """Wait until each of ``lagging`` (flags already set) is at a boundary.

    Returns the processes that did not get there in time (their flag stays set; resume
    them with :func:`resume_process` to drop them, as the release handler does).
    """
    if not lagging:
        return []
    loop = asyncio.get_running_loop()
    barrier = SuspendBarrier(loop.create_future(), len(lagging))
    for p in lagging:
        p._suspend_barrier = barrier
    handle = None
    if timeout is not None:
        handle = loop.call_later(timeout, _release, barrier)
    try:
        await barrier.fut
    finally:
        if handle is not None:
            handle.cancel()
    late = [p for p in lagging if p.alive and not p.boundary]
    for p in late:
        if p._suspend_barrier is barrier:
            p._suspend_barrier = None
    return late


async def await_suspended(procs: Iterable[Process], timeout: float | None) -> list[Process]:
    """Set the flag on each process and wait until all are at a boundary (the late ones)."""
    return await await_boundary(suspend_all(procs), timeout)


def _release(barrier: SuspendBarrier) -> None:
    if not barrier.fut.done():
        barrier.fut.set_result(None)


def is_suspended(proc: Process) -> bool:
    """Flag set and parked at a boundary: safe to change code and state."""
    return proc.suspended and proc.boundary


@final
class PreparedChange:
    """The outcome of ``code_change`` for one suspended process, not yet installed."""

    __slots__ = ("ok", "proc", "result")

    def __init__(self, proc: Process, ok: bool, result: Any) -> None:
        self.proc = proc
        self.ok = ok
        #: the new state if ``ok``, else the reason
        self.result = result

    def commit(self) -> None:
        """Install the new state (only a successful change can be committed)."""
        if not self.ok:
            raise CodeChangeError(self.proc.pid, self.result)
        self.proc.state = self.result

    def discard(self) -> None:
        """Drop the computed state; the process keeps its old one."""
        self.result = None


def _refusal(proc: Process) -> str | None:
    if not is_suspended(proc):
        return "not_suspended"
    if proc.mod is None:
        return "not_a_gen_server"
    return None


def change_states(
    procs: Iterable[Process], old_vsn: Any, extra: Any, saved: list[tuple[Process, Any]]
) -> tuple[int, Process | None, Any]:
    """:func:`prepare_code_change` on each live process, installing each new state at once.

    Each replaced state is appended to ``saved`` as ``(process, old state)`` first, so
    that the caller can put them all back (in reverse order) if a later step fails.
    Stops at the first failure: returns ``(changed, failed process or None, reason)``.
    This is the release handler's hot loop (one ``code_change`` per process while
    they are all suspended), so the callback is looked up once per callback module
    and the common ``("ok", state)`` answer is taken without a call.
    """
    changed = 0
    last_mod: Any = None
    fn: Any = None
    for proc in procs:
        if not proc.alive:
            continue
        mod = proc.mod
        if not (proc.suspended and proc.boundary) or mod is None:
            return changed, proc, _refusal(proc)
        if mod is not last_mod:
            last_mod, fn = mod, getattr(mod, "code_change", None)
        state = proc.state
        if fn is not None:
            try:
                r = fn(old_vsn, state, extra)
            except BaseException as e:
                return changed, proc, e
            if r.__class__ is tuple and len(r) == 2 and r[0] == "ok":
                new = r[1]
            else:
                ok, new = direct_result(r)
                if not ok:
                    return changed, proc, new
            saved.append((proc, state))
            proc.state = new
        changed += 1
    return changed, None, None


def prepare_code_change(proc: Process, old_vsn: Any, extra: Any = None) -> PreparedChange:
    """Call the current ``code_change`` of a suspended gen_server; commits nothing.

    ``code_change`` must be synchronous here (an async one gives a failed change).
    """
    refused = _refusal(proc)
    if refused is not None:
        return PreparedChange(proc, False, refused)
    ok, result = compute_code_change(proc, old_vsn, extra)
    return PreparedChange(proc, ok, result)


def resume_process(proc: Process) -> None:
    """Clear the flag and wake the process so it handles its queued messages."""
    proc.suspended = False
    proc._suspend_barrier = None
    proc.wake()


def resume_all(procs: Iterable[Process], lagged: Container[Process]) -> None:
    """:func:`resume_process` on each live process, in one pass.

    ``lagged`` holds those that were not parked between messages when suspended.
    One that was already parked and got no message since is left parked: the next
    delivery wakes it. Skipping that wake-up halves the cost of resuming thousands
    of idle servers.
    """
    for p in procs:
        if p.alive:
            p.suspended = False
            p._suspend_barrier = None
            if p.mailbox or p in lagged:
                p.wake()
