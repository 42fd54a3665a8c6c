"""What changed between two Python releases, application by application and module by module.

``relup check`` verifies the appups against this difference and ``relup appup``
drafts them from it, so both agree on one definition:

* An application is **added** (only in NEW), **removed** (only in OLD), or
  **changed**: in both, with a different version, or with the same version but
  different files (which :mod:`relup.check.coverage` refuses: an application
  version never changes once released, and the generator would not even read an
  appup for it).
* A module of a changed application is **added** (only in NEW's ``app.toml``
  ``modules``), **removed** (only in OLD's), or **changed**: its ``<module>.py``
  differs, byte for byte. "Changed code" means exactly that: a changed comment is a
  change; a module of the same bytes is not, whatever its application's version.
* Every module of both releases is classified from its source, never imported
  (:mod:`relup.check.classify`): gen_server, supervisor or plain, with the evidence.
  For a changed gen_server, :attr:`ModuleDiff.state_change` says whether its state
  looks different between the versions (a heuristic; None means "not seen", not
  "unchanged").

The functions here only read files: the releases come from
:class:`~relup.plan.python_tree.PythonTree`, which has checked them already.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

from relup.check.classify import (
    ModuleFacts,
    ModuleInfo,
    ModuleKind,
    StateChange,
    classify,
    registered_supervisors,
    scan_module,
    state_change,
    supervisors_started,
)
from relup.plan.release import Application, Release
from relup.spec.toml_release import APP_FILE, AppManifest

Change: TypeAlias = Literal["added", "removed", "changed"]
Direction: TypeAlias = Literal["up", "down"]


@dataclass(frozen=True, slots=True)
class ModuleDiff:
    """One module that is new, gone, or whose source differs; with both versions' facts."""

    name: str
    change: Change
    old: ModuleInfo | None
    new: ModuleInfo | None
    state_change: StateChange | None = None

    @property
    def kind(self) -> ModuleKind:
        """gen_server if either version is one (processes run it); else NEW's kind, else OLD's."""
        infos = [i for i in (self.new, self.old) if i is not None]
        if any(i.kind == "gen_server" for i in infos):
            return "gen_server"
        return infos[0].kind

    @property
    def info(self) -> ModuleInfo:
        """NEW's classification if the module is in NEW, else OLD's."""
        info = self.new or self.old
        assert info is not None
        return info

    @property
    def has_code_change(self) -> bool:
        """Whether NEW's version defines code_change (it runs up *and* down)."""
        return self.new is not None and self.new.has_code_change

    @property
    def imports(self) -> frozenset[str]:
        """The modules either version imports."""
        return frozenset().union(*(i.facts.imports for i in (self.old, self.new) if i))

    def arrives(self, direction: Direction) -> bool:
        """Whether an added or removed module comes in going `direction` (else it goes)."""
        return (self.change == "added") == (direction == "up")


@dataclass(frozen=True, slots=True)
class AppDiff:
    """One application that is added, removed, or differs between OLD and NEW."""

    name: str
    change: Change
    old: Application | None
    new: Application | None
    modules: tuple[ModuleDiff, ...] = ()
    #: The start module (from NEW's app.toml, else OLD's), None for a library.
    start_module: str | None = None
    #: Whether the two app.toml files differ (only asked when the version is the same).
    manifest_changed: bool = False

    @property
    def old_vsn(self) -> str | None:
        return self.old.vsn if self.old else None

    @property
    def new_vsn(self) -> str | None:
        return self.new.vsn if self.new else None

    @property
    def version_changed(self) -> bool:
        return self.change == "changed" and self.old_vsn != self.new_vsn

    def vsn_after(self, direction: Direction) -> str | None:
        """The version the application has once an entry going `direction` has run."""
        return self.new_vsn if direction == "up" else self.old_vsn

    @property
    def listed_modules(self) -> tuple[str, ...]:
        """The module names as NEW's app.toml lists them, then OLD's (with repeats)."""
        return (*(self.new.modules if self.new else ()), *(self.old.modules if self.old else ()))

    def module(self, name: str) -> ModuleDiff | None:
        return next((m for m in self.modules if m.name == name), None)

    def modules_that(self, change: Change) -> tuple[ModuleDiff, ...]:
        return tuple(m for m in self.modules if m.change == change)

    @property
    def appup_path(self) -> str | None:
        """Where NEW's appup for this application is (or goes)."""
        if self.new is None:
            return None
        return os.path.join(self.new.directory, f"{self.name}.appup")


