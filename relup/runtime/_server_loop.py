"""The gen_server loop: take the next message, dispatch it to the current callbacks.

Rules:

* Every callback is looked up on ``proc.mod`` when it is dispatched. ``proc.mod`` is
  normally a module handle, so each message reaches the *current* version, and
  between messages the stack holds only this file's frames: the server runs no
  version of its callback module, which is why it upgrades by itself.
* The loop is at a message boundary only where it parks on its mailbox: in
  :func:`serve` itself when the mailbox is empty (no timeout, not suspended: the
  common case), or in :func:`_next` (a timeout, or the suspend flag). While the
  suspend flag is set it takes system messages (and the parent's ``EXIT``) only;
  everything else stays queued, in order (spec §5.3).
* A wait allocates as little as asyncio allows: the common case awaits its waiter
  future in ``serve``'s own frame, with no helper coroutine, and ``serve`` drops the
  previous message, reply and return value before it parks. Whatever a parked
  server keeps that was created since the last young collection is scanned by that
  collection; with 100,000 servers under load, a few objects more per server make
  each young collection many times longer (:mod:`relup.runtime.gc_policy`).
* A callback's return value is checked here; a bad one crashes the server
  (``_BadReturn``). Async callbacks are awaited in place: the server is then between
  two points of its own code, not at a boundary.
* Ending: an exception in a callback (any ``BaseException``: ``SystemExit``,
  ``KeyboardInterrupt`` and a raised ``CancelledError`` included) runs ``terminate``
  and ends this process with the exception as reason. A killed server runs no more
  user code: its task is cancelled, and if an async callback swallows that
  cancellation, the loop notices the process is dead when the callback returns and
  ends without touching the queued messages or calling ``terminate``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from relup.runtime._calls import reply
from relup.runtime._errors import Exit
from relup.runtime._process import Call, Cast, SystemCall, is_system
from relup.runtime._system_messages import handle_system
from relup.runtime.node import maybe_await

if TYPE_CHECKING:
    from relup.runtime._process import Process

log = logging.getLogger("relup.runtime")

#: What handle_info receives when the timeout a callback returned passes.
TIMEOUT_MSG = "timeout"


class BadReturn(Exception):
    """A callback returned something that is not one of its documented tuples."""

    def __init__(self, callback: str, value: Any) -> None:
        super().__init__(f"bad return value from {callback}: {value!r}")
        self.value = value


class Stopped(Exit):
    """Raised after ``terminate`` already ran (stop via a return value or a system call)."""


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
                return TIMEOUT_MSG
        proc.boundary = True
        try:
            await proc.park(wait)
        finally:
            proc.boundary = False


async def serve(proc: Process, timeout: float | None) -> None:
    """The server's life after ``init``: one message at a time until it stops."""
    mod = proc.mod
    mb = proc.mailbox
    loop = proc.node.loop
    msg: Any = None
    r: Any = None
    try:
        while True:
            if timeout is None and not proc.suspended:
                if mb:
                    msg = mb.popleft()
                else:
                    # The boundary, as in _next and Process.park, inlined: the waiter
                    # is the only object of ours a parked server holds.
                    msg = r = None
                    waiter = loop.create_future()
                    proc._waiter = waiter
                    proc.boundary = True
                    try:
                        await waiter
                    finally:
                        proc.boundary = False
                        proc._waiter = None
                    continue
            else:
                msg = r = None
                msg = await _next(proc, timeout)
            timeout = None
            cls = msg.__class__
            if cls is Call:
                r = mod.handle_call(msg.request, msg, proc.state)
                if r.__class__ is not tuple:
                    r = await _async_result(proc, r, "handle_call")
                if r[0] == "reply":
                    if not msg.fut.done():
                        msg.fut.set_result(r[1])
                    proc.state = r[2]
                    if len(r) == 4:
                        timeout = r[3]
                    continue
                if r[0] == "stop" and len(r) == 4:
                    proc.state = r[3]
                    try:
                        await run_terminate(proc, r[1])
                    finally:
                        reply(msg, r[2])
                    raise Stopped(r[1])
                timeout = await _noreply(proc, r, "handle_call")
            elif cls is Cast:
                r = mod.handle_cast(msg.msg, proc.state)
                if r.__class__ is not tuple:
                    r = await _async_result(proc, r, "handle_cast")
                timeout = await _noreply(proc, r, "handle_cast")
            elif cls is SystemCall:
                if msg.request[0] == "stop":
                    await _stop_requested(proc, msg)
                await handle_system(proc, msg)
            else:
                if (
                    proc.trap_exit
                    and msg.__class__ is tuple
                    and len(msg) == 3
                    and msg[0] == "EXIT"
                    and msg[1] is proc.parent
                ):
                    await run_terminate(proc, msg[2])
                    raise Stopped(msg[2])
                handle_info = getattr(mod, "handle_info", None)
                if handle_info is None:
                    log.warning("%r: unexpected message %r (no handle_info)", proc.pid, msg)
                    continue
                r = handle_info(msg, proc.state)
                if r.__class__ is not tuple:
                    r = await _async_result(proc, r, "handle_info")
                timeout = await _noreply(proc, r, "handle_info")
    except Stopped:
        raise
    except BaseException as e:
        if not proc.alive:
            raise
        reason = e.reason if isinstance(e, Exit) else e
        if not isinstance(e, Exit):
            log.error("gen_server %r crashed", proc.pid, exc_info=e)
        await run_terminate(proc, reason)
        raise


async def _async_result(proc: Process, r: Any, callback: str) -> Any:
    """Await an async callback's result; a server killed meanwhile goes no further."""
    aw = maybe_await(r)
    if aw is None:
        raise BadReturn(callback, r)
    r = await aw
    if not proc.alive:  # killed while awaiting, and the callback swallowed the cancel
        raise Exit(proc.reason)
    if r.__class__ is not tuple:
        raise BadReturn(callback, r)
    return r


async def _noreply(proc: Process, r: Any, callback: str) -> float | None:
    tag = r[0] if r else None
    if tag == "noreply" and len(r) in (2, 3):
        proc.state = r[1]
        return r[2] if len(r) == 3 else None
    if tag == "stop" and len(r) == 3:
        proc.state = r[2]
        await run_terminate(proc, r[1])
        raise Stopped(r[1])
    raise BadReturn(callback, r)


async def run_terminate(proc: Process, reason: Any) -> None:
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
        raise Stopped(e) from e


async def _stop_requested(proc: Process, msg: SystemCall) -> None:
    """``gen_server.stop``: run terminate, answer ``"ok"``, end with ``reason``.

    The answer is set before the process ends (ending it fails every pending call),
    and the caller runs again only after it has ended, as OTP's ``stop`` returns
    once the server is gone. If terminate fails, that failure is the exit reason
    and the caller gets it as a :class:`CallError`.
    """
    reason = msg.request[1]
    try:
        await run_terminate(proc, reason)
    except Stopped as e:
        proc.node.terminate(proc, e.reason)
        raise
    reply(msg, "ok")
    proc.node.terminate(proc, reason)
    raise Stopped(reason)
