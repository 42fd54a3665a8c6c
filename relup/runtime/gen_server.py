"""gen_server: a process that serves calls and casts through a callback module.

The callback module is any object with ``init``, ``handle_call``, ``handle_cast`` and
optionally ``handle_info``, ``terminate``, ``code_change`` and ``get_modules``; it is
normally the handle of a module loaded by the code server, so **every callback is
looked up in the current version** when it is dispatched. Between messages the
server's stack holds only framework frames, which is why a gen_server upgrades by
itself.

Callbacks return OTP's tuples (strings stand for atoms)::

    init(args)                     -> ("ok", state[, timeout]) | ("stop", reason) | "ignore"
    handle_call(request, from_, s) -> ("reply", reply, s[, timeout]) | ("noreply", s[, timeout])
                                    | ("stop", reason, reply, s) | ("stop", reason, s)
    handle_cast(msg, s)            -> ("noreply", s[, timeout]) | ("stop", reason, s)
    handle_info(msg, s)            -> same as handle_cast; ``"timeout"`` after a timeout
    terminate(reason, s)           -> ignored
    code_change(old_vsn, s, extra) -> ("ok", new_state) | ("error", reason)
    get_modules(s)                 -> module names, for a child spec with modules="dynamic"

Timeouts are in seconds. Keep state as plain data (dicts, tuples): an instance of
v1's class is not an instance of v2's. A callback may be ``async``; while it awaits,
the server is between two points of its own code, not at a message boundary, and a
suspension waits for it. **A callback that blocks synchronously (``time.sleep``, CPU
loops, blocking I/O) freezes the whole node**, because every process shares the loop.

An exception in any callback (``init`` and ``terminate`` included, ``SystemExit``,
``KeyboardInterrupt`` and ``CancelledError`` too) ends this process only: the server
runs ``terminate`` (unless it was killed) and exits with the exception as reason.
``code_change`` and ``get_modules`` are the exceptions: they run for a system
message, and a failure there is reported to the caller while the server keeps its
state and runs on (as OTP's ``catch`` does).

``init`` runs inside the new process; a *synchronous* ``init`` is run eagerly, during
``start``, with the runtime's notion of the current process switched to the new one
(``process.self()`` is the new pid), which saves a task switch per start.

The machinery lives in private modules: :mod:`relup.runtime._calls` (calls and their
timeouts), :mod:`relup.runtime._server_loop` (the loop and callback dispatch) and
:mod:`relup.runtime._system_messages` (the ``sys`` protocol).
"""

from __future__ import annotations

from types import CoroutineType
from typing import TYPE_CHECKING, Any

from relup.runtime._calls import call_process, reply
from relup.runtime._errors import (
    CallError,
    CallTimeout,
    CodeChangeError,
    Exit,
    NoProc,
    StartError,
)
from relup.runtime._process import (
    Call,
    Cast,
    Pid,
    Process,
    SystemCall,
    current_process,
)
from relup.runtime._server_loop import serve
from relup.runtime._system_messages import compute_code_change
from relup.runtime.node import current_node, maybe_await

if TYPE_CHECKING:
    from relup.runtime.node import Node

__all__ = [
    "CallError",
    "CallTimeout",
    "CodeChangeError",
    "StartError",
    "call",
    "cast",
    "compute_code_change",
    "reply",
    "start",
    "start_link",
    "stop",
]


# ---------------------------------------------------------------------- client API
async def start(
    module: Any,
    args: Any = None,
    *,
    name: str | None = None,
    link: bool = False,
    timeout: float | None = None,
) -> Pid | None:
    """Start a server; returns its pid once ``init`` succeeded, None if it returned "ignore".

    Raises :class:`StartError` if ``init`` fails, returns ``("stop", reason)``, or
    ``name`` is registered (``reason == ("already_started", pid)``).
    """
    node = current_node()
    caller = current_process.get()
    mod = node.code.resolve(module)
    if name is not None and name in node.names:
        raise StartError(("already_started", node.names[name].pid))
    proc = node.new_process((getattr(mod, "__name__", mod), "init", 1))
    proc.mod = mod
    if caller is not None:
        proc.parent = caller.pid
        if link:
            node.link(caller.pid, proc.pid)
    if name is not None:
        node.register(name, proc.pid)
    ack = node.loop.create_future()
    proc.result = ack
    token = current_process.set(proc)
    try:
        r = mod.init(args)
    except BaseException as e:
        current_process.reset(token)
        proc.result = None
        _init_failed(node, proc, caller, e)
        raise StartError(e) from e
    current_process.reset(token)
    if r.__class__ is CoroutineType or maybe_await(r) is not None:
        node.start(proc, _async_init, (proc, caller, r))
        return await _await_ack(node, ack, timeout)
    ok, timeout_after = _init_result(node, proc, caller, r)
    if not ok:
        return await _await_ack(node, ack, timeout)
    proc.result = None
    node.start(proc, serve, (proc, timeout_after))
    return proc.pid


