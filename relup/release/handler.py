"""The release handler of a running node (OTP's ``release_handler``, spec §4).

One :class:`ReleaseHandler` lives in each node, on the node's event loop. It owns the
in-memory list of releases (the state file's list, plus which release is
``current``), boots the permanent release, and drives unpack, check, install,
make_permanent and remove. Installing evaluates a relup script with
:class:`relup.release.evaluate.Evaluator`, which makes the install a transaction.

Rules worth knowing:

* **Which script** (§4.5, never version order): the target's relup, if its up list
  has an entry keyed exactly by the running version (an upgrade); else the running
  release's relup, if its down list has an entry keyed by the target (a downgrade);
  else :class:`NoMatchingRelup`.
* **Only one install at a time**: a second one is refused with
  :class:`InstallInProgress`, naming the one in progress.
* **Application specifications and environments** switch to the target release's
  before the script runs (so ``application:start`` of an added application finds its
  spec) and are switched back if the install rolls back (OTP leaves them switched:
  ``docs/differences-from-otp.md``). After a successful install each running
  application whose environment changed gets ``config_change(changed, new, removed)``
  called on its start module, if it defines it.
* **What is written to disk**: only unpack, make_permanent and remove write the state
  file; install changes memory only, as OTP does, so a node restarted after an
  install that was never made permanent boots the permanent release.
* ``{apply, {M, F, A}}`` reaches Python function ``F`` of module ``M`` through the code
  server (a fully qualified call), with the term mapping of
  :mod:`relup.release.term_mapping` for the arguments. The OTP modules an appup
  names for bookkeeping map to the runtime: ``application`` (load, start, stop,
  unload), ``supervisor`` (start_child, restart_child, terminate_child, delete_child)
  and ``gen_server`` (call, cast).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from relup.errors import RelupError, SpecError, TermSyntaxError
from relup.plan import instructions as ins
from relup.plan.python_tree import PythonTree
from relup.release.evaluate import Evaluator, InstallError, Listener, Outcome, parse_script
from relup.release.package import unpack as unpack_package
from relup.release.root import ReleaseRoot, remove_release
from relup.release.status import Action, Status
from relup.release.store import (
    ReleaseEntry,
    ReleaseError,
    ReleaseReason,
    after_restart,
    boot_release,
    find_release,
    mark_permanent,
    transition,
    write_atomic,
)
from relup.release.term_mapping import apply as apply_mfa
from relup.release.term_mapping import from_term
from relup.runtime import gen_server, supervisor
from relup.runtime.application import AppSpec
from relup.runtime.node import maybe_await
from relup.spec.relup_file import RelupEntry, RelupFile
from relup.terms import format_term, read_first_term

if TYPE_CHECKING:
    from relup.runtime.node import Node
    from relup.spec.toml_release import ReleaseManifest

log = logging.getLogger("relup.release")

#: ``releases/BOOT_ONCE``: the release a restart instruction asked the next boot for.
BOOT_ONCE = "BOOT_ONCE"


# ------------------------------------------------------------------------- reasons
@dataclass(frozen=True)
class NoMatchingRelup(ReleaseReason):
    vsn: str
    running: str

    def describe(self) -> str:
        return (
            f"no relup leads from {self.running} to {self.vsn}: neither "
            f"releases/{self.vsn}/relup has an up entry for {self.running} nor "
            f"releases/{self.running}/relup a down entry for {self.vsn}"
        )

    @property
    def hint(self) -> str | None:
        return f"generate one: relup generate releases/{self.vsn} --up-from releases/{self.running}"


@dataclass(frozen=True)
class AlreadyInstalled(ReleaseReason):
    vsn: str

    def describe(self) -> str:
        return f"release {self.vsn} is the one running"


@dataclass(frozen=True)
class RunningRelease(ReleaseReason):
    vsn: str

    def describe(self) -> str:
        return f"release {self.vsn} is the one running"

    @property
    def hint(self) -> str | None:
        return "install another release first"


@dataclass(frozen=True)
class InstallInProgress(ReleaseReason):
    vsn: str

    def describe(self) -> str:
        return f"an install of release {self.vsn} is in progress"

    @property
    def hint(self) -> str | None:
        return "wait for it to finish, then try again"


@dataclass(frozen=True)
class BadRelup(ReleaseReason):
    path: str
    detail: str

    def describe(self) -> str:
        return f"{self.path}: {self.detail}"


@dataclass(frozen=True)
class RestartNeeded(ReleaseReason):
    vsn: str
    instruction: str

    def describe(self) -> str:
        return f"the relup to {self.vsn} asks for {self.instruction}, which needs a node service"

    @property
    def hint(self) -> str | None:
        return "install it on a node started with `relup node start`"


@dataclass
class InstallReport:
    """What an install did: direction, the other version (OTP's OtherVsn), and the outcome."""

    vsn: str
    previous: str
    direction: str  # "up" or "down"
    outcome: Outcome
    config_changed: list[str] = field(default_factory=list)


class ReleaseHandler:
    """Releases of one root, as the running node sees them."""

    def __init__(self, node: Node, root: ReleaseRoot) -> None:
        self.node = node
        self.root = root
        self.releases: tuple[ReleaseEntry, ...] = ()
        #: the version the node runs (current, else permanent)
        self.running: str | None = None
        #: modules whose old code is still used, with their post-purge method
        self.unpurged: dict[str, str] = {}
        self._installing: str | None = None
        #: re-executes the node (the service's ``reexec``); None: restarts are refused
        self.restart: Callable[[], None] | None = None
        #: a test seam handed to each install's Evaluator (see its ``fault``)
        self.fault: Callable[[int, ins.Instruction], None] | None = None

    # -------------------------------------------------------------------- boot
    async def boot(self) -> str:
        """Load and start the permanent release (what a node restart boots).

        If a restart instruction asked for another release (:meth:`_restart_into`),
        that one boots instead, once, as ``current``; the marker is removed before
        anything loads, so a crash while booting it falls back to the permanent one.
        """
        self.releases = after_restart(self.root.store.read())
        entry = boot_release(self.releases)
        once = self._take_boot_once()
        if once is not None:
            try:
                entry = find_release(self.releases, once)
            except ReleaseError:
                log.warning("release %s to boot once is gone: booting %s", once, entry.vsn)
            else:
                if entry.status is not Status.PERMANENT:
                    self.releases = transition(self.releases, once, Action.INSTALL)
        manifest = self.root.manifest(entry.vsn)
        specs = self._specs(manifest)
        # Every handle first: a module's top level may import any module of the release.
        for spec in specs.values():
            for mod in spec.modules:
                self.node.code.handle(mod)
        for spec in specs.values():
            for mod in spec.modules:
                self.node.code.load(mod, self.root.module_path(spec.name, spec.vsn, mod))
            self.node.apps.load(spec)
        for app in manifest.apps:
            if app.type not in ("load", "none"):
                await self.node.apps.start(app.name)
        self.running = entry.vsn
        log.info("booted release %s %s", manifest.name, entry.vsn)
        return entry.vsn

    def _specs(self, manifest: ReleaseManifest) -> dict[str, AppSpec]:
        """The application specs of a release, in boot order, with its config applied.

        The release is read by the generator's front end, so a node boots exactly the
        release ``relup generate`` checked (dependencies, modules, boot order).
        """
        release = PythonTree().read_release(str(self.root.release_dir(manifest.vsn)))
        order = [a.name for a in release.apps]
        manifests = {a.name: self.root.app_manifest(a.name, a.vsn) for a in manifest.apps}
        specs: dict[str, AppSpec] = {}
        for name in order:
            m = manifests[name]
            env = {**m.env, **manifest.config.get(name, {})}
            specs[name] = AppSpec(
                name=m.name,
                vsn=m.vsn,
                description=m.description,
                modules=m.modules,
                applications=m.applications,
                mod=(m.start, list(m.start_args)) if m.start else None,
                env=env,
            )
        return specs

    # ----------------------------------------------------------------- queries
    def which_releases(self) -> tuple[ReleaseEntry, ...]:
        """Every release of the root, newest first, with ``current`` as the node knows it."""
        return self.releases

    @property
    def installing(self) -> str | None:
        return self._installing

    # ------------------------------------------------------------------ unpack
    def unpack(self, package: str | Path) -> str:
        """Verify and unpack a release package; the release becomes ``unpacked``."""
        vsn = unpack_package(self.root, package)
        self.releases = (find_release(self.root.store.read(), vsn), *self.releases)
        return vsn

    # ----------------------------------------------------------------- install
    def _relup(self, vsn: str) -> RelupFile | None:
        path = self.root.relup_path(vsn)
        if not path.exists():
            return None
        try:
            return RelupFile.from_term(read_first_term(path), str(path))
        except (TermSyntaxError, SpecError, OSError) as e:
            raise ReleaseError(BadRelup(str(path), str(e))) from None

    def find_script(self, vsn: str) -> tuple[str, RelupEntry]:
        """("up" | "down", entry): the script that moves the running release to ``vsn`` (§4.5)."""
        running = self._running()
        target = self._relup(vsn)
        if target is not None:
            entry = target.entry("up", running)
            if entry is not None:
                return "up", entry
        mine = self._relup(running)
        if mine is not None:
            entry = mine.entry("down", vsn)
            if entry is not None:
                return "down", entry
        raise ReleaseError(NoMatchingRelup(vsn, running))

    def _running(self) -> str:
        if self.running is None:
            raise ReleaseError(BadRelup(str(self.root.path), "the node runs no release"))
        return self.running

    def _target(self, vsn: str) -> ReleaseEntry:
        entry = find_release(self.releases, vsn)
        if vsn == self.running:
            raise ReleaseError(AlreadyInstalled(vsn))
        return entry

    def plan(self, vsn: str) -> tuple[str, RelupEntry, list[ins.Instruction]]:
        """("up" | "down", entry, typed script) of an install of ``vsn``, changing nothing.

        Refuses as the install would: an unknown release, the running one, no relup
        leading there, an illegal instruction in the script.
        """
        self._target(vsn)
        direction, entry = self.find_script(vsn)
        return direction, entry, parse_script(entry.instructions)

    async def check_install(self, vsn: str) -> tuple[str, str]:
        """check_install_release: the script exists and its pre-PONR part evaluates (§4.4).

        New module versions are created (their top-level code runs) and dropped.
        """
        direction, entry, script = self.plan(vsn)
        await self._evaluator().check(script)
        return direction, entry.vsn

    async def install(
        self, vsn: str, *, suspend_timeout: float | None = None, listener: Listener | None = None
    ) -> InstallReport:
        """Move the node to release ``vsn`` (up or down); all or nothing."""
        if self._installing is not None:
            raise ReleaseError(InstallInProgress(self._installing))
        self._installing = vsn
        try:
            return await self._install(vsn, suspend_timeout, listener)
        finally:
            self._installing = None

    async def _install(
        self, vsn: str, suspend_timeout: float | None, listener: Listener | None
    ) -> InstallReport:
        direction, _entry, script = self.plan(vsn)
        previous = self._running()
        restarts = [i for i in script if i in (ins.RESTART_NEW_EMULATOR, ins.RESTART_EMULATOR)]
        if restarts and self.restart is None:
            raise ReleaseError(RestartNeeded(vsn, format_term(restarts[0].to_term())))
        if script and script[0] == ins.RESTART_NEW_EMULATOR:
            # A new interpreter cannot take over this one's processes: the node
            # re-executes and boots the target release (docs/differences-from-otp.md).
            self._restart_into(vsn)
            return InstallReport(vsn, previous, direction, Outcome(restart="restart_new_emulator"))
        script = [i for i in script if i != ins.RESTART_EMULATOR]
        new_specs = self._specs(self.root.manifest(vsn))
        saved = self.node.apps.swap_specs(new_specs)
        ev = self._evaluator(suspend_timeout=suspend_timeout, listener=listener)
        try:
            outcome = await ev.run(script)
        except BaseException:
            self.node.apps.restore_specs(saved)
            raise
        changed = await self._config_change(saved.env, new_specs)
        self.releases = transition(self.releases, vsn, Action.INSTALL)
        self.running = vsn
        self.unpurged = dict(outcome.unpurged)
        log.info("installed release %s (%s from %s)", vsn, direction, previous)
        if restarts:
            outcome.restart = "restart_emulator"
            self._restart_into(vsn)
        return InstallReport(vsn, previous, direction, outcome, changed)

    # ---------------------------------------------------------------- restarts
    @property
    def _boot_once_path(self) -> Path:
        return self.root.releases_dir / BOOT_ONCE

    def _restart_into(self, vsn: str) -> None:
        """Have the node re-execute and boot ``vsn`` once (OTP's ``tmp_current``)."""
        write_atomic(self._boot_once_path, vsn.encode(), self.root.fs)
        log.info("restarting the node into release %s", vsn)
        assert self.restart is not None
        self.restart()

    def _take_boot_once(self) -> str | None:
        path = self._boot_once_path
        try:
            vsn = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as e:
            log.warning("ignoring unreadable %s: %s", path, e)
            vsn = ""
        self.root.fs.remove(path)
        self.root.fs.fsync_dir(path.parent)
        return vsn or None

    def _evaluator(
        self, *, suspend_timeout: float | None = None, listener: Listener | None = None
    ) -> Evaluator:
        return Evaluator(
            self.node,
            self.root.module_path,
            apply=self._apply,
            to_python=from_term,
            suspend_timeout=suspend_timeout,
            listener=listener,
            fault=self.fault,
        )

    async def _config_change(
        self, old_env: Mapping[str, Mapping[str, Any]], specs: Mapping[str, AppSpec]
    ) -> list[str]:
        """Call ``config_change(changed, new, removed)`` where an environment changed (OTP)."""
        called = []
        for name, spec in specs.items():
            if name not in self.node.apps.running or name not in old_env or spec.mod is None:
                continue
            before, after = old_env[name], spec.env
            changed = {k: v for k, v in after.items() if k in before and before[k] != v}
            new = {k: v for k, v in after.items() if k not in before}
            removed = [k for k in before if k not in after]
            if not (changed or new or removed):
                continue
            callback = getattr(self.node.code.resolve(spec.mod[0]), "config_change", None)
            if callback is None:
                continue
            try:
                aw = maybe_await(callback(changed, new, removed))
                if aw is not None:
                    await aw
            except Exception:
                log.exception("config_change of application %s failed", name)
                continue
            called.append(name)
        return called

    async def _apply(self, module: str, function: str, args: list[Any]) -> Any:
        builtin = _BUILTINS.get(module)
        if builtin is not None:
            fn = builtin(self).get(function)
            if fn is None:
                raise InstallError(f"{module}.{function} is not supported in an apply")
            result = fn(*args)
        else:
            result = apply_mfa(self.node, module, function, args)
        aw = maybe_await(result)
        return await aw if aw is not None else result

    # ------------------------------------------------------------- permanence
    def make_permanent(self, vsn: str) -> None:
        """The release becomes what the node boots; the previous permanent one turns old.

        Brutally purges the modules an install left with ``brutal_purge`` post-purge
        (their remaining processes are killed), as OTP does.
        """
        releases = mark_permanent(self.releases, vsn)
        self.root.store.write(releases)
        self.releases = releases
        for mod, method in list(self.unpurged.items()):
            if method == "brutal_purge":
                self.node.code.purge(mod)
                del self.unpurged[mod]

    def remove(self, vsn: str) -> None:
        """Delete a release that is neither permanent nor running, and the lib dirs only it used.

        OTP lets the running (current) release be removed; relup refuses, since its
        relup is the only way back down (``docs/differences-from-otp.md``).
        """
        find_release(self.releases, vsn)
        if vsn == self.running:
            raise ReleaseError(RunningRelease(vsn))
        remaining = {r.vsn for r in remove_release(self.root, vsn)}
        self.releases = tuple(r for r in self.releases if r.vsn in remaining)


def _application_ops(h: ReleaseHandler) -> dict[str, Any]:
    apps = h.node.apps

    async def start(app: str, _type: str = "temporary") -> None:
        await apps.start(app)

    def load(app: str) -> None:
        if app not in apps.loaded:
            raise RelupError(f"application {app} is not part of the release")

    return {"start": start, "stop": apps.stop, "unload": apps.unload, "load": load}


def _supervisor_ops(_h: ReleaseHandler) -> dict[str, Any]:
    return {
        "start_child": supervisor.start_child,
        "restart_child": supervisor.restart_child,
        "terminate_child": supervisor.terminate_child,
        "delete_child": supervisor.delete_child,
    }


def _gen_server_ops(_h: ReleaseHandler) -> dict[str, Any]:
    return {"call": gen_server.call, "cast": gen_server.cast}


_BUILTINS = {
    "application": _application_ops,
    "supervisor": _supervisor_ops,
    "gen_server": _gen_server_ops,
}

__all__ = [
    "AlreadyInstalled",
    "InstallInProgress",
    "InstallReport",
    "NoMatchingRelup",
    "ReleaseHandler",
    "RunningRelease",
]
