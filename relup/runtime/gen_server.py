"""gen_server: a process that serves calls and casts through a callback module.

The callback module is any object with ``init``, ``handle_call``, ``handle_cast`` and
optionally ``handle_info``, ``terminate`` and ``code_change``; it is normally the
handle of a module loaded by the code server, so **every callback is looked up in the
current version** when it is dispatched. Between messages the server's stack holds
only this file's frames, which is why a gen_server upgrades by itself.

Callbacks return OTP's tuples (strings stand for atoms)::

    init(args)                     -> ("ok", state[, timeout]) | ("stop", reason) | "ignore"
    handle_call(request, from_, s) -> ("reply", reply, s[, timeout]) | ("noreply", s[, timeout])
                                    | ("stop", reason, reply, s) | ("stop", reason, s)
    handle_cast(msg, s)            -> ("noreply", s[, timeout]) | ("stop", reason, s)
    handle_info(msg, s)            -> same as handle_cast; ``"timeout"`` after a timeout
    terminate(reason, s)           -> ignored
    code_change(old_vsn, s, extra) -> ("ok", new_state) | ("error", reason)

Timeouts are in seconds. Keep state as plain data (dicts, tuples): an instance of
v1's class is not an instance of v2's. A callback may be ``async``; while it awaits,
the server is between two points of its own code, not at a message boundary, and a
suspension waits for it. **A callback that blocks synchronously (``time.sleep``, CPU
loops, blocking I/O) freezes the whole node**, because every process shares the loop.

An exception in any callback (``init`` and ``terminate`` included, ``SystemExit``,
``KeyboardInterrupt`` and ``CancelledError`` too) ends this process only: the server
runs ``terminate`` (unless it was killed) and exits with the exception as reason.

``init`` runs inside the new process; a *synchronous* ``init`` is run eagerly, during
``start``, with the runtime's notion of the current process switched to the new one
(``process.self()`` is the new pid), which saves a task switch per start.
"""

from __future__ import annotations

import logging
from types import CoroutineType
from typing import TYPE_CHECKING, Any

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
    is_system,
)
from relup.runtime.node import current_node, maybe_await

if TYPE_CHECKING:
    from relup.runtime.node import Node

log = logging.getLogger("relup.runtime")

_TIMEOUT_MSG = "timeout"


class _BadReturn(Exception):
    def __init__(self, callback: str, value: Any) -> None:
        super().__init__(f"bad return value from {callback}: {value!r}")
        self.value = value


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
    node.start(proc, _serve, (proc, timeout_after))
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
        await _serve(proc, timeout)


async def call(dest: Pid | str, request: Any, timeout: float | None = 5.0) -> Any:
    """Send ``request`` and wait for the reply.

    Raises :class:`CallError` if the server is unknown or dead (``reason == "noproc"``),
    exits before replying (``reason`` is its exit reason), or :class:`CallTimeout`.
    """
    proc = dest._proc if dest.__class__ is Pid else current_node().lookup(dest)
    if proc is None:
        raise CallError(dest, request, "noproc")
    return await _call(proc, Call, request, dest, timeout)


async def _call(
    proc: Process, cls: type[Call], request: Any, dest: Any, timeout: float | None
) -> Any:
    me = current_process.get()
    if me is proc:
        raise CallError(dest, request, "calling_self")
    loop = proc.node.loop
    fut = loop.create_future()
    c = cls(None if me is None else me.pid, fut, request, dest)
    callers = proc.callers
    if callers is None:
        callers = proc.callers = set()
    callers.add(c)
    proc.deliver(c)
    handle = None
    if me is not None:
        me.in_call = c
        if timeout is not None:
            _arm_call_timer(me, loop.time() + timeout)
    elif timeout is not None:
        handle = loop.call_later(timeout, _expire_call, c)
    try:
        return await fut
    finally:
        if handle is not None:
            handle.cancel()
        callers.discard(c)
        if me is not None:
            me.in_call = None


def _arm_call_timer(me: Process, deadline: float) -> None:
    """Bound the caller's call by ``deadline`` with its one, lazily moved, timer.

    A timer per call would cost a heap push and a cancelled handle per round trip;
    instead the process keeps one timer that fires no later than its current call's
    deadline and, when it fires early for a later call, re-arms itself.
    """
    me.call_deadline = deadline
    timer = me.call_timer
    if timer is not None:
        if timer.when() <= deadline:
            return
        timer.cancel()
    me.call_timer = me.node.loop.call_at(deadline, _check_call_timer, me)