async def start_link(
    module: Any, args: Any = None, *, name: str | None = None, timeout: float | None = None
) -> Pid | None:
    """:func:`start`, linked to the caller (which must be a process)."""
    return await start(module, args, name=name, link=True, timeout=timeout)


async def _await_ack(node: Node, ack: Any, timeout: float | None) -> Pid | None:
    handle = None
    if timeout is not None:
        handle = node.loop.call_later(
            timeout, lambda: ack.done() or ack.set_exception(StartError("timeout"))
        )
    try:
        result: Pid | None = await ack
    except StartError:
        raise
    except Exit as e:
        raise StartError(e.reason) from None
    except Exception as e:
        raise StartError(e) from e
    finally:
        if handle is not None:
            handle.cancel()
    return result


def _init_failed(node: Node, proc: Process, caller: Process | None, reason: Any) -> None:
    if caller is not None:
        node.unlink(caller.pid, proc.pid)
    if proc.result is not None and not proc.result.done():
        proc.result.set_exception(StartError(reason))
    node.terminate(proc, reason)


def _init_result(node: Node, proc: Process, caller: Process | None, r: Any) -> tuple[bool, Any]:
    """Apply init's return value; (True, timeout) if the server should run."""
    if not proc.alive:
        return False, None
    if r.__class__ is tuple and r and r[0] == "ok" and len(r) in (2, 3):
        proc.state = r[1]
        if proc.result is not None and not proc.result.done():
            proc.result.set_result(proc.pid)
        return True, r[2] if len(r) == 3 else None
    if r == "ignore":
        if caller is not None:
            node.unlink(caller.pid, proc.pid)
        if proc.result is not None:
            proc.result.set_result(None)
        node.terminate(proc, "normal")
        return False, None
    if r.__class__ is tuple and len(r) == 2 and r[0] == "stop":
        _init_failed(node, proc, caller, r[1])
        return False, None
    _init_failed(node, proc, caller, ("bad_return_value", r))
    return False, None


async def _async_init(proc: Process, caller: Process | None, coro: Any) -> None:
    node = proc.node
    try:
        r = await coro
    except BaseException as e:
        if not proc.alive:
            raise
        _init_failed(node, proc, caller, e)
        return
    ok, timeout = _init_result(node, proc, caller, r)
    if ok:
        proc.result = None
        await serve(proc, timeout)


async def call(dest: Pid | str, request: Any, timeout: float | None = 5.0) -> Any:
    """Send ``request`` and wait for the reply.

    Raises :class:`CallError` if the server is unknown or dead (``reason == "noproc"``),
    exits before replying (``reason`` is its exit reason), or :class:`CallTimeout`.
    """
    proc = dest._proc if dest.__class__ is Pid else current_node().lookup(dest)
    if proc is None:
        raise CallError(dest, request, "noproc")
    return await call_process(proc, Call, request, dest, timeout)


def cast(dest: Pid | str, msg: Any) -> None:
    """Send ``msg`` to ``handle_cast``; never fails, even if the server is gone."""
    proc = dest._proc if dest.__class__ is Pid else current_node().lookup(dest)
    if proc is not None:
        proc.deliver(Cast(msg))


async def stop(dest: Pid | str, reason: Any = "normal", timeout: float | None = None) -> None:
    """Stop a server: it runs ``terminate(reason, state)`` and exits with ``reason``."""
    proc = dest._proc if dest.__class__ is Pid else current_node().lookup(dest)
    if proc is None:
        raise NoProc(dest)
    await call_process(proc, SystemCall, ("stop", reason), dest, timeout)
