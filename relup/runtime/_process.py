"""The process object: pid, mailbox, selective receive, suspension flag.

Rules:

* A process is one asyncio Task plus one :class:`Process` record. Nothing else runs on
  its behalf: no helper tasks, no per-message objects beyond the message itself.
* The mailbox is a deque. A process that waits creates one future and parks it in
  ``_waiter``; ``deliver`` resolves it. That future is the only thing the runtime
  allocates per wait (asyncio adds the task's wake-up callback and the future's
  iterator), which is what keeps an idle process small and a round trip cheap:
  ``receive`` and the gen_server loop await it in their own frame rather than
  through a helper coroutine (:meth:`Process.park` is for the rarer waits), since a
  coroutine object is one more object for the young-generation collector to scan
  for every process that waited since its last pass.
* ``receive(match)`` scans the queue in order and removes the first message for
  which ``match`` is true; the others stay queued in order (Erlang's selective
  receive). A rescan after a wake-up starts where the previous scan stopped.
* A process is at a *message boundary* when it is parked between messages: a
  gen_server in its loop, a raw process in ``receive``. Only there may the suspend
  flag take effect. While suspended at a boundary, ordinary messages are queued
  without waking the process; only system messages (:class:`SystemCall`) and the
  parent's ``EXIT`` wake it (spec §5.3).
  A gen_server that waits for a reply inside a callback is *not* at a boundary, so
  its messages still wake it: suspension waits for the callback to finish.
* Dead is dead at once: the node marks a killed process dead, delivers its exit
  signals and cancels its task in one go. A task that swallows its cancellation is
  a zombie, not a process; any runtime call it makes raises :class:`Exit`.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
from collections import deque
from typing import TYPE_CHECKING, Any, Final

from relup.runtime._errors import Exit, ReceiveTimeout

if TYPE_CHECKING:
    from collections.abc import Callable

    from relup.runtime.node import Node

_ids: Final = itertools.count(1)

#: The process whose task is running (set once by each process task on entry).
current_process: contextvars.ContextVar[Process | None] = contextvars.ContextVar(
    "relup_current_process", default=None
)


class Pid:
    """A process identifier: an opaque, hashable value that outlives its process.

    Sending to the pid of a dead process does nothing, as in Erlang. The pid keeps a
    reference to its live process so that ``send`` needs no table lookup; the
    reference is cleared when the process dies.
    """

    __slots__ = ("_proc", "id")

    def __init__(self, ident: int, proc: Process | None) -> None:
        self.id = ident
        self._proc = proc

    def __repr__(self) -> str:
        return f"<0.{self.id}.0>"


class Ref:
    """A unique reference (monitors, timers, calls)."""

    __slots__ = ("id",)

    def __init__(self) -> None:
        self.id = next(_ids)

    def __repr__(self) -> str:
        return f"#Ref<{self.id}>"


class Then:
    """A continuation handed back to the runtime by a raw process loop.

    ``return process.then(loop, n + 1)`` names ``loop`` through the version's own
    globals (a local call, stays on the version); ``process.then(counter.loop, n)``
    reads ``loop`` through the module handle (a fully qualified call, moves to the
    current version). The runtime calls the continuation after the returning
    coroutine's frame is gone, so the stack never grows.
    """

    __slots__ = ("args", "fn")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.fn = fn
        self.args = args


class Call:
    """A gen_server call in a mailbox; it is also the ``from_`` handed to handle_call.

    The reply resolves ``fut``, which the caller awaits directly: semantically a
    message to the caller, physically one future set.
    """

    __slots__ = ("caller", "dest", "fut", "request")

    def __init__(
        self, caller: Pid | None, fut: asyncio.Future[Any], request: Any, dest: Any
    ) -> None:
        self.caller = caller
        self.fut = fut
        self.request = request
        self.dest = dest

    def __repr__(self) -> str:
        return f"Call(from={self.caller!r}, request={self.request!r})"


class SystemCall(Call):
    """A ``sys`` message (suspend, resume, change_code, get_state, ...)."""

    __slots__ = ()


class Cast:
    """A gen_server cast in a mailbox."""

    __slots__ = ("msg",)

    def __init__(self, msg: Any) -> None:
        self.msg = msg

    def __repr__(self) -> str:
        return f"Cast({self.msg!r})"


class SuspendBarrier:
    """One future for many processes reaching their boundary (no task per process)."""

    __slots__ = ("fut", "remaining")

    def __init__(self, fut: asyncio.Future[None], remaining: int) -> None:
        self.fut = fut
        self.remaining = remaining

    def arrive(self) -> None:
        self.remaining -= 1
        if self.remaining <= 0 and not self.fut.done():
            self.fut.set_result(None)


def is_system(proc: Process, msg: Any) -> bool:
    """Messages a suspended process still handles: system calls and its parent's EXIT."""
    if msg.__class__ is SystemCall:
        return True
    return (
        msg.__class__ is tuple
        and len(msg) == 3
        and msg[0] == "EXIT"
        and msg[1] is proc.parent
        and proc.parent is not None
    )


