"""Evaluating a relup script on the live node, as one transaction.

The release handler runs on the node's own event loop, so it acts on process
objects directly instead of sending each process synchronous system messages as
OTP does (``../shared/design/runtime-notes.md`` §6–7): suspending N processes is N
flag writes and at most one wait, ``code_change`` is N plain calls.

Instruction semantics follow spec §2.2 and §5, with one deliberate difference
(``docs/differences-from-otp.md``): **a failure anywhere rolls back in place**
instead of restarting the node. To make that possible:

* ``load_object_code`` creates the new module versions without making them current
  (their top-level code runs here, before the point of no return);
* ``load``/``remove`` swap versions in the code server but *defer* every purge: the
  version they displace stays out of the code server, and the processes still
  running it are killed only at commit;
* ``code_change`` installs each new state at once but keeps the old one, and every
  suspended process stays suspended until the whole script succeeded: ``resume``
  instructions take effect at commit, so no process handles a message with a state
  that a rollback could take back;
* explicit ``purge`` instructions run at commit.

On failure: old code is current again, every state migrated is put back,
children stopped by ``stop`` are restarted and those started by ``start`` stopped,
processes spawned during the install that run the new code are killed (their
supervisors restart them on the old code), and every suspended process is resumed
with its queued messages in order. ``apply`` instructions are not undone.

The only waits are for processes that are in the middle of an async callback when
suspended (bounded by the suspend timeout) and for ``apply``/``stop``/``start``;
without those the whole script runs without yielding to the loop, so no other
process observes a half-installed release.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from relup.errors import RelupError
from relup.plan import instructions as ins
from relup.plan.reasons import PlanError
from relup.plan.script import typed
from relup.runtime import supervisor, sys_ops
from relup.runtime._errors import NodeError
from relup.runtime._process import Pid, Ref
from relup.runtime.application import supervised_processes
from relup.runtime.handles import runs_version
from relup.runtime.node import maybe_await
from relup.terms import Term, format_term

if TYPE_CHECKING:
    from pathlib import Path

    from relup.runtime._process import Process
    from relup.runtime.handles import ModuleVersion
    from relup.runtime.node import Node

#: Processes looked at between two yields to the loop while purging.
_SCAN_SLICE = 500

#: OTP's default suspend timeout (``sys:suspend/1``), in seconds.
DEFAULT_SUSPEND_TIMEOUT = 5.0

#: ``(app, app_vsn, module) -> path`` of the module's source in that application version.
ModuleLocator = Callable[[str, str, str], "Path"]
#: Calls ``{apply, {M, F, A}}``: ``(module, function, args) -> result`` (may be awaitable).
Applier = Callable[[str, str, list[Any]], Any]
#: Receives progress: a phase name and its figures.
Listener = Callable[[str, dict[str, Any]], None]


class InstallError(RelupError):
    """An install step failed; everything it did was rolled back.

    ``step`` is the 1-based index of the instruction in the script, ``instruction``
    its text; ``pid`` and ``module`` name the process and module at fault when
    there is one, ``reason`` the underlying cause.
    """

    def __init__(
        self,
        message: str,
        *,
        step: int | None = None,
        instruction: str | None = None,
        pid: Pid | None = None,
        module: str | None = None,
        reason: Any = None,
    ) -> None:
        where = f"step {step} ({instruction}): " if step is not None else ""
        super().__init__(where + message)
        self.message = message
        self.step = step
        self.instruction = instruction
        self.pid = pid
        self.module = module
        self.reason = reason


@dataclass
class Outcome:
    """What an install did, for the operator's summary."""

    suspended: int = 0
    upgraded: int = 0
    longest_suspension: float = 0.0
    duration: float = 0.0
    killed: list[Pid] = field(default_factory=list)
    #: modules whose old code is still used by some process, with their post-purge method
    unpurged: dict[str, str] = field(default_factory=dict)
    #: "restart_emulator" or "restart_new_emulator" when the script asks for a restart
    restart: str | None = None


