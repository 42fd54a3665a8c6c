"""Boot a sample release on a node and install its relups, as a release handler would.

A sample is a Python release tree under ``sample_releases/`` (docs/release-format.md).
:func:`boot` loads every module of every application of one release from its
``lib/<app>-<vsn>/`` and starts the applications in release order;
:class:`Installer` evaluates the relup step between two releases with
:class:`relup.release.evaluate.Evaluator`, mapping ``{apply, {M, F, A}}`` the way
the release handler does (``supervisor``, ``gen_server`` and ``application`` to
the runtime, anything else to the current version of a loaded module).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from inspect import isawaitable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from relup.cli import app as cli
from relup.plan import instructions as ins
from relup.release import term_mapping
from relup.release.evaluate import Evaluator, Outcome, parse_script
from relup.runtime import AppSpec, Node, gen_server, supervisor
from relup.spec.appup import Appup
from relup.spec.relup_file import RelupFile
from relup.spec.toml_release import AppManifest, ReleaseManifest
from relup.terms import Atom, Term, read_first_term
from tests.conftest import REPO

SAMPLES = REPO / "sample_releases"

#: Bound for each ``apply`` that calls a process (OTP's would wait for ever).
APPLY_TIMEOUT = 5.0


@dataclass(frozen=True)
class SampleTree:
    """One sample's release tree: ``releases/<vsn>/`` and ``lib/<app>-<vsn>/``."""

    root: Path

    @classmethod
    def named(cls, name: str) -> SampleTree:
        return cls(SAMPLES / name)

    def release(self, vsn: str) -> ReleaseManifest:
        return ReleaseManifest.read(self.root / "releases" / vsn / "release.toml")

    def app_dir(self, app: str, vsn: str) -> Path:
        return self.root / "lib" / f"{app}-{vsn}"

    def app(self, app: str, vsn: str) -> AppManifest:
        return AppManifest.read(self.app_dir(app, vsn) / "app.toml")

    def locate(self, app: str, vsn: str, module: str) -> Path:
        """Where the evaluator finds a module of an application version."""
        return self.app_dir(app, vsn) / f"{module}.py"

    def app_spec(self, release_vsn: str, app: str, **env: Any) -> AppSpec:
        """The application as release ``release_vsn`` runs it: app.toml, then its config."""
        release = self.release(release_vsn)
        vsn = next(a.vsn for a in release.apps if a.name == app)
        manifest = self.app(app, vsn)
        return AppSpec(
            name=app,
            vsn=vsn,
            description=manifest.description,
            modules=manifest.modules,
            applications=manifest.applications,
            mod=None if manifest.start is None else (manifest.start, list(manifest.start_args)),
            env={**manifest.env, **release.config.get(app, {}), **env},
        )

    def relup(self, vsn: str) -> RelupFile:
        path = self.root / "releases" / vsn / "relup"
        return RelupFile.from_term(read_first_term(path), str(path))

    def script(self, from_vsn: str, to_vsn: str) -> list[ins.Instruction]:
        """The step from one release to another: the target's up entry, else our down entry."""
        target = self.root / "releases" / to_vsn / "relup"
        entry = self.relup(to_vsn).entry("up", from_vsn) if target.exists() else None
        if entry is None:
            entry = self.relup(from_vsn).entry("down", to_vsn)
        assert entry is not None, f"no relup step from {from_vsn} to {to_vsn}"
        return parse_script(entry.instructions)

    def appup(self, app: str, vsn: str) -> Appup:
        path = self.app_dir(app, vsn) / f"{app}.appup"
        return Appup.from_term(read_first_term(path), str(path))

    def changed_modules(self, app: str, old: str, new: str) -> set[str]:
        """Modules added, removed, or whose source differs between two versions of ``app``."""
        before, after = set(self.app(app, old).modules), set(self.app(app, new).modules)
        same = {
            m
            for m in before & after
            if self.locate(app, old, m).read_bytes() == self.locate(app, new, m).read_bytes()
        }
        return (before | after) - same


def appup_modules(tree: SampleTree, app: str, vsn: str, direction: str, base: str) -> set[str]:
    """The modules that an appup entry names in update/load_module/add_module/delete_module."""
    script = tree.appup(app, vsn).script(direction, base)
    assert isinstance(script, list), f"{app} {vsn} has no {direction} entry for {base}"
    tags = {"update", "load_module", "add_module", "delete_module"}
    return {
        i[1].name
        for i in script
        if isinstance(i, tuple)
        and isinstance(i[0], Atom)
        and i[0].name in tags
        and isinstance(i[1], Atom)
    }


def generate(tree: SampleTree, vsn: str, base: str, tmp_path: Path) -> Term:
    """The relup ``relup generate`` makes today for ``vsn``, up from and down to ``base``."""
    copy = tmp_path / tree.root.name
    shutil.copytree(tree.root, copy)
    out = tmp_path / "relup"
    other = str(copy / "releases" / base)
    args = ["generate", str(copy / "releases" / vsn), "--up-from", other, "--down-to", other]
    result = CliRunner().invoke(cli, [*args, "-o", str(out)])
    assert 0 == result.exit_code, result.output
    return read_first_term(out)


def committed_relup(tree: SampleTree, vsn: str) -> Term:
    return read_first_term(tree.root / "releases" / vsn / "relup")


async def boot(node: Node, tree: SampleTree, vsn: str, **env: Mapping[str, Any]) -> None:
    """Load every module of release ``vsn`` and start its applications in release order.

    Modules are loaded in the order app.toml lists them, as the release handler boots.

    ``env`` overrides application environments: ``kv={"port": 7000}``.
    """
    release = tree.release(vsn)
    apps = [tree.app(a.name, a.vsn) for a in release.apps]
    for manifest in apps:
        for module in manifest.modules:
            node.code.load(module, tree.locate(manifest.name, manifest.vsn, module))
    for manifest in apps:
        node.apps.load(tree.app_spec(vsn, manifest.name, **env.get(manifest.name, {})))
        await node.apps.start(manifest.name)


class Installer:
    """Evaluates relup steps on ``node``, as the release handler's install_release does."""

    def __init__(self, node: Node, tree: SampleTree) -> None:
        self.node = node
        self.tree = tree
        self.target = ""

    async def install(self, from_vsn: str, to_vsn: str) -> Outcome:
        self.target = to_vsn
        evaluator = Evaluator(
            self.node,
            self.tree.locate,
            apply=self.apply,
            to_python=lambda term: term_mapping.from_term(term, node=self.node),
        )
        return await evaluator.run(self.tree.script(from_vsn, to_vsn))

    async def apply(self, module: str, function: str, args: list[Any]) -> Any:
        """``{apply, {M, F, A}}``: OTP's modules map to the runtime, others to loaded code."""
        if module == "application":
            return await self._application(function, *args)
        if module in ("supervisor", "gen_server"):
            target = supervisor if module == "supervisor" else gen_server
            result = getattr(target, function)(*args)  # gen_server.cast returns at once
            return await asyncio.wait_for(result, APPLY_TIMEOUT) if isawaitable(result) else result
        return await term_mapping.apply(self.node, module, function, args)

    async def _application(self, function: str, name: str, *_start_type: str) -> None:
        apps = self.node.apps
        if function in ("load", "start") and name not in apps.loaded:
            apps.load(self.tree.app_spec(self.target, name))
        if function == "start":
            await apps.start(name)
        elif function == "stop":
            await apps.stop(name)
        elif function == "unload":
            apps.unload(name)
        elif function != "load":
            raise ValueError(f"application:{function} is not mapped")
