"""What code running inside a process calls: ``self()``, ``send``, ``receive``, ``spawn``...

Every function here finds its process (and node) through a contextvar that each
process task sets on entry, so application code needs no handle on the runtime::

    import counter                      # the stable handle of the module `counter`
    from relup.runtime import process

    async def loop(n):
        match await process.receive():
            case "increment":
                return process.then(loop, n + 1)          # local call: stays on this version
            case ("get", sender):
                process.send(sender, ("count", n))
                return process.then(counter.loop, n)      # qualified call: moves to current

Return :func:`then` from a raw process loop rather than looping with ``while True``
(which never leaves its version) or recursing (which grows the stack).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relup.runtime._errors import Exit, NoProc
from relup.runtime._process import Pid, Process, Ref, Then, current_process
from relup.runtime.node import ProcessInfo, current_node

if TYPE_CHECKING:
    from collections.abc import Callable


def _me() -> Process:
    proc = current_process.get()
    if proc is None:
        raise RuntimeError("not inside a relup process")
    if not proc.alive:
        raise Exit(proc.reason)
    return proc


def self() -> Pid:
    """The pid of the calling process."""
    return _me().pid


def send(dest: Pid | str, msg: Any) -> None:
    """Send ``msg`` to a pid (a no-op if it is dead) or a registered name."""
    current_node().send(dest, msg)


async def receive(
    match: Callable[[Any], object] | None = None, *, timeout: float | None = None
) -> Any:
    """The first queued message for which ``match`` is true (any message if None).

    Messages that do not match stay queued, in order. With ``timeout`` (seconds),
    raises :class:`~relup.runtime.ReceiveTimeout` if no message matches in time.
    """
    return await _me().receive(match, timeout)


def then(fn: Callable[..., Any], *args: Any) -> Then:
    """A continuation: the runtime calls ``fn(*args)`` once the current step returned."""
    return Then(fn, args)


def spawn(fn: Callable[..., Any], *args: Any) -> Pid:
    """Start ``fn(*args)`` in a new process. ``fn`` is whatever object you pass: read it
    through a module handle (``counter.loop``) to start the current version."""
    return current_node().spawn(fn, *args)


def spawn_link(fn: Callable[..., Any], *args: Any) -> Pid:
    """:func:`spawn`, linked to the caller before the new process runs."""
    return current_node().spawn(fn, *args, link=_me().pid)


def spawn_mfa(module: Any, function: str, args: tuple[Any, ...] = (), *, link: bool = False) -> Pid:
    """Erlang's ``spawn(M, F, A)``: ``F`` is looked up in the current version of ``M``
    (a module name, handle or module object) at spawn time."""
    node = current_node()
    fn = getattr(node.code.resolve(module), function)
    return node.spawn(fn, *args, link=_me().pid if link else None)


def link(pid: Pid) -> None:
    """Link the caller to ``pid``; a dead ``pid`` sends the caller exit signal ``noproc``."""
    me = _me()
    if pid._proc is None and not me.trap_exit:
        raise NoProc(pid)
    me.node.link(me.pid, pid)


def unlink(pid: Pid) -> None:
    me = _me()
    me.node.unlink(me.pid, pid)


def monitor(target: Pid | str) -> Ref:
    """Monitor ``target``: its end arrives as ``("DOWN", ref, "process", pid, reason)``."""
    me = _me()
    return me.node.monitor(me.pid, target)


def demonitor(ref: Ref, *, flush: bool = False) -> None:
    """Stop monitoring; with ``flush``, also drop a ``DOWN`` already queued for ``ref``."""
    me = _me()
    me.node.demonitor(me.pid, ref, flush=flush)


def trap_exit(flag: bool) -> bool:
    """Receive exit signals as ``("EXIT", pid, reason)`` messages; returns the old flag."""
    me = _me()
    old, me.trap_exit = me.trap_exit, flag
    return old


def exit(reason: Any) -> None:
    """End the calling process with ``reason``."""
    raise Exit(reason)


def send_exit(pid: Pid, reason: Any) -> None:
    """Erlang's ``exit(Pid, Reason)``: an exit signal; ``"kill"`` cannot be trapped."""
    me = current_process.get()
    node = current_node()
    node.exit(pid, reason, me.pid if me is not None else None)
    if me is not None and not me.alive:
        raise Exit(me.reason)


def register(name: str, pid: Pid | None = None) -> None:
    """Register ``pid`` (default: the caller) under ``name``."""
    current_node().register(name, pid if pid is not None else _me().pid)


def unregister(name: str) -> None:
    current_node().unregister(name)


def whereis(name: str) -> Pid | None:
    return current_node().whereis(name)


def registered() -> list[str]:
    return current_node().registered()


def is_alive(pid: Pid) -> bool:
    return pid._proc is not None


def info(pid: Pid) -> ProcessInfo | None:
    """Status, queue length, name, links, and which module versions ``pid`` runs."""
    return current_node().info(pid)
