"""Synchronous calls to a process: one future per call, one timer per caller.

A call (gen_server's ``call``, every ``sys`` operation, the release handler's
``get_modules``) puts a :class:`~relup.runtime._process.Call` in the server's mailbox
and awaits the future it carries. Semantically the reply is a message to the caller;
physically it is one ``set_result``. The server's death fails every pending call with
its exit reason (the node does that, through ``proc.callers``), so a caller never
hangs on a dead server.

Rules:

* A process cannot call itself (``"calling_self"``): it would wait for itself forever.
* While a process waits in a call it counts as waiting (``in_call``), as in a receive.
* Timeouts: a caller that is a process keeps **one** lazily moved timer that fires no
  later than its current call's deadline (a timer per call would cost a heap push
  and a cancelled handle per round trip); code outside any process gets a plain
  ``call_later`` per call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relup.runtime._errors import CallError, CallTimeout
from relup.runtime._process import Call, current_process

if TYPE_CHECKING:
    from relup.runtime._process import Process


async def call_process(
    proc: Process, cls: type[Call], request: Any, dest: Any, timeout: float | None
) -> Any:
    """Deliver a ``cls`` call with ``request`` to ``proc`` and wait for the reply.

    ``dest`` is what the caller named (a pid or a registered name), for error messages.
    Raises :class:`CallError` (``"calling_self"``, or the server's exit reason) or
    :class:`CallTimeout`.
    """
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
    """Bound the caller's call by ``deadline`` with its one, lazily moved, timer."""
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


def reply(from_: Call, value: Any) -> None:
    """Reply to a call: later, from a gen_server whose handle_call returned "noreply" and
    kept ``from_``, or from a raw process that answers a request itself.

    A no-op if the caller already gave up (timeout, death) or the reply was sent.
    """
    fut = from_.fut
    if not fut.done():
        fut.set_result(value)