def parse_script(script: Iterable[Term]) -> list[ins.Instruction]:
    """Type every instruction of a relup entry; an illegal one is an InstallError."""
    out: list[ins.Instruction] = []
    for i, term in enumerate(script, 1):
        try:
            out.append(typed(term))
        except PlanError as e:
            raise InstallError(
                f"illegal instruction: {e.reason.describe()}", step=i, instruction=format_term(term)
            ) from None
    return out


def _seconds(timeout: ins.Timeout, default: float) -> float | None:
    if timeout == "infinity":
        return None
    if timeout == "default":
        return default
    return timeout / 1000


class _Failure(Exception):
    """Internal: a step failed; carries what the InstallError will say."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class Evaluator:
    """Runs one relup script against ``node``; one instance per install attempt."""

    def __init__(
        self,
        node: Node,
        locate: ModuleLocator,
        *,
        apply: Applier,
        to_python: Callable[[Term], Any],
        suspend_timeout: float | None = None,
        listener: Listener | None = None,
        fault: Callable[[int, ins.Instruction], None] | None = None,
    ) -> None:
        self.node = node
        #: a test seam: called before each step; whatever it raises fails that step
        self.fault = fault
        self.code = node.code
        self.locate = locate
        self.apply_fn = apply
        self.to_python = to_python
        #: the install option ``suspend_timeout``: overrides every per-module timeout
        self.suspend_timeout = suspend_timeout
        self.listener = listener
        self._prepared: dict[str, ModuleVersion] = {}
        self._snaps: dict[str, tuple[ModuleVersion | None, ModuleVersion | None]] = {}
        self._displaced: list[ModuleVersion] = []
        self._purges: list[str] = []
        self._post: dict[str, str] = {}
        self._suspended: set[Process] = set()
        #: the same processes, in the order they were suspended (they are resumed in it)
        self._waves: list[list[Process]] = []
        #: when the first of them was suspended (the longest suspension starts there)
        self._suspended_at: float | None = None
        #: module → the suspended processes whose child spec names it
        self._members: dict[str, list[Process]] = {}
        self._lagged: set[Process] = set()
        #: handles this install registered (modules new to the node), for rollback
        self._new_handles: list[str] = []
        #: (process, state before its code_change), in the order they were replaced
        self._states: list[tuple[Process, Any]] = []
        self._stopped: list[tuple[Pid, Any, tuple[str, ...]]] = []
        self._started: list[tuple[Pid, Any]] = []
        self._watermark = 0
        self._outcome = Outcome()

    # ------------------------------------------------------------------ public
    def check_purges(self, script: Sequence[ins.Instruction]) -> None:
        """PrePurge ``soft_purge`` (spec §5.4): refuse while old code to be purged is in use."""
        for instr in script:
            if isinstance(instr, ins.Load | ins.Remove) and instr.pre_purge == "soft_purge":
                pids = self.code.old_processes(instr.module)
                if pids:
                    raise InstallError(
                        f"old code of {instr.module} is still run by {_pids(pids)}; "
                        "its soft_purge would have to kill them",
                        module=instr.module,
                        reason=("old_processes", instr.module),
                    )

    async def check(self, script: Sequence[ins.Instruction]) -> None:
        """check_install: the purge check, then the part before the point of no return.

        New module versions are created (their top-level code runs) and dropped;
        ``apply`` instructions before the point of no return are executed, as OTP does.
        """
        self.check_purges(script)
        self._register_handles(script)
        try:
            for i, instr in enumerate(script, 1):
                if instr is ins.POINT_OF_NO_RETURN:
                    break
                try:
                    await self._pre(instr)
                except _Failure as f:
                    raise self._error(f, i, instr) from f.__cause__
        finally:
            self._prepared.clear()
            self._forget_new_handles()

    def _forget_new_handles(self) -> None:
        for mod in self._new_handles:
            self.code.drop_handle(mod)
        self._new_handles.clear()

    async def run(self, script: Sequence[ins.Instruction]) -> Outcome:
        """Evaluate the script; commit on success, roll back and raise InstallError on failure."""
        started = time.perf_counter()
        self.check_purges(script)
        # No cyclic garbage collection while processes are suspended: a full
        # collection on a large heap takes longer than the whole install (bench/upgrade.py).
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            return await self._run(script, started)
        finally:
            if gc_was_enabled:
                gc.enable()

    async def _run(self, script: Sequence[ins.Instruction], started: float) -> Outcome:
        self._watermark = _next_pid_id()
        self._register_handles(script)
        past_ponr = False
        for i, instr in enumerate(script, 1):
            try:
                if self.fault is not None:
                    self.fault(i, instr)
                if instr is ins.POINT_OF_NO_RETURN:
                    past_ponr = True
                    self._emit("point_of_no_return")
                elif not past_ponr:
                    await self._pre(instr)
                else:
                    await self._post_ponr(instr)
            except _Failure as f:
                await self._rollback()
                raise self._error(f, i, instr) from f.__cause__
            except BaseException:
                await self._rollback()
                raise
        await self._commit()
        self._outcome.duration = time.perf_counter() - started
        return self._outcome

    def _register_handles(self, script: Sequence[ins.Instruction]) -> None:
        """A handle for every module the script loads, before any of them executes.

        A new version's top level may ``import`` another module of the same install
        that the node does not have yet (an added module): its handle must exist.
        """
        for instr in script:
            if isinstance(instr, ins.LoadObjectCode):
                for mod in instr.modules:
                    if not self.code.has_handle(mod):
                        self.code.handle(mod)
                        self._new_handles.append(mod)

    # ------------------------------------------------------------------ steps
    async def _pre(self, instr: ins.Instruction) -> None:
        if isinstance(instr, ins.LoadObjectCode):
            for mod in instr.modules:
                path = self.locate(instr.lib, instr.lib_vsn, mod)
                try:
                    self._prepared[mod] = self.code.prepare(mod, path)
                except NodeError as e:
                    raise _Failure(f"module {mod} does not load: {e}", module=mod) from e
            self._emit("load_object_code", modules=list(instr.modules))
        elif isinstance(instr, ins.Apply):
            await self._apply(instr)
        elif instr == ins.RESTART_NEW_EMULATOR:
            self._outcome.restart = "restart_new_emulator"
        else:
            raise _Failure("not allowed before point_of_no_return")

    async def _post_ponr(self, instr: ins.Instruction) -> None:
        if isinstance(instr, ins.Suspend):
            await self._suspend(instr)
        elif isinstance(instr, ins.Load):
            self._load(instr)
        elif isinstance(instr, ins.CodeChange):
            self._code_change(instr)
        elif isinstance(instr, ins.Resume):
            pass  # every suspended process is resumed at commit (module docstring)
        elif isinstance(instr, ins.Remove):
            self._snaps.setdefault(instr.module, self.code.snapshot(instr.module))
            try:
                displaced = self.code.swap_out(instr.module)
            except NodeError as e:
                raise _Failure(str(e), module=instr.module) from e
            if displaced is not None:
                self._displaced.append(displaced)
            self._post[instr.module] = instr.post_purge
        elif isinstance(instr, ins.Purge):
            self._purges.extend(instr.modules)
        elif isinstance(instr, ins.Stop):
            await self._stop(instr.modules)
        elif isinstance(instr, ins.Start):
            await self._start(instr.modules)
        elif isinstance(instr, ins.Apply):
            await self._apply(instr)
        elif instr == ins.RESTART_EMULATOR:
            self._outcome.restart = "restart_emulator"
        elif isinstance(instr, ins.SyncNodes):
            pass  # a single node has nobody to synchronise with
        else:
            raise _Failure("not allowed after point_of_no_return")

    async def _tree(self) -> list[Any]:
        """The supervised processes, rebuilt at each suspend as OTP does (spec §5.2)."""
        try:
            return await supervised_processes(self.node, own_suspended=self._suspended)
        except NodeError as e:
            raise _Failure(f"cannot list the supervised processes: {e}") from e

    async def _suspend(self, instr: ins.Suspend) -> None:
        """Suspend the supervised processes whose child spec names a module of ``instr``.

        In the instruction's order, as OTP does: the processes of the first module are
        suspended (and waited for) before those of the next, so a connection that is
        calling a store finishes its call before the store stops answering (the
        generator orders them by DepMods). One walk of the trees per round, one pass
        over its rows: at 100,000 servers this phase is part of every caller's pause.
        Processes spawned while we waited are picked up by another round; when nobody
        had to be waited for, the loop never ran and nothing can have been spawned.
        """
        order: list[tuple[str, float | None]] = []
        position: dict[str, int] = {}
        for entry in instr.modules:
            mod, timeout = (entry, "default") if isinstance(entry, str) else entry
            if mod not in position:
                position[mod] = len(order)
                limit = (
                    self.suspend_timeout
                    if self.suspend_timeout is not None
                    else _seconds(timeout, DEFAULT_SUSPEND_TIMEOUT)
                )
                order.append((mod, limit))
        suspended = self._suspended
        while True:
            waves: list[list[Process]] = [[] for _ in order]
            found: dict[str, list[Process]] = {}
            # A child spec's modules, as a tuple, decide the process's wave and the
            # lists it joins; children of one spec share the tuple, so this is
            # worked out once per distinct tuple, not once per process.
            routes: dict[tuple[str, ...], list[list[Process]]] = {}
            for _sup, _id, pid, mods in await self._tree():
                proc = pid._proc
                if proc is None or proc in suspended:
                    continue
                lists = routes.get(mods)
                if lists is None:
                    lists = routes[mods] = self._route(mods, position, waves, found)
                for lst in lists:
                    lst.append(proc)
            if not any(waves):
                break
            for mod, procs in found.items():
                self._members.setdefault(mod, []).extend(procs)
            waited = False
            for (mod, limit), procs in zip(order, waves, strict=True):
                if not procs:
                    continue
                if self._suspended_at is None:
                    self._suspended_at = time.perf_counter()
                suspended.update(procs)
                self._waves.append(procs)
                lagging = sys_ops.suspend_all(procs)
                if not lagging:
                    continue
                waited = True
                self._lagged.update(lagging)
                late = await sys_ops.await_boundary(lagging, limit)
                if late:
                    raise _Failure(
                        f"{_pids(p.pid for p in late)} did not reach a message boundary "
                        f"within {limit} s",
                        pid=late[0].pid,
                        module=mod,
                        reason="suspend_timeout",
                    )
            if not waited:
                break
        self._outcome.suspended = len(suspended)
        self._emit("suspend", processes=len(suspended))

    @staticmethod
    def _route(
        mods: tuple[str, ...],
        position: dict[str, int],
        waves: list[list[Process]],
        found: dict[str, list[Process]],
    ) -> list[list[Process]]:
        """The lists a process whose spec names ``mods`` joins: its wave, then a list per module.

        Its wave is that of the first of ``mods`` in the instruction; none if the
        instruction names none of them.
        """
        first = min((position[m] for m in mods if m in position), default=None)
        if first is None:
            return []
        return [waves[first], *(found.setdefault(m, []) for m in dict.fromkeys(mods))]

    def _load(self, instr: ins.Load) -> None:
        mod = instr.module
        version = self._prepared.get(mod)
        if version is None:
            raise _Failure(f"{mod} was not in a load_object_code before the point of no return")
        self._snaps.setdefault(mod, self.code.snapshot(mod))
        displaced = self.code.swap_in(version)
        if displaced is not None:
            self._displaced.append(displaced)
        self._post[mod] = instr.post_purge
        self._emit("load", module=mod)

    def _code_change(self, instr: ins.CodeChange) -> None:
        changed = 0
        for mod, extra_term in instr.modules:
            if instr.mode == "down":
                target = self._prepared.get(mod) or self.code.current(mod)
                old_vsn: Any = ("down", target.vsn)
            else:
                before = self._snaps.get(mod, (None, None))[0]
                old_vsn = (before or self.code.current(mod)).vsn
            extra = self.to_python(extra_term)
            done, failed, reason = sys_ops.change_states(
                self._members.get(mod, ()), old_vsn, extra, self._states
            )
            changed += done
            if failed is not None:
                raise _Failure(
                    f"code_change of {failed.pid!r} for {mod} failed: {_reason(reason)}",
                    pid=failed.pid,
                    module=mod,
                    reason=reason,
                )
        self._outcome.upgraded += changed
        self._emit("code_change", processes=changed)

    async def _stop(self, modules: tuple[str, ...]) -> None:
        """``{stop, Mods}``: terminate, through their supervisors, the children running Mods."""
        wanted = set(modules)
        for sup, cid, pid, mods in await self._tree():
            if sup is None or not wanted.intersection(mods):
                continue
            try:
                async with self._running([sup]):
                    await supervisor.terminate_child(sup, cid)
            except NodeError as e:
                raise _Failure(f"cannot stop {pid!r}: {e}", pid=pid) from e
            self._stopped.append((sup, cid, tuple(mods)))

    async def _start(self, modules: tuple[str, ...]) -> None:
        """``{start, Mods}``: restart the children a ``stop`` ended that run Mods (OTP)."""
        wanted = set(modules)
        for sup, cid, mods in list(self._stopped):
            if not wanted.intersection(mods) or (sup, cid) in self._started:
                continue
            try:
                async with self._running([sup]):
                    await supervisor.restart_child(sup, cid)
            except NodeError as e:
                raise _Failure(f"cannot start child {cid!r}: {e}") from e
            self._started.append((sup, cid))

    @contextlib.asynccontextmanager
    async def _running(self, dests: Iterable[Any]) -> AsyncIterator[None]:
        """Resume, for the body's duration, those of ``dests`` this install suspended.

        An instruction that asks a process to act (a supervisor to stop or start a
        child, an ``apply`` naming a server) needs it running; it is suspended again
        afterwards, and every other suspended process stays suspended throughout.
        """
        named = [p for p in (self._named(d) for d in dests) if p in self._suspended]
        for proc in named:
            sys_ops.resume_process(proc)
        try:
            yield
        finally:
            if named:
                self._lagged.update(named)
                late = await sys_ops.await_suspended(named, DEFAULT_SUSPEND_TIMEOUT)
                if late:
                    raise _Failure(
                        f"{_pids(p.pid for p in late)} did not return to a message boundary",
                        pid=late[0].pid,
                        reason="suspend_timeout",
                    )

    async def _apply(self, instr: ins.Apply) -> None:
        """Call ``{apply, {M, F, A}}``; processes named in ``A`` run during the call.

        An apply often asks a process this install suspended to do something (a
        supervisor to start the child its new specification added): those named in
        the arguments by pid or registered name run during the call (:meth:`_running`).
        """
        args = self.to_python(instr.args)
        if not isinstance(args, list):
            raise _Failure(f"apply arguments must be a list, got {format_term(instr.args)}")
        try:
            async with self._running(args):
                result = self.apply_fn(instr.module, instr.function, args)
                aw = maybe_await(result)
                if aw is not None:
                    await aw
        except _Failure:
            raise
        except Exception as e:
            raise _Failure(f"{instr.module}.{instr.function} raised {e!r}", reason=e) from e

    def _named(self, arg: Any) -> Process | None:
        if isinstance(arg, str):
            return self.node.lookup(arg)
        return arg._proc if isinstance(arg, Pid) else None

    # ------------------------------------------------------------------ outcome
    async def _commit(self) -> None:
        """Resume everyone (the pause ends here), then purge without holding the loop.

        Finding who runs a version means looking at every process (spec §5.4); that
        scan runs after the resume, in slices that yield to the loop, so it never
        lengthens the pause. Nobody can enter a displaced or purged version meanwhile:
        no handle leads to it any more.
        """
        out = self._outcome
        self._resume_all()
        doomed = list(self._displaced)
        for mod in self._purges:
            old = self.code.old(mod)
            if old is not None:
                doomed.append(old)
        watched = {
            mod: old
            for mod in self._post
            if (old := self.code.old(mod)) is not None and mod not in self._purges
        }
        victims: list[Process] = []
        users: set[str] = set()
        for i, proc in enumerate(list(self.node.procs.values()), 1):
            if not proc.alive:
                continue
            if any(runs_version(proc, v) for v in doomed):
                victims.append(proc)
            else:
                users.update(m for m, v in watched.items() if runs_version(proc, v))
            if i % _SCAN_SLICE == 0:
                await asyncio.sleep(0)
        for proc in victims:
            if proc.alive:
                self.node.terminate(proc, "killed")
                out.killed.append(proc.pid)
        for mod in self._purges:
            self.code.discard_old(mod)  # its runners were among the victims
        for mod, old in watched.items():
            if self.code.old(mod) is not old:
                continue
            if mod in users:
                out.unpurged[mod] = self._post[mod]
            else:
                self.code.discard_old(mod)
        if doomed or watched:
            self._emit("purge", killed=len(out.killed), unpurged=sorted(out.unpurged))

    def _resume_all(self) -> None:
        suspended = self._suspended
        if self._suspended_at is not None:
            self._outcome.longest_suspension = time.perf_counter() - self._suspended_at
            self._suspended_at = None
        for procs in self._waves:
            sys_ops.resume_all(procs, self._lagged)
        self._emit("resume", processes=len(suspended))
        # Nothing can be rolled back from here on. Dropping the per-process records
        # now (a tuple per changed state, among others) keeps them out of the young
        # collection that runs when :meth:`run` enables the collector again.
        suspended.clear()
        self._waves.clear()
        self._lagged.clear()
        self._members.clear()
        self._states.clear()

    async def _rollback(self) -> None:
        new_versions = [self.code.current(m) for m in self._snaps if self.code.is_loaded(m)]
        for mod, snap in reversed(list(self._snaps.items())):
            self.code.restore(mod, snap)
        for proc, state in reversed(self._states):
            if proc.alive:
                proc.state = state
        changed = set(self._snaps)
        for proc in list(self.node.procs.values()):
            if proc.pid.id < self._watermark or proc in self._suspended:
                continue
            name = getattr(proc.mod, "__name__", None)
            if name in changed or any(runs_version(proc, v) for v in new_versions):
                self.node.terminate(proc, "killed")
        self._forget_new_handles()
        self._emit("rollback", processes=len(self._suspended))
        self._resume_all()
        # Children that ``stop`` ended and ``start`` did not bring back: restart them.
        # Those ``start`` restarted run new code and were killed above.
        started = set(self._started)
        for sup, cid, _mods in self._stopped:
            if (sup, cid) not in started:
                with contextlib.suppress(NodeError):
                    await supervisor.restart_child(sup, cid)

    def _error(self, f: _Failure, step: int, instr: ins.Instruction) -> InstallError:
        return InstallError(
            f.message,
            step=step,
            instruction=format_term(instr.to_term()),
            pid=f.details.get("pid"),
            module=f.details.get("module"),
            reason=f.details.get("reason"),
        )

    def _emit(self, phase: str, **data: Any) -> None:
        if self.listener is not None:
            self.listener(phase, data)


def _next_pid_id() -> int:
    """Pids and refs share one counter: a process spawned after this has a larger id."""
    return Ref().id


def _pids(pids: Iterable[Pid]) -> str:
    return ", ".join(repr(p) for p in pids)


def _reason(reason: Any) -> str:
    if isinstance(reason, BaseException):
        return f"{type(reason).__name__}: {reason}"
    return repr(reason)
