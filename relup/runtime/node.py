"""The node: the event-loop side registries of one runtime.

A :class:`Node` owns everything a running system has: the process table, the
registered names, the code server and the application controller. There are no
hidden globals beyond "the current node" (a contextvar set when the node is
created, so that code on its loop, and every process, can reach it).

Exit signals follow Erlang: when a process ends with reason R, each linked process
either gets ``("EXIT", pid, R)`` (if it traps exits), ignores it (R == "normal"), or
ends with R too; a monitor gets ``("DOWN", ref, "process", pid, R)``. ``"kill"`` sent
with :meth:`Node.exit` cannot be trapped and becomes ``"killed"``. Propagation
uses a work list, not recursion, so a chain of 100,000 linked processes is fine.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from dataclasses import dataclass
from types import CoroutineType
from typing import TYPE_CHECKING, Any

from relup.runtime._errors import CallError, Exit, NameTaken, NoProc
from relup.runtime._process import Pid, Process, Ref, Then, current_process

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from relup.runtime.application import ApplicationController
    from relup.runtime.code_server import CodeServer

log = logging.getLogger("relup.runtime")

_current_node: contextvars.ContextVar[Node | None] = contextvars.ContextVar(
    "relup_current_node", default=None
)


def current_node() -> Node:
    """The node of the running process, else the node created in this context."""
    proc = current_process.get()
    if proc is not None:
        return proc.node
    node = _current_node.get()
    if node is None:
        raise RuntimeError("no relup node in this context; create a Node first")
    return node


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    """What ``erlang:process_info`` would say, plus the code the process runs."""

    pid: Pid
    status: str
    message_queue_len: int
    registered_name: str | None
    links: tuple[Pid, ...]
    trap_exit: bool
    initial_call: Any
    #: gen_server callback module name and the version its next callback will run
    callback_module: str | None
    callback_vsn: Any
    #: (module, vsn, "current" | "old") for each version on the stack or in the state
    running: tuple[tuple[str, Any, str], ...]


def _passes_through(reason: Any) -> bool:
    """May ``reason`` be raised as is in whoever awaits the process's result?"""
    return isinstance(reason, BaseException) and not isinstance(
        reason,
        (StopIteration, SystemExit, KeyboardInterrupt, GeneratorExit, asyncio.CancelledError),
    )


def _is_normal(reason: Any) -> bool:
    return isinstance(reason, str) and reason == "normal"