def _expire(proc: Process, fut: asyncio.Future[Any]) -> None:
    if not fut.done():
        if proc._waiter is fut:
            proc._waiter = None
        fut.set_result(False)


class Process:
    """The runtime's record of one process. Application code sees its :class:`Pid`."""

    __slots__ = (
        "_suspend_barrier",
        "_waiter",
        "alive",
        "boundary",
        "call_deadline",
        "call_timer",
        "callers",
        "in_call",
        "initial_call",
        "links",
        "mailbox",
        "mod",
        "monitored_by",
        "monitors",
        "name",
        "node",
        "parent",
        "pending",
        "pid",
        "reason",
        "resources",
        "result",
        "state",
        "suspended",
        "task",
        "trap_exit",
    )

    def __init__(self, node: Node, initial_call: Any = None) -> None:
        self.node = node
        self.pid = Pid(next(_ids), self)
        self.mailbox: deque[Any] = deque()
        self._waiter: asyncio.Future[Any] | None = None
        self.alive = True
        self.reason: Any = None
        self.boundary = False
        self.suspended = False
        self._suspend_barrier: SuspendBarrier | None = None
        self.name: str | None = None
        self.links: set[Process] | None = None
        self.monitors: dict[Ref, Process] | None = None
        self.monitored_by: dict[Ref, Process] | None = None
        self.trap_exit = False
        self.task: asyncio.Task[None] | None = None
        self.mod: Any = None
        self.state: Any = None
        self.parent: Pid | None = None
        self.callers: set[Call] | None = None
        self.resources: list[Any] | None = None
        self.result: asyncio.Future[Any] | None = None
        self.initial_call = initial_call
        #: the call this process is blocked in (it counts as waiting, as in a receive)
        self.in_call: Call | None = None
        #: one lazily moved timer per process bounds its calls (no timer per call)
        self.call_deadline = 0.0
        self.call_timer: asyncio.TimerHandle | None = None
        #: (fn, args) of a process spawned but not yet started: it will run fn's version
        self.pending: tuple[Any, tuple[Any, ...]] | None = None

    def __repr__(self) -> str:
        return f"<Process {self.pid!r} {self.status}>"

    @property
    def status(self) -> str:
        """``running``, ``waiting`` (blocked in receive), ``suspended`` or ``exited``."""
        if not self.alive:
            return "exited"
        if self._waiter is not None or self.in_call is not None:
            return "suspended" if self.suspended and self.boundary else "waiting"
        if self.suspended and self.boundary:
            return "suspended"
        return "running"

    # ------------------------------------------------------------------ mailbox
    def deliver(self, msg: Any) -> None:
        """Queue ``msg`` and wake the process if it may act on it."""
        self.mailbox.append(msg)
        w = self._waiter
        if w is not None:
            if self.suspended and self.boundary and not is_system(self, msg):
                return
            self._waiter = None
            if not w.done():
                w.set_result(True)

    def wake(self) -> None:
        """Wake a parked process so that it re-examines its flags and mailbox."""
        w = self._waiter
        if w is not None:
            self._waiter = None
            if not w.done():
                w.set_result(True)

    async def park(self, timeout: float | None) -> bool:
        """Wait for a delivery; False if ``timeout`` passed first."""
        fut: asyncio.Future[Any] = self.node.loop.create_future()
        self._waiter = fut
        if timeout is None:
            try:
                return bool(await fut)
            finally:
                self._waiter = None
        handle = self.node.loop.call_later(timeout, _expire, self, fut)
        try:
            return bool(await fut)
        finally:
            self._waiter = None
            handle.cancel()

    def reach_boundary(self) -> None:
        """Called when the process parks between messages with the suspend flag set."""
        barrier = self._suspend_barrier
        if barrier is not None:
            self._suspend_barrier = None
            barrier.arrive()

    async def receive(self, match: Callable[[Any], object] | None, timeout: float | None) -> Any:
        """Selective receive; see the module docstring."""
        mb = self.mailbox
        loop = self.node.loop
        raw = self.mod is None
        scanned = 0
        deadline: float | None = None
        while True:
            if not self.alive:
                raise Exit(self.reason)
            if not (raw and self.suspended):
                if match is None:
                    if mb:
                        return mb.popleft()
                else:
                    n = len(mb)
                    while scanned < n:
                        m = mb[scanned]
                        if match(m):
                            del mb[scanned]
                            return m
                        scanned += 1
            wait: float | None = None
            if timeout is not None:
                now = loop.time()
                if deadline is None:
                    deadline = now + timeout
                wait = deadline - now
                if wait <= 0:
                    raise ReceiveTimeout(timeout)
            if raw:
                self.boundary = True
                if self.suspended:
                    self.reach_boundary()
            # Process.park, inlined (module docstring)
            fut: asyncio.Future[Any] = loop.create_future()
            self._waiter = fut
            timer = None if wait is None else loop.call_later(wait, _expire, self, fut)
            try:
                await fut
            finally:
                self._waiter = None
                if timer is not None:
                    timer.cancel()
                if raw:
                    self.boundary = False