def _check_call_timer(me: Process) -> None:
    me.call_timer = None
    c = me.in_call
    if c is None or not me.alive or c.fut.done():
        return
    if me.node.loop.time() >= me.call_deadline:
        _expire_call(c)
    else:
        me.call_timer = me.node.loop.call_at(me.call_deadline, _check_call_timer, me)


def _expire_call(c: Call) -> None:
    if not c.fut.done():
        c.fut.set_exception(CallTimeout(c.dest, c.request))


def cast(dest: Pid | str, msg: Any) -> None:
    """Send ``msg`` to ``handle_cast``; never fails, even if the server is gone."""
    proc = dest._proc if dest.__class__ is Pid else current_node().lookup(dest)
    if proc is not None:
        proc.deliver(Cast(msg))


def reply(from_: Call, value: Any) -> None:
    """Reply to a call later (handle_call returned "noreply" and kept ``from_``)."""
    fut = from_.fut
    if not fut.done():
        fut.set_result(value)


async def stop(dest: Pid | str, reason: Any = "normal", timeout: float | None = None) -> None:
    """Stop a server: it runs ``terminate(reason, state)`` and exits with ``reason``."""
    proc = dest._proc if dest.__class__ is Pid else current_node().lookup(dest)
    if proc is None:
        raise NoProc(dest)
    await _call(proc, SystemCall, ("stop", reason), dest, timeout)


# ---------------------------------------------------------------------- server loop
async def _next(proc: Process, timeout: float | None) -> Any:
    """Next message, honouring suspension (system messages only) and the timeout."""
    mb = proc.mailbox
    deadline: float | None = None
    while True:
        if proc.suspended:
            for i, m in enumerate(mb):
                if is_system(proc, m):
                    del mb[i]
                    return m
            proc.boundary = True
            proc.reach_boundary()
            try:
                await proc.park(None)
            finally:
                proc.boundary = False
            continue
        if mb:
            return mb.popleft()
        wait = None
        if timeout is not None:
            now = proc.node.loop.time()
            if deadline is None:
                deadline = now + timeout
            wait = deadline - now
            if wait <= 0:
                return _TIMEOUT_MSG
        proc.boundary = True
        try:
            await proc.park(wait)
        finally:
            proc.boundary = False


async def _serve(proc: Process, timeout: float | None) -> None:
    mod = proc.mod
    mb = proc.mailbox
    try:
        while True:
            if mb and timeout is None and not proc.suspended:
                msg = mb.popleft()
            else:
                msg = await _next(proc, timeout)
            timeout = None
            cls = msg.__class__
            if cls is Call:
                r = mod.handle_call(msg.request, msg, proc.state)
                if r.__class__ is not tuple:
                    r = await _async_result(r, "handle_call")
                if r[0] == "reply":
                    fut = msg.fut
                    if not fut.done():
                        fut.set_result(r[1])
                    proc.state = r[2]
                    if len(r) == 4:
                        timeout = r[3]
                    continue
                if r[0] == "stop" and len(r) == 4:
                    proc.state = r[3]
                    try:
                        await _terminate(proc, r[1])
                    finally:
                        reply(msg, r[2])
                    raise _Stopped(r[1])
                timeout = await _noreply(proc, r, "handle_call")
            elif cls is Cast:
                r = mod.handle_cast(msg.msg, proc.state)
                if r.__class__ is not tuple:
                    r = await _async_result(r, "handle_cast")
                timeout = await _noreply(proc, r, "handle_cast")
            elif cls is SystemCall:
                await _system(proc, msg)
            else:
                if (
                    proc.trap_exit
                    and msg.__class__ is tuple
                    and len(msg) == 3
                    and msg[0] == "EXIT"
                    and msg[1] is proc.parent
                ):
                    await _terminate(proc, msg[2])
                    raise _Stopped(msg[2])
                handle_info = getattr(mod, "handle_info", None)
                if handle_info is None:
                    log.warning("%r: unexpected message %r (no handle_info)", proc.pid, msg)
                    continue
                r = handle_info(msg, proc.state)
                if r.__class__ is not tuple:
                    r = await _async_result(r, "handle_info")
                timeout = await _noreply(proc, r, "handle_info")
    except _Stopped:
        raise
    except BaseException as e:
        if not proc.alive:
            raise
        reason = e.reason if isinstance(e, Exit) else e
        if not isinstance(e, Exit):
            log.error("gen_server %r crashed", proc.pid, exc_info=e)
        await _terminate(proc, reason)
        raise


