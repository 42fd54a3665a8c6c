"""The code server: at most a current and an old version of each module.

Rules (spec §5.1, the BEAM's two-version model):

* Loading makes a fresh module object from the file (``spec_from_file_location`` +
  ``module_from_spec`` + ``exec_module``; never ``importlib.reload``, which would
  re-execute into the running version's globals). The module's handle is registered
  in ``sys.modules`` *before* the version executes, so a module can ``import`` itself
  and call itself fully qualified.
* Making a version current: if old code exists it is first purged (processes running
  it are killed; the "third version" rule), then current becomes old and the new one
  current. :meth:`CodeServer.load` with ``purge=False`` refuses instead
  (:class:`NotPurged`, as ``code:load_file``).
* :meth:`prepare` creates and executes a version without making it current: the
  release handler's ``load_object_code``, done before the point of no return, so a
  version that fails to execute is refused before anything changed.
  :meth:`make_current` is the later step, and :meth:`revert` makes the previous
  version current again (the version being reverted becomes old).
* ``purge`` kills every process that runs or holds the old version
  (:func:`relup.runtime.handles.runs_version`) and drops it; ``soft_purge`` drops it
  only if no process does, else raises :class:`OldProcesses` naming them; ``delete``
  makes current old, leaving no current version.
* A version's ``vsn`` (the ``old_vsn`` of ``code_change``) is its ``__vsn__`` attribute,
  else the MD5 of its source as an integer (as OTP does without ``-vsn``).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

from relup.runtime._errors import LoadError, NotLoaded, NotPurged, OldProcesses
from relup.runtime.handles import ModuleHandle, ModuleVersion, refresh, runs_version

if TYPE_CHECKING:
    from relup.runtime._process import Pid, Process
    from relup.runtime.node import Node


class CodeServer:
    """Current and old versions per module, and the handles in ``sys.modules``."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self._handles: dict[str, ModuleHandle] = {}
        self._current: dict[str, ModuleVersion] = {}
        self._old: dict[str, ModuleVersion] = {}
        self._displaced: dict[str, types.ModuleType | None] = {}

    # ---------------------------------------------------------------- handles
    def handle(self, name: str) -> ModuleHandle:
        """The stable handle of ``name``, registered in ``sys.modules`` on first use."""
        h = self._handles.get(name)
        if h is None:
            h = ModuleHandle(name)
            self._displaced[name] = sys.modules.get(name)
            sys.modules[name] = h
            self._handles[name] = h
        return h

    def has_handle(self, name: str) -> bool:
        return name in self._handles

    def drop_handle(self, name: str) -> None:
        """Unregister the handle of a module that has no version (an install rolled back)."""
        if name in self._current or name in self._old or name not in self._handles:
            return
        self._unregister(name, self._handles.pop(name))

    def resolve(self, module: Any) -> Any:
        """A module name, handle or module object → the object to look callbacks up in.

        Names of modules this code server manages resolve to their handle; other names
        are imported normally (a module outside hot upgrades).
        """
        if isinstance(module, str):
            h = self._handles.get(module)
            return h if h is not None else importlib.import_module(module)
        return module

    def unregister_all(self) -> None:
        """Put back whatever ``sys.modules`` held before this node's handles."""
        for name, h in self._handles.items():
            self._unregister(name, h)
        self._handles.clear()

    def _unregister(self, name: str, h: ModuleHandle) -> None:
        """Put back in ``sys.modules`` what ``h`` displaced, if ``h`` is still there."""
        prev = self._displaced.pop(name, None)
        if sys.modules.get(name) is h:
            if prev is None:
                del sys.modules[name]
            else:
                sys.modules[name] = prev

    # ---------------------------------------------------------------- loading
    def prepare(self, name: str, path: str | Path) -> ModuleVersion:
        """Create and execute version ``path`` of ``name`` without making it current."""
        path = str(path)
        self.handle(name)
        try:
            source = Path(path).read_bytes()
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"no loader for {path}")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        except BaseException as e:  # a version that fails to load changes nothing
            raise LoadError(name, path, e) from e
        vsn = module.__dict__.get("__vsn__")
        if vsn is None:
            vsn = int.from_bytes(hashlib.md5(source, usedforsecurity=False).digest(), "big")
        return ModuleVersion(name, path, module, vsn)

    def make_current(self, version: ModuleVersion, *, purge: bool = True) -> list[Pid]:
        """Make a prepared version current; returns the pids killed purging old code."""
        name = version.name
        killed: list[Pid] = []
        if name in self._old:
            if not purge:
                raise NotPurged(name)
            killed = self._purge(name)
        cur = self._current.get(name)
        if cur is not None:
            self._old[name] = cur
        self._current[name] = version
        refresh(self.handle(name), name, version)
        return killed

    def load(self, name: str, path: str | Path, *, purge: bool = True) -> ModuleVersion:
        """Prepare and make current (``c(M)``/``l(M)``; with ``purge=False``, ``load_file``)."""
        if not purge and name in self._old:
            raise NotPurged(name)
        version = self.prepare(name, path)
        self.make_current(version, purge=purge)
        return version

    def revert(self, name: str) -> ModuleVersion:
        """Make the old version current again (rollback); the current one becomes old."""
        old = self._old.get(name)
        if old is None:
            raise NotLoaded(name)
        cur = self._current.get(name)
        if cur is not None:
            self._old[name] = cur
        else:
            del self._old[name]
        self._current[name] = old
        refresh(self.handle(name), name, old)
        return old

    def delete(self, name: str) -> None:
        """Current becomes old; no current remains (``code:delete``)."""
        if name in self._old:
            raise NotPurged(name)
        cur = self._current.pop(name, None)
        if cur is None:
            raise NotLoaded(name)
        self._old[name] = cur
        refresh(self.handle(name), name, None)

    # ------------------------------------------------------------ transactions
    def snapshot(self, name: str) -> tuple[ModuleVersion | None, ModuleVersion | None]:
        """``(current, old)`` of ``name``, for :meth:`restore` after a failed install."""
        return self._current.get(name), self._old.get(name)

    def restore(self, name: str, snap: tuple[ModuleVersion | None, ModuleVersion | None]) -> None:
        """Put back the versions :meth:`snapshot` saw (a rolled-back install)."""
        cur, old = snap
        for table, version in ((self._current, cur), (self._old, old)):
            if version is None:
                table.pop(name, None)
            else:
                table[name] = version
        refresh(self.handle(name), name, cur)

    def swap_in(self, version: ModuleVersion) -> ModuleVersion | None:
        """Make ``version`` current *without* purging; return the old version it displaced.

        The release handler defers purges until every ``code_change`` succeeded: the
        displaced version leaves the code server at once (so two versions remain), but
        the processes still running it are killed only when the install commits
        (:meth:`kill_runners`) and are untouched if it rolls back (:meth:`restore`).
        """
        name = version.name
        displaced = self._old.pop(name, None)
        cur = self._current.get(name)
        if cur is not None:
            self._old[name] = cur
        self._current[name] = version
        refresh(self.handle(name), name, version)
        return displaced

    def swap_out(self, name: str) -> ModuleVersion | None:
        """:meth:`delete` that defers the purge of old code the same way as :meth:`swap_in`."""
        cur = self._current.pop(name, None)
        if cur is None:
            raise NotLoaded(name)
        displaced = self._old.pop(name, None)
        self._old[name] = cur
        refresh(self.handle(name), name, None)
        return displaced

    def discard_old(self, name: str) -> None:
        """Drop old code that the caller has found no process using (no second scan)."""
        self._old.pop(name, None)

    def kill_runners(self, version: ModuleVersion) -> list[Pid]:
        """Kill the processes that run or hold ``version`` (a deferred purge)."""
        victims = [p for p in list(self.node.procs.values()) if runs_version(p, version)]
        for p in victims:
            self.node.terminate(p, "killed")
        return [p.pid for p in victims]

    # ---------------------------------------------------------------- purging
    def old_processes(self, name: str) -> list[Pid]:
        """Pids of the processes that run or hold the old version of ``name``."""
        old = self._old.get(name)
        if old is None:
            return []
        return [p.pid for p in list(self.node.procs.values()) if runs_version(p, old)]

    def _purge(self, name: str) -> list[Pid]:
        killed = self.kill_runners(self._old[name])
        del self._old[name]
        return killed

    def purge(self, name: str) -> list[Pid] | None:
        """Kill the processes in old code and drop it (``code:purge``).

        Returns the pids killed (``[]`` if nobody ran the old code), or ``None`` if
        ``name`` had no old code to purge.
        """
        if name not in self._old:
            return None
        return self._purge(name)

    def soft_purge(self, name: str) -> None:
        """Drop old code if no process runs it, else raise :class:`OldProcesses`."""
        pids = self.old_processes(name)
        if pids:
            raise OldProcesses(name, pids)
        self._old.pop(name, None)

    # ---------------------------------------------------------------- queries
    def current(self, name: str) -> ModuleVersion:
        try:
            return self._current[name]
        except KeyError:
            raise NotLoaded(name) from None

    def old(self, name: str) -> ModuleVersion | None:
        return self._old.get(name)

    def is_loaded(self, name: str) -> bool:
        return name in self._current

    def is_current(self, version: ModuleVersion) -> bool:
        return self._current.get(version.name) is version

    def check_old_code(self, name: str) -> bool:
        return name in self._old

    def check_process_code(self, pid: Pid, name: str) -> bool:
        """Does ``pid`` run or hold the *old* version of ``name``?"""
        old = self._old.get(name)
        proc = pid._proc
        return old is not None and proc is not None and runs_version(proc, old)

    def runs(self, pid: Pid, version: ModuleVersion) -> bool:
        proc = pid._proc
        return proc is not None and runs_version(proc, version)

    def versions_in(self, proc: Process) -> list[ModuleVersion]:
        """The current and old versions that ``proc`` runs or holds."""
        found: list[ModuleVersion] = []
        for table in (self._current, self._old):
            found.extend(v for v in table.values() if runs_version(proc, v))
        return found

    def loaded(self) -> list[str]:
        return sorted(self._current)