@dataclass(frozen=True, slots=True)
class ReleaseDiff:
    """Every application that differs, NEW's (boot order) first, then those only in OLD."""

    old: Release
    new: Release
    apps: tuple[AppDiff, ...]

    def app(self, name: str) -> AppDiff | None:
        return next((a for a in self.apps if a.name == name), None)

    def apps_that(self, change: Change) -> tuple[AppDiff, ...]:
        return tuple(a for a in self.apps if a.change == change)

    @property
    def upgraded(self) -> tuple[AppDiff, ...]:
        """The applications whose version changed: those that need an appup."""
        return tuple(a for a in self.apps if a.version_changed)


def module_path(app: Application, module: str) -> str:
    return os.path.join(app.directory, f"{module}.py")


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _start_module(app: Application) -> str | None:
    path = os.path.join(app.directory, APP_FILE)
    return AppManifest.read(path).start if os.path.isfile(path) else None


@dataclass(frozen=True, slots=True)
class _Classified:
    sources: Mapping[tuple[str, str], bytes]  # (app, module) -> source
    infos: Mapping[tuple[str, str], ModuleInfo]


def _classify_release(release: Release) -> _Classified:
    """Every module of `release` read and classified (evidence may come from other modules)."""
    sources: dict[tuple[str, str], bytes] = {}
    facts: dict[str, ModuleFacts] = {}
    for app in release.apps:
        for m in app.modules:
            path = module_path(app, m)
            sources[app.name, m] = source = _read(path)
            facts[m] = scan_module(source, path)
    started, registered = supervisors_started(facts), registered_supervisors(facts)
    infos = {(app, m): classify(m, facts[m], started, registered) for app, m in sources}
    return _Classified(sources, infos)


def _module_diffs(
    old_app: Application, new_app: Application, old: _Classified, new: _Classified
) -> tuple[ModuleDiff, ...]:
    diffs: list[ModuleDiff] = []
    old_modules = set(old_app.modules)
    for m in new_app.modules:
        new_info = new.infos[new_app.name, m]
        if m not in old_modules:
            diffs.append(ModuleDiff(m, "added", None, new_info))
            continue
        if old.sources[old_app.name, m] == new.sources[new_app.name, m]:
            continue
        old_info = old.infos[old_app.name, m]
        change = None
        if "gen_server" in (old_info.kind, new_info.kind):
            change = state_change(old_info.facts, new_info.facts)
        diffs.append(ModuleDiff(m, "changed", old_info, new_info, change))
    new_modules = set(new_app.modules)
    diffs.extend(
        ModuleDiff(m, "removed", old.infos[old_app.name, m], None)
        for m in old_app.modules
        if m not in new_modules
    )
    return tuple(diffs)


def diff_releases(old: Release, new: Release) -> ReleaseDiff:
    """The difference from `old` to `new` (both as PythonTree read them)."""
    old_c, new_c = _classify_release(old), _classify_release(new)
    apps: list[AppDiff] = []
    for app in new.apps:
        before = old.app(app.name)
        if before is None:
            apps.append(AppDiff(app.name, "added", None, app, start_module=_start_module(app)))
            continue
        modules = _module_diffs(before, app, old_c, new_c)
        manifest_changed = before.vsn == app.vsn and _read(
            os.path.join(before.directory, APP_FILE)
        ) != _read(os.path.join(app.directory, APP_FILE))
        if before.vsn != app.vsn or modules or manifest_changed:
            apps.append(
                AppDiff(
                    app.name,
                    "changed",
                    before,
                    app,
                    modules,
                    start_module=_start_module(app),
                    manifest_changed=manifest_changed,
                )
            )
    apps.extend(
        AppDiff(a.name, "removed", a, None, start_module=_start_module(a))
        for a in old.apps
        if new.app(a.name) is None
    )
    return ReleaseDiff(old, new, tuple(apps))