class _Stopped(Exit):
    """Raised after terminate already ran (stop via a return value or a system call)."""


async def _async_result(r: Any, callback: str) -> Any:
    aw = maybe_await(r)
    if aw is None:
        raise _BadReturn(callback, r)
    r = await aw
    if r.__class__ is not tuple:
        raise _BadReturn(callback, r)
    return r


async def _noreply(proc: Process, r: Any, callback: str) -> float | None:
    tag = r[0] if r else None
    if tag == "noreply" and len(r) in (2, 3):
        proc.state = r[1]
        return r[2] if len(r) == 3 else None
    if tag == "stop" and len(r) == 3:
        proc.state = r[2]
        await _terminate(proc, r[1])
        raise _Stopped(r[1])
    raise _BadReturn(callback, r)


async def _terminate(proc: Process, reason: Any) -> None:
    """Run the terminate callback; an exception in it becomes the exit reason."""
    fn = getattr(proc.mod, "terminate", None)
    if fn is None:
        return
    try:
        r = fn(reason, proc.state)
        aw = maybe_await(r)
        if aw is not None:
            await aw
    except BaseException as e:
        if not proc.alive:
            raise
        log.error("terminate of %r crashed", proc.pid, exc_info=e)
        raise _Stopped(e) from e


def compute_code_change(proc: Process, old_vsn: Any, extra: Any) -> tuple[bool, Any]:
    """Call the current ``code_change``; (True, new_state) or (False, reason). Commits nothing."""
    fn = getattr(proc.mod, "code_change", None)
    if fn is None:
        return True, proc.state
    try:
        r = fn(old_vsn, proc.state, extra)
    except Exception as e:
        return False, e
    if r.__class__ is CoroutineType:
        r.close()
        return False, "async code_change needs the message-based sys.change_code"
    if r.__class__ is tuple and len(r) == 2 and r[0] == "ok":
        return True, r[1]
    if r.__class__ is tuple and len(r) == 2 and r[0] == "error":
        return False, r[1]
    return False, ("bad_return_value", r)


async def _system(proc: Process, msg: SystemCall) -> None:
    op = msg.request[0]
    fut = msg.fut
    if op == "suspend":
        proc.suspended = True
        result: Any = "ok"
    elif op == "resume":
        proc.suspended = False
        result = "ok"
    elif op == "get_state":
        result = proc.state
    elif op == "get_status":
        result = {
            "pid": proc.pid,
            "module": getattr(proc.mod, "__name__", proc.mod),
            "status": "suspended" if proc.suspended else "running",
            "state": proc.state,
            "registered_name": proc.name,
            "parent": proc.parent,
            "message_queue_len": len(proc.mailbox),
        }
    elif op == "replace_state":
        try:
            new = msg.request[1](proc.state)
        except Exception as e:
            if not fut.done():
                fut.set_exception(CallError(msg.dest, msg.request, e))
            return
        proc.state = result = new
    elif op == "change_code":
        _, _module, old_vsn, extra = msg.request
        if not proc.suspended:
            if not fut.done():
                fut.set_exception(CodeChangeError(proc.pid, "not_suspended"))
            return
        fn = getattr(proc.mod, "code_change", None)
        try:
            r = fn(old_vsn, proc.state, extra) if fn is not None else ("ok", proc.state)
            aw = maybe_await(r)
            if aw is not None:
                r = await aw
        except Exception as e:
            r = ("error", e)
        if r.__class__ is tuple and len(r) == 2 and r[0] == "ok":
            proc.state = r[1]
            result = "ok"
        else:
            reason = r[1] if r.__class__ is tuple and len(r) == 2 else ("bad_return_value", r)
            if not fut.done():
                fut.set_exception(CodeChangeError(proc.pid, reason))
            return
    elif op == "stop":
        reason = msg.request[1]
        try:
            await _terminate(proc, reason)
        finally:
            proc.node.terminate(proc, reason)
            if not fut.done():
                fut.set_result("ok")
        raise _Stopped(reason)
    else:
        if not fut.done():
            fut.set_exception(CallError(msg.dest, msg.request, "unknown_system_msg"))
        return
    if not fut.done():
        fut.set_result(result)
