"""Builders for the release tests: small Python release trees, packages, hostile tars, snapshots.

Every tree is built in a temporary directory from a short description, so a test
states exactly which releases and application versions it needs.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tarfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from relup.release.package import pack
from relup.release.root import ReleaseRoot, init_root
from relup.release.store import FileSystem
from relup.spec.rel import RelApp
from relup.spec.toml_release import AppManifest, ReleaseManifest

#: The applications of each version of the "shop" release the tests use:
#: base never changes, shop changes in every release.
SHOP: Mapping[str, Sequence[tuple[str, str]]] = {
    "1.0.0": (("shop", "1.0.0"), ("base", "1.0")),
    "2.0.0": (("shop", "2.0.0"), ("base", "1.0")),
    "3.0.0": (("shop", "3.0.0"), ("base", "1.0")),
}


def write_release(
    tree: Path,
    vsn: str,
    apps: Sequence[tuple[str, str]],
    *,
    name: str = "shop",
    python: str = "3.11",
    relup: bool = True,
) -> Path:
    """Add release `vsn` naming `apps` to the release tree at `tree` (created as needed).

    Each application gets an app.toml, one module file per module (``<app>_srv``,
    ``<app>_sup``) and an appup; an application directory already in the tree is kept.
    """
    release_dir = tree / "releases" / vsn
    release_dir.mkdir(parents=True)
    manifest = ReleaseManifest(name, vsn, python, tuple(RelApp(a, v) for a, v in apps))
    (release_dir / "release.toml").write_text(manifest.dumps(), encoding="utf-8")
    if relup:
        (release_dir / "relup").write_text(f'%% coding: utf-8\n{{"{vsn}", [], []}}.\n')
    for app, app_vsn in apps:
        write_app(tree, app, app_vsn)
    return tree


def write_app(tree: Path, app: str, vsn: str) -> Path:
    """Write ``lib/<app>-<vsn>/`` (app.toml, modules, appup) unless the tree has it."""
    app_dir = tree / "lib" / f"{app}-{vsn}"
    if app_dir.exists():
        return app_dir
    app_dir.mkdir(parents=True)
    modules = (f"{app}_srv", f"{app}_sup")
    manifest = AppManifest(app, vsn, modules, description=f"the {app} application")
    (app_dir / "app.toml").write_text(manifest.dumps(), encoding="utf-8")
    for module in modules:
        (app_dir / f"{module}.py").write_text(f'"""{module} {vsn}."""\n\nVSN = "{vsn}"\n')
    appup = f'{{"{vsn}", [{{".*", [{{load_module, {app}_srv}}]}}], [{{".*", []}}]}}.\n'
    (app_dir / f"{app}.appup").write_text(appup, encoding="utf-8")
    return app_dir


def shop_tree(tree: Path, versions: Iterable[str] = SHOP) -> Path:
    """A release tree holding the given versions of the shop release."""
    for vsn in versions:
        write_release(tree, vsn, SHOP[vsn])
    return tree


@dataclass(frozen=True)
class Packages:
    """Packages of the shop release, built once per test in ``out``."""

    tree: Path
    out: Path

    def __call__(self, vsn: str) -> Path:
        return pack(self.tree, vsn, self.out)


@pytest.fixture
def packages(tmp_path: Path) -> Packages:
    """Builds ``shop-<vsn>.tar.gz`` for any version of :data:`SHOP`."""
    return Packages(shop_tree(tmp_path / "tree"), tmp_path / "packages")


@pytest.fixture
def root(tmp_path: Path, packages: Packages) -> ReleaseRoot:
    """A release root created from shop 1.0.0 (permanent)."""
    return init_root(tmp_path / "root", packages("1.0.0"))


# --------------------------------------------------------------------- snapshots

Snapshot = dict[str, tuple[str, int, bytes | str | None]]


def snapshot(top: Path) -> Snapshot:
    """Path, type, mode and content (or link target) of every entry under `top`."""
    entries: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath, name)
            st = path.lstat()
            key = path.relative_to(top).as_posix()
            if stat.S_ISLNK(st.st_mode):
                entries[key] = ("link", st.st_mode, os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                entries[key] = ("dir", st.st_mode, None)
            else:
                entries[key] = ("file", st.st_mode, path.read_bytes())
    return entries


# ------------------------------------------------------------------ hostile tars

Member = tuple[tarfile.TarInfo, bytes | None]


def members_of(package: Path) -> list[Member]:
    """The members of a package with their data, to be changed and written again."""
    with tarfile.open(package, "r:gz") as tar:
        return [
            (info, tar.extractfile(info).read() if info.isreg() else None)  # type: ignore[union-attr]
            for info in tar.getmembers()
        ]


def file_member(name: str, data: bytes = b"x = 1\n", mode: int = 0o644) -> Member:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    return info, data


def special_member(name: str, kind: bytes, linkname: str = "") -> Member:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.mode = 0o644
    return info, None


def with_sums(members: Sequence[Member]) -> list[Member]:
    """`members` with their SHA256SUMS rewritten to list every regular file they hold."""
    sums = next(i.name for i, _ in members if i.name.endswith("/SHA256SUMS"))
    lines = sorted(
        f"{hashlib.sha256(data).hexdigest()}  {info.name}\n"
        for info, data in members
        if data is not None and info.isreg() and info.name != sums
    )
    return [
        file_member(sums, "".join(lines).encode()) if info.name == sums else (info, data)
        for info, data in members
    ]


def write_tar(path: Path, members: Sequence[Member]) -> Path:
    """Write `members` as a .tar.gz at `path`, exactly as given."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    path.write_bytes(buffer.getvalue())
    return path


# --------------------------------------------------------------------- crashes


class Crash(Exception):
    """Stands for the process dying: raised by :class:`CrashingFS` at its chosen step."""


class CrashingFS(FileSystem):
    """Performs file operations until step `at` (0-based), then dies before or after it.

    Once dead, every later operation raises too, so no clean-up runs: what is left
    on disk is what a killed process would leave. ``steps`` records the operations.
    """

    def __init__(self, at: int | None = None, *, after: bool = False) -> None:
        self.at = at
        self.after = after
        self.steps: list[str] = []
        self.dead = False

    def _step(self, name: str, action: Callable[[], None]) -> None:
        if self.dead:
            raise Crash(f"dead ({name})")
        n = len(self.steps)
        self.steps.append(name)
        if n == self.at and not self.after:
            self.dead = True
            raise Crash(f"before step {n} ({name})")
        action()
        if n == self.at:
            self.dead = True
            raise Crash(f"after step {n} ({name})")

    def write_new(self, path: Path, data: bytes) -> None:
        self._step(f"write {path.name}", lambda: super(CrashingFS, self).write_new(path, data))

    def replace(self, src: Path, dst: Path) -> None:
        self._step(
            f"rename {src.name} -> {dst.name}", lambda: super(CrashingFS, self).replace(src, dst)
        )

    def fsync_dir(self, path: Path) -> None:
        self._step(f"fsync {path.name}/", lambda: super(CrashingFS, self).fsync_dir(path))

    def remove(self, path: Path) -> None:
        self._step(f"remove {path.name}", lambda: super(CrashingFS, self).remove(path))

    def remove_tree(self, path: Path) -> None:
        self._step(f"remove tree {path.name}", lambda: super(CrashingFS, self).remove_tree(path))
