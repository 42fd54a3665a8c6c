"""The release handler on the control channel: the node's boot hook and its operations.

``relup node start`` runs :func:`boot` (the service's default boot hook): it boots
the permanent release of the root with a :class:`ReleaseHandler` and returns the
control operations the operator commands call (``docs/operations.md``). Every
operation takes and returns JSON; Erlang terms travel as term text, read and
written with :mod:`relup.release.term_mapping`. A refusal is an
:class:`~relup.control.server.OpError` whose ``kind`` is the reason's class name and
whose message carries the hint, so the CLI can show both.

Rehearsal support (``relup check`` drives a throwaway node through these):
``exercise`` runs the running release's exercise function once (the ``exercise``
key of its release.toml: one round of traffic through the service), and ``states``
gives the state of every supervised gen_server as term text, keyed by its place in
the supervision trees, so that states before and after an upgrade and a downgrade
can be compared.

Hand-loaded code (``load``): a module loaded by hand is remembered with its file
until an install or a new load replaces it; ``ps`` marks the processes running it,
and an install over it is refused unless forced, because the install's ``code_change``
would start from code nobody reviewed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from relup.control.server import OpError
from relup.errors import RelupError
from relup.plan import instructions as ins
from relup.plan.reasons import Reason as PlanReason
from relup.release import faults
from relup.release.evaluate import InstallError
from relup.release.handler import InstallInProgress, InstallReport, ReleaseHandler
from relup.release.root import ReleaseRoot
from relup.release.store import ReleaseError, ReleaseReason
from relup.release.term_mapping import (
    TermMappingError,
    apply,
    format_value,
    parse_value,
    to_term,
)
from relup.release.watch import Watcher
from relup.runtime import OldProcesses, gen_server
from relup.runtime._process import Pid
from relup.runtime._system_messages import module_name
from relup.runtime.application import supervised_processes
from relup.runtime.handles import runs_version
from relup.runtime.node import Node
from relup.runtime.supervisor import is_supervisor
from relup.service.daemon import reexec
from relup.terms import ErlMap, Term, format_term

log = logging.getLogger("relup.release")

#: Set (to anything but empty) by ``relup node start --watch``: reload changed modules.
WATCH_VAR = "RELUP_WATCH"

Op = Callable[[dict[str, Any]], Awaitable[Any]]

#: Measured by bench/upgrade.py: suspend + code_change + resume per process, and the
#: fixed cost of loading one module version (for the dry run's pause estimate).
PER_PROCESS = 2e-6
PER_MODULE = 1e-3
#: Seconds one run of a release's exercise function may take, unless the request says.
EXERCISE_TIMEOUT = 10.0
#: How deep ``states`` looks into a state for values with no term form.
_STATE_DEPTH = 64


def _refuse(e: RelupError) -> OpError:
    """A refusal for the wire: ``kind`` names what refused, the message carries the hint.

    A release operation refused for a reason (``ReleaseError``, ``PlanError``) is
    named by its reason's class (``NoSuchRelease``, ``InstallInProgress``...); an
    install that failed and rolled back is always ``InstallError``, whatever caused
    it, so a script can tell "rolled back" from "refused". Any other error (the
    runtime's, whose ``reason`` is an Erlang term) is named by its own class.
    """
    reason = getattr(e, "reason", None)
    if isinstance(reason, (ReleaseReason, PlanReason)):
        kind = type(e).__name__ if isinstance(e, InstallError) else type(reason).__name__
        hint = reason.hint
    else:
        kind, hint = type(e).__name__, getattr(e, "hint", None)
    message = str(e) + (f"\nhint: {hint}" if isinstance(hint, str) and hint else "")
    return OpError(kind, message)


@contextmanager
def _refusing() -> Iterator[None]:
    """Turn a :class:`RelupError` raised inside the block into its :func:`_refuse`."""
    try:
        yield
    except RelupError as e:
        raise _refuse(e) from None


def _str(args: dict[str, Any], key: str) -> str:
    value = args.get(key)
    if not isinstance(value, str) or not value:
        raise OpError("bad-request", f"{key!r} must be a non-empty string")
    return value


class Operations:
    """The control operations of one node's release handler."""

    def __init__(self, node: Node, handler: ReleaseHandler) -> None:
        self.node = node
        self.handler = handler
        #: module → file of each module loaded by hand since the last install
        self.hand_loaded: dict[str, str] = {}
        self._phases: list[dict[str, Any]] = []
        self._started = 0.0
        self._install_id = 0
        #: release version → its exercise function (module, function), read once
        self._exercises: dict[str, tuple[str, str] | None] = {}

    def table(self) -> dict[str, Op]:
        return {
            "releases": self.releases,
            "unpack": self.unpack,
            "check": self.check,
            "install": self.install,
            "install_progress": self.install_progress,
            "permanent": self.permanent,
            "remove": self.remove,
            "ps": self.ps,
            "call": self.call,
            "cast": self.cast,
            "load": self.load,
            "purge": self.purge,
            "exercise": self.exercise,
            "states": self.states,
        }

    # ---------------------------------------------------------------- releases
    async def releases(self, args: dict[str, Any]) -> Any:
        h = self.handler
        return {
            "releases": [
                {
                    "name": r.name,
                    "vsn": r.vsn,
                    "status": r.status.value,
                    "python": r.python,
                    "applications": list(r.libs),
                }
                for r in h.which_releases()
            ],
            "running": h.running,
            "installing": h.installing,
            "hand_loaded": dict(self.hand_loaded),
        }

    async def unpack(self, args: dict[str, Any]) -> Any:
        package = _str(args, "package")
        if not Path(package).is_absolute():
            raise OpError("bad-request", f"the package path must be absolute: {package}")
        with _refusing():
            return {"vsn": self.handler.unpack(package)}

    async def check(self, args: dict[str, Any]) -> Any:
        with _refusing():
            direction, other = await self.handler.check_install(_str(args, "vsn"))
        return {"direction": direction, "other": other}

    async def install(self, args: dict[str, Any]) -> Any:
        vsn = _str(args, "vsn")
        if args.get("dry_run"):
            return await self.dry_run(vsn)
        if self.hand_loaded and not args.get("force"):
            names = ", ".join(sorted(self.hand_loaded))
            raise OpError(
                "HandLoadedCode",
                f"modules loaded by hand are running: {names}; the install would start "
                "from them\nhint: load the release's versions back, or pass --force",
            )
        timeout = args.get("suspend_timeout")
        if timeout is not None and not isinstance(timeout, (int, float)):
            raise OpError("bad-request", "'suspend_timeout' must be a number of seconds")
        if self.handler.installing is not None:  # refused before touching its progress
            raise _refuse(ReleaseError(InstallInProgress(self.handler.installing)))
        self._install_id += 1
        self._phases = []
        self._started = time.perf_counter()
        try:
            report = await self.handler.install(vsn, suspend_timeout=timeout, listener=self._record)
        except RelupError as e:
            self._record("failed", {"error": str(e)})
            raise _refuse(e) from None
        self.hand_loaded.clear()
        result = self._report(report)
        if args.get("permanent"):
            try:
                self.handler.make_permanent(vsn)
                result["permanent"] = True
            except RelupError as e:  # installed all the same: say so, with why not permanent
                result["permanent_error"] = _refuse(e).message
        return result

    def _record(self, phase: str, detail: dict[str, Any]) -> None:
        at = round(time.perf_counter() - self._started, 6)
        self._phases.append({"phase": phase, "at": at, "detail": _jsonable(detail)})

    async def install_progress(self, args: dict[str, Any]) -> Any:
        """The phases of the latest install so far; ``id`` tells one install from the next."""
        return {
            "id": self._install_id,
            "vsn": self.handler.installing,
            "phases": list(self._phases),
        }

    def _report(self, report: InstallReport) -> dict[str, Any]:
        out = report.outcome
        return {
            "id": self._install_id,
            "vsn": report.vsn,
            "previous": report.previous,
            "direction": report.direction,
            "duration": round(out.duration, 6),
            "suspended": out.suspended,
            "upgraded": out.upgraded,
            "longest_suspension": round(out.longest_suspension, 6),
            "killed": [repr(p) for p in out.killed],
            "unpurged": dict(out.unpurged),
            "config_changed": list(report.config_changed),
            "phases": list(self._phases),
            "permanent": False,
            "restart": out.restart,
        }

    async def dry_run(self, vsn: str) -> dict[str, Any]:
        """The plan against the live node, changing nothing (``install --dry-run``)."""
        h = self.handler
        with _refusing():
            direction, _entry, script = h.plan(vsn)
        code = self.node.code
        loaded = [m for i in script if isinstance(i, ins.LoadObjectCode) for m in i.modules]
        suspended_mods = {m for i in script if isinstance(i, ins.Suspend) for m in i.names}
        purged = {m for i in script if isinstance(i, ins.Purge) for m in i.modules}
        purged |= {i.module for i in script if isinstance(i, ins.Remove)}
        with _refusing():
            rows = await supervised_processes(self.node)
        suspend = []
        for _s, _c, pid, mods in rows:  # once per process, for its first suspended module
            first = next((m for m in mods if m in suspended_mods), None)
            if first is not None:
                name = pid._proc.name if pid._proc else None
                suspend.append({"pid": repr(pid), "name": name, "module": first})
        versions = [
            (mod, code.old(mod), code.current(mod) if code.is_loaded(mod) else None)
            for mod in sorted(set(loaded) | purged)
        ]
        would_kill: list[dict[str, Any]] = []
        for proc in list(self.node.procs.values()):
            for mod, old, cur in versions:
                if old is not None and runs_version(proc, old):
                    why = f"runs old {mod}, purged when the new version loads"
                elif cur is None or not runs_version(proc, cur):
                    continue
                elif mod in purged:
                    why = f"runs {mod}, which this install purges"
                elif proc.mod is None:
                    why = f"raw loop in {mod}: stays on replaced code (killed by the next purge)"
                else:
                    why = f"its state holds code of {mod}: it keeps the replaced version"
                would_kill.append({"pid": repr(proc.pid), "name": proc.name, "why": why})
        return {
            "vsn": vsn,
            "previous": h.running,
            "direction": direction,
            "instructions": [_text(i) for i in script],
            "modules": loaded,
            "suspend": suspend,
            "estimated_pause": round(len(suspend) * PER_PROCESS + len(loaded) * PER_MODULE, 6),
            "would_kill": would_kill,
            # what the real install would refuse for (it needs --force)
            "hand_loaded": sorted(self.hand_loaded),
        }

    async def permanent(self, args: dict[str, Any]) -> Any:
        with _refusing():
            self.handler.make_permanent(_str(args, "vsn"))
        return {}

    async def remove(self, args: dict[str, Any]) -> Any:
        with _refusing():
            self.handler.remove(_str(args, "vsn"))
        return {}

    # --------------------------------------------------------------- processes
    async def ps(self, args: dict[str, Any]) -> Any:
        out = []
        for pid in self.node.processes():
            info = self.node.info(pid)
            if info is None:
                continue
            versions = [{"module": m, "vsn": _vsn(v), "which": w} for m, v, w in info.running]
            if info.callback_module is not None and not any(
                v["module"] == info.callback_module for v in versions
            ):
                versions.insert(
                    0,
                    {
                        "module": info.callback_module,
                        "vsn": _vsn(info.callback_vsn),
                        "which": "current",
                    },
                )
            module = info.callback_module or (versions[0]["module"] if versions else None)
            if is_supervisor(self.node, pid):
                proc = pid._proc
                module = module_name(proc.state.module) if proc is not None else module
                versions = [v for v in versions if v["module"] != info.callback_module]
            out.append(
                {
                    "pid": repr(pid),
                    "name": info.registered_name,
                    "module": module,
                    "versions": versions,
                    "status": info.status,
                    "queue": info.message_queue_len,
                    "hand_loaded": any(v["module"] in self.hand_loaded for v in versions),
                }
            )
        return {"processes": out}

    def _dest(self, args: dict[str, Any]) -> Pid | str:
        dest = _str(args, "dest")
        if dest.startswith("<"):
            value = self._parse(dest, "dest")
            if not isinstance(value, Pid):
                raise OpError("bad-request", f"not a pid: {dest}")
            return value
        return dest

    def _parse(self, text: str, what: str) -> Any:
        try:
            return parse_value(text, node=self.node)
        except RelupError as e:
            raise OpError("TermSyntaxError", f"{what}: {e}") from None

    async def call(self, args: dict[str, Any]) -> Any:
        dest = self._dest(args)
        request = self._parse(_str(args, "request"), "request")
        timeout = args.get("timeout", 5.0)
        with _refusing():
            reply = await gen_server.call(dest, request, timeout)
            return {"reply": format_value(reply)}

    async def cast(self, args: dict[str, Any]) -> Any:
        dest = self._dest(args)
        gen_server.cast(dest, self._parse(_str(args, "message"), "message"))
        return {}

    # -------------------------------------------------------------------- code
    async def load(self, args: dict[str, Any]) -> Any:
        """The shell's ``l(Mod)``: load a module version as current (killing old-old code)."""
        module = _str(args, "module")
        code = self.node.code
        file = args.get("file")
        if file is None:
            if not code.is_loaded(module):
                raise OpError(
                    "NotLoaded",
                    f"module {module} is not loaded; give --file\nhint: give the module's "
                    f"file: relup load {module} --file PATH",
                )
            path = code.current(module).path
        elif not isinstance(file, str) or not Path(file).is_absolute():
            raise OpError("bad-request", f"the module file must be an absolute path: {file}")
        else:
            path = str(Path(file).resolve())
        with _refusing():
            version = code.prepare(module, path)  # a file that fails to load kills nobody
        killed = code.make_current(version)
        release_path = self._release_path(module)
        if release_path is not None and Path(release_path) == Path(path):
            self.hand_loaded.pop(module, None)
        else:
            self.hand_loaded[module] = path
        log.info("loaded %s from %s by hand", module, path)
        return {
            "module": module,
            "vsn": _vsn(version.vsn),
            "path": path,
            "killed": [repr(p) for p in killed],
        }

    def _release_path(self, module: str) -> str | None:
        h = self.handler
        if h.running is None:
            return None
        for app, app_vsn in next(r.apps for r in h.which_releases() if r.vsn == h.running):
            path = h.root.module_path(app, app_vsn, module)
            if path.exists():
                return str(path)
        return None

    async def purge(self, args: dict[str, Any]) -> Any:
        module = _str(args, "module")
        code = self.node.code
        if code.old(module) is None:
            return {"purged": False, "killed": []}
        if args.get("soft"):
            try:
                code.soft_purge(module)
            except OldProcesses as e:
                raise OpError(
                    "OldProcesses",
                    f"{e}\nhint: relup ps shows them; relup purge MODULE without --soft kills them",
                ) from None
            return {"purged": True, "killed": []}
        killed = code.purge(module) or []
        return {"purged": True, "killed": [repr(p) for p in killed]}

    # ---------------------------------------------------------------- rehearsal
    async def exercise(self, args: dict[str, Any]) -> Any:
        """Run the running release's exercise function once; ``{"ran": False}`` if it has none."""
        timeout = args.get("timeout", EXERCISE_TIMEOUT)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise OpError("bad-request", "'timeout' must be a positive number of seconds")
        vsn = self.handler.running
        target = None if vsn is None else self._exercise_of(vsn)
        if vsn is None or target is None:
            return {"ran": False, "vsn": vsn}
        module, function = target
        name = f"{module}:{function}"
        if not self.node.code.is_loaded(module):
            raise OpError(
                "ExerciseNotInRelease",
                f"release {vsn} names the exercise function {name}, but no application "
                f"of the release has a module {module}\nhint: name a module listed in an "
                "app.toml of the release",
            )
        try:
            await asyncio.wait_for(apply(self.node, module, function, []), timeout)
        except TimeoutError:
            raise OpError(
                "ExerciseTimeout",
                f"the exercise function {name} did not return within {timeout:g} s",
            ) from None
        except Exception as e:
            log.warning("the exercise function %s failed", name, exc_info=True)
            raise OpError(
                "ExerciseFailed", f"the exercise function {name} raised {type(e).__name__}: {e}"
            ) from None
        return {"ran": True, "vsn": vsn}

    def _exercise_of(self, vsn: str) -> tuple[str, str] | None:
        if vsn not in self._exercises:
            with _refusing():
                self._exercises[vsn] = self.handler.root.manifest(vsn).exercise_function
        return self._exercises[vsn]

    async def states(self, args: dict[str, Any]) -> Any:
        """The state of every supervised gen_server, as term text, keyed by its path.

        The path is the top supervisor's registered name (else its callback module),
        then each child id down to the process, joined by ``/``; a child of a
        ``simple_one_for_one`` supervisor has no id and is named by its pid (it is
        ``dynamic``). In the text, maps are sorted by key and a value with no term
        form is shown as its ``repr`` (a string), so equal states give equal text.
        """
        with _refusing():
            rows = await supervised_processes(self.node)
        paths: dict[Pid, str] = {}
        taken: set[str] = set()  # the values of paths, for a constant-time clash check
        out: dict[str, dict[str, Any]] = {}
        for sup, child_id, pid, _modules in rows:
            proc = pid._proc
            if proc is None:
                continue
            if sup is None:
                path = proc.name or module_name(proc.state.module)
            else:
                segment = repr(pid) if child_id is None else _state_text(child_id)
                path = f"{paths.get(sup, repr(sup))}/{segment}"
            if path in taken:
                path += repr(pid)
            paths[pid] = path
            taken.add(path)
            if proc.mod is None or is_supervisor(self.node, pid):
                continue
            out[path] = {
                "pid": repr(pid),
                "module": module_name(proc.mod),
                "dynamic": child_id is None,
                "state": _state_text(proc.state),
            }
        return {"states": out}


def _state_text(value: Any) -> str:
    """`value` as term text for comparing (see :meth:`Operations.states`)."""
    return format_term(_state_term(value, 0))


def _state_term(value: Any, depth: int) -> Term:
    if depth < _STATE_DEPTH:
        if isinstance(value, dict):
            pairs = [
                (_state_term(k, depth + 1), _state_term(v, depth + 1)) for k, v in value.items()
            ]
            return ErlMap(sorted(pairs, key=lambda pair: format_term(pair[0])))
        if isinstance(value, (list, tuple)):
            items = [_state_term(v, depth + 1) for v in value]
            return tuple(items) if isinstance(value, tuple) else items
    try:
        return to_term(value)
    except TermMappingError:
        return repr(value)  # a str: written as a string, "..."


def _vsn(vsn: Any) -> str | None:
    """A version for people: ``__vsn__`` as is, else the source's MD5 in hex."""
    if vsn is None or isinstance(vsn, str):
        return vsn
    return f"md5:{vsn:032x}" if isinstance(vsn, int) else repr(vsn)


def _text(instr: ins.Instruction) -> str:
    return format_term(instr.to_term())


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return repr(value)


async def boot(node: Node, root: Path) -> dict[str, Op]:
    """The service's boot hook: boot the permanent release, return the release ops."""
    release_root = ReleaseRoot(root, fs=faults.file_system())
    handler = ReleaseHandler(node, release_root)
    handler.fault = faults.step_fault()
    if not release_root.releases_dir.exists():
        log.warning(
            "no releases in %s (create a root with `relup init`): the node runs no applications",
            root,
        )
        return {}
    handler.restart = reexec
    try:
        await handler.boot()
    except ReleaseError:
        log.exception("cannot boot the permanent release of %s", root)
        raise
    ops = Operations(node, handler)
    if os.environ.get(WATCH_VAR):
        watcher = Watcher(node, on_load=ops.hand_loaded.__setitem__)
        watcher.start()
        log.info("watching the running modules' files for changes (%s)", WATCH_VAR)
    return ops.table()