async def _process_main(proc: Process, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """The body of every process task: run the trampoline, turn any ending into a reason."""
    current_process.set(proc)
    proc.pending = None
    value: Any = None
    try:
        result = fn(*args)
        if result.__class__ is CoroutineType:
            result = await result
        while result.__class__ is Then:
            result = result.fn(*result.args)
            if result.__class__ is CoroutineType:
                result = await result
        value = result
        reason: Any = "normal"
    except Exit as e:
        reason = e.reason
    except BaseException as e:  # an exception ends only its own process
        if not proc.alive:
            return
        reason = e
        if proc.mod is None:  # gen_server logs its own crashes
            log.error("process %r crashed", proc.pid, exc_info=e)
    proc.node._finish(proc, reason, value)


class Node:
    """One runtime: processes, names, code and applications on one event loop.

    Create it inside a running loop (``clock`` drives supervisor restart intensity
    and may be a :class:`relup.testing.ManualClock`).
    """

    def __init__(self, *, clock: Callable[[], float] | None = None) -> None:
        # imported here: both modules import this one (for current_node and ProcessInfo)
        from relup.runtime.application import ApplicationController  # noqa: PLC0415
        from relup.runtime.code_server import CodeServer  # noqa: PLC0415

        self.loop = asyncio.get_running_loop()
        self.clock: Callable[[], float] = clock if clock is not None else time.monotonic
        self.procs: dict[Pid, Process] = {}
        self.names: dict[str, Process] = {}
        self.code: CodeServer = CodeServer(self)
        self.apps: ApplicationController = ApplicationController(self)
        self._token = _current_node.set(self)
        self.closed = False

    # ---------------------------------------------------------------- spawning
    def new_process(self, initial_call: Any = None) -> Process:
        """A process record not yet running: set mod/state/links, then :meth:`start`."""
        proc = Process(self, initial_call)
        self.procs[proc.pid] = proc
        return proc

    def start(self, proc: Process, fn: Callable[..., Any], args: tuple[Any, ...]) -> Pid:
        proc.pending = (fn, args)
        proc.task = self.loop.create_task(_process_main(proc, fn, args))
        return proc.pid

    def spawn(
        self, fn: Callable[..., Any], *args: Any, link: Pid | None = None, trap_exit: bool = False
    ) -> Pid:
        """Start ``fn(*args)`` as a new process (linked to ``link`` if given)."""
        if self.closed:
            raise RuntimeError("node is shut down")
        proc = self.new_process(getattr(fn, "__qualname__", fn))
        proc.trap_exit = trap_exit
        if link is not None:
            self.link(link, proc.pid)
        return self.start(proc, fn, args)

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn`` as a process and return its result (or raise what ended it)."""
        proc = self.new_process(getattr(fn, "__qualname__", fn))
        fut: asyncio.Future[Any] = self.loop.create_future()
        proc.result = fut
        self.start(proc, fn, args)
        return await fut

    # ---------------------------------------------------------------- lookup
    def lookup(self, dest: Pid | str) -> Process | None:
        """The live process for a pid or registered name, else None."""
        if dest.__class__ is Pid:
            return dest._proc
        if isinstance(dest, str):
            return self.names.get(dest)
        raise TypeError(f"not a pid or name: {dest!r}")

    def process(self, pid: Pid) -> Process:
        proc = pid._proc
        if proc is None:
            raise NoProc(pid)
        return proc

    def processes(self) -> list[Pid]:
        return list(self.procs)

    def send(self, dest: Pid | str, msg: Any) -> None:
        """Erlang's ``!``: to a dead pid, a no-op; to an unknown name, :class:`NoProc`."""
        if dest.__class__ is Pid:
            proc = dest._proc
            if proc is not None:
                proc.deliver(msg)
            return
        proc = self.lookup(dest)
        if proc is None:
            raise NoProc(dest)
        proc.deliver(msg)

    # ---------------------------------------------------------------- names
    def register(self, name: str, pid: Pid) -> None:
        proc = pid._proc
        if proc is None:
            raise NoProc(pid)
        holder = self.names.get(name)
        if holder is not None:
            raise NameTaken(name, holder.pid)
        if proc.name is not None:
            raise NameTaken(name, proc.name)
        self.names[name] = proc
        proc.name = name

    def unregister(self, name: str) -> None:
        proc = self.names.pop(name, None)
        if proc is None:
            raise NoProc(name)
        proc.name = None

    def whereis(self, name: str) -> Pid | None:
        proc = self.names.get(name)
        return None if proc is None else proc.pid

    def registered(self) -> list[str]:
        return sorted(self.names)

    # ---------------------------------------------------------------- links, monitors
    def link(self, a: Pid, b: Pid) -> None:
        """Link two processes; linking to a dead one is an exit signal ``noproc``."""
        pa, pb = a._proc, b._proc
        if pa is None or a is b:
            return
        if pb is None:
            self._signal(pa, b, "noproc", link=True)
            return
        if pa.links is None:
            pa.links = set()
        if pb.links is None:
            pb.links = set()
        pa.links.add(pb)
        pb.links.add(pa)

    def unlink(self, a: Pid, b: Pid) -> None:
        pa, pb = a._proc, b._proc
        if pa is not None and pa.links and pb is not None:
            pa.links.discard(pb)
        if pb is not None and pb.links and pa is not None:
            pb.links.discard(pa)

    def monitor(self, watcher: Pid, target: Pid | str) -> Ref:
        """Monitor ``target``; a dead or unknown target gives ``DOWN`` with ``noproc`` at once."""
        ref = Ref()
        pw = watcher._proc
        if pw is None:
            return ref
        pt = self.lookup(target)
        if pt is None:
            pw.deliver(("DOWN", ref, "process", target, "noproc"))
            return ref
        if pw.monitors is None:
            pw.monitors = {}
        if pt.monitored_by is None:
            pt.monitored_by = {}
        pw.monitors[ref] = pt
        pt.monitored_by[ref] = pw
        return ref

    def demonitor(self, watcher: Pid, ref: Ref, *, flush: bool = False) -> None:
        pw = watcher._proc
        if pw is None:
            return
        if pw.monitors is not None:
            pt = pw.monitors.pop(ref, None)
            if pt is not None and pt.monitored_by is not None:
                pt.monitored_by.pop(ref, None)
        if flush:
            mb = pw.mailbox
            for m in [m for m in mb if m.__class__ is tuple and len(m) == 5 and m[1] is ref]:
                mb.remove(m)

    # ---------------------------------------------------------------- exits
    def exit(self, target: Pid, reason: Any, sender: Pid | None = None) -> None:
        """Send an exit signal (Erlang's ``exit(Pid, Reason)``)."""
        proc = target._proc
        if proc is None:
            return
        if isinstance(reason, str) and reason == "kill":
            self.terminate(proc, "killed")
            return
        self._signal(proc, sender if sender is not None else target, reason, link=False)

    def _signal(self, proc: Process, sender: Pid, reason: Any, *, link: bool) -> None:
        if proc.trap_exit:
            proc.deliver(("EXIT", sender, reason))
        elif not _is_normal(reason) or (not link and sender is proc.pid):
            self.terminate(proc, reason)

    def _finish(self, proc: Process, reason: Any, value: Any) -> None:
        fut = proc.result
        if fut is not None and not fut.done() and _is_normal(reason):
            fut.set_result(value)
        self.terminate(proc, reason)

    def terminate(self, proc: Process, reason: Any) -> None:
        """End ``proc`` now with ``reason`` and deliver its exit signals (and its links')."""
        work = [(proc, reason)]
        current = asyncio.current_task(self.loop)
        while work:
            p, r = work.pop()
            if not p.alive:
                continue
            p.alive = False
            p.reason = r
            del self.procs[p.pid]
            p.pid._proc = None
            if p.name is not None and self.names.get(p.name) is p:
                del self.names[p.name]
            if p.callers:
                for c in p.callers:
                    if not c.fut.done():
                        c.fut.set_exception(CallError(c.dest, c.request, r))
                p.callers = None
            if p._suspend_barrier is not None:
                p._suspend_barrier.arrive()
                p._suspend_barrier = None
            if p.monitors:
                for ref, target in p.monitors.items():
                    if target.monitored_by is not None:
                        target.monitored_by.pop(ref, None)
            if p.monitored_by:
                for ref, w in p.monitored_by.items():
                    if w.monitors is not None:
                        w.monitors.pop(ref, None)
                    w.deliver(("DOWN", ref, "process", p.pid, r))
            if p.links:
                for other in p.links:
                    if other.links is not None:
                        other.links.discard(p)
                    if other.trap_exit:
                        other.deliver(("EXIT", p.pid, r))
                    elif not _is_normal(r):
                        work.append((other, r))
                p.links = None
            if p.resources:
                for res in p.resources:
                    res.owner_died()
                p.resources = None
            task = p.task
            if task is not None and task is not current and not task.done():
                task.cancel()
                self.loop.call_soon(_reap, task, 3)
            fut = p.result
            if fut is not None and not fut.done():
                fut.set_exception(r if _passes_through(r) else Exit(r))

    def info(self, pid: Pid) -> ProcessInfo | None:
        """``process_info``: None for a dead process."""
        proc = pid._proc
        if proc is None:
            return None
        mod = proc.mod
        cb_name = getattr(mod, "__name__", None) if mod is not None else None
        cb_vsn = None
        if cb_name is not None and self.code.is_loaded(cb_name):
            cb_vsn = self.code.current(cb_name).vsn
        running = tuple(
            (v.name, v.vsn, "current" if self.code.is_current(v) else "old")
            for v in self.code.versions_in(proc)
        )
        return ProcessInfo(
            pid=pid,
            status=proc.status,
            message_queue_len=len(proc.mailbox),
            registered_name=proc.name,
            links=tuple(p.pid for p in proc.links or ()),
            trap_exit=proc.trap_exit,
            initial_call=proc.initial_call,
            callback_module=cb_name,
            callback_vsn=cb_vsn,
            running=running,
        )

    # ---------------------------------------------------------------- shutdown
    async def shutdown(self, timeout: float = 5.0) -> None:
        """Stop applications (reverse start order), kill every other process, unload code."""
        if self.closed:
            return
        await self.apps.stop_all()
        self.closed = True
        tasks = [p.task for p in self.procs.values() if p.task is not None]
        for proc in list(self.procs.values()):
            self.terminate(proc, "killed")
        pending = [t for t in tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        self.code.unregister_all()
        try:
            _current_node.reset(self._token)
        except ValueError:  # reset from another context: nothing to restore
            _current_node.set(None)


def _reap(task: asyncio.Task[Any], tries: int) -> None:
    """Cancel a task again if it swallowed its cancellation (a zombie of a dead process)."""
    if not task.done():
        task.cancel()
        if tries > 1:
            task.get_loop().call_soon(_reap, task, tries - 1)


def maybe_await(value: Any) -> Awaitable[Any] | None:
    """``value`` if it is awaitable (async callback), else None (sync callback)."""
    if value.__class__ is CoroutineType or hasattr(type(value), "__await__"):
        return value  # type: ignore[no-any-return]
    return None
