"""A release root on disk, like an OTP target system: layout, creation, removal.

Layout (the release tree layout of :mod:`relup.spec.toml_release`, several releases)::

    releases/RELEASES.toml          the state file (relup.release.store)
    releases/<vsn>/release.toml     one directory per release the root holds
    releases/<vsn>/relup            its upgrade plan, if it has one
    releases/<vsn>/SHA256SUMS       digests of the release's files, root-relative
    lib/<app>-<vsn>/                one directory per application version, shared
                                    by every release that names it

A node runs from a root; the release handler (``relup.release.handler``) changes
it through the functions here and in :mod:`relup.release.package`.

Crash safety: the state file never names a release whose files are not all in
place. Unpacking renames whole directories into place before recording the
release; removing forgets the release first, then renames its directories into a
hidden ``.relup-remove-*`` directory and deletes that. A crash leaves at worst
directories no release names (and hidden ``.relup-*`` directories), which the next
unpack of the same release replaces or reuses.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from relup.release.package import SKIPPED_DIRS, SUMS_FILE, parse_sums, place_release, verify_package
from relup.release.status import Action, Status
from relup.release.store import (
    REAL_FS,
    STATE_FILE,
    FileSystem,
    ReleaseEntry,
    ReleaseError,
    ReleaseReason,
    ReleaseStore,
    UnsafeName,
    find_release,
    is_safe_name,
    transition,
)
from relup.spec.toml_release import APP_FILE, RELEASE_FILE, AppManifest, ReleaseManifest

_STATE_TMP = re.compile(rf"\.{re.escape(STATE_FILE)}\..*\.tmp")


@dataclass(frozen=True)
class RootNotEmpty(ReleaseReason):
    path: Path
    detail: str

    def describe(self) -> str:
        return f"{self.path} is not a release root and not empty ({self.detail})"

    @property
    def hint(self) -> str | None:
        return "create a release root in a new or empty directory"


@dataclass(frozen=True)
class RootInUse(ReleaseReason):
    path: Path
    releases: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.path} is already a release root (releases {', '.join(self.releases)})"

    @property
    def hint(self) -> str | None:
        return "unpack new releases into it instead of creating it again"


@dataclass(frozen=True)
class FilesChanged(ReleaseReason):
    vsn: str
    detail: str

    def describe(self) -> str:
        return f"the files of release {self.vsn!r} do not match its SHA256SUMS: {self.detail}"

    @property
    def hint(self) -> str | None:
        return f"check from the root with: sha256sum -c releases/{self.vsn}/{SUMS_FILE}"


class ReleaseRoot:
    """The paths of a release root and its state store; reading only, no caching."""

    def __init__(self, path: str | Path, *, fs: FileSystem = REAL_FS) -> None:
        self.path = Path(path)
        self.fs = fs
        self.store = ReleaseStore(self.releases_dir / STATE_FILE, fs=fs)

    def __repr__(self) -> str:
        return f"ReleaseRoot({str(self.path)!r})"

    @property
    def releases_dir(self) -> Path:
        return self.path / "releases"

    @property
    def lib_root(self) -> Path:
        """``lib/``, which holds every application version's directory."""
        return self.path / "lib"

    def release_dir(self, vsn: str) -> Path:
        if not is_safe_name(vsn):
            raise ReleaseError(UnsafeName("release version", vsn))
        return self.releases_dir / vsn

    def lib_dir(self, app: str, vsn: str) -> Path:
        if not is_safe_name(app) or not is_safe_name(vsn):
            raise ReleaseError(UnsafeName("application directory", f"{app}-{vsn}"))
        return self.lib_root / f"{app}-{vsn}"

    def module_path(self, app: str, vsn: str, module: str) -> Path:
        if not is_safe_name(module):
            raise ReleaseError(UnsafeName("module", module))
        return self.lib_dir(app, vsn) / f"{module}.py"

    def relup_path(self, vsn: str) -> Path:
        return self.release_dir(vsn) / "relup"

    def sums_path(self, vsn: str) -> Path:
        return self.release_dir(vsn) / SUMS_FILE

    def manifest(self, vsn: str) -> ReleaseManifest:
        return ReleaseManifest.read(self.release_dir(vsn) / RELEASE_FILE)

    def app_manifest(self, app: str, vsn: str) -> AppManifest:
        return AppManifest.read(self.lib_dir(app, vsn) / APP_FILE)

    def releases(self) -> tuple[ReleaseEntry, ...]:
        """The releases the state file lists, newest first."""
        return self.store.read()


def _blank(path: Path) -> str | None:
    """Why `path` cannot become a new root, or None if it is missing or empty.

    Empty ``releases/`` and ``lib/`` directories (and a temporary state file) count as
    empty: they are what an interrupted :func:`init_root` leaves.
    """
    if not os.path.lexists(path):
        return None
    if path.is_symlink() or not path.is_dir():
        return "not a directory"
    for entry in sorted(path.iterdir()):
        if entry.name not in ("releases", "lib") or entry.is_symlink() or not entry.is_dir():
            return f"it holds {entry.name}"
        for inner in entry.iterdir():
            if entry.name == "lib" or not _STATE_TMP.fullmatch(inner.name):
                return f"it holds {entry.name}/{inner.name}"
    return None


def init_root(path: str | Path, package: str | Path, *, fs: FileSystem = REAL_FS) -> ReleaseRoot:
    """Create a release root at `path` from `package`, whose release becomes permanent.

    `path` must be missing, an empty directory, or a root with no release yet (an
    interrupted init). Like OTP's ``create_RELEASES``, the release is recorded as
    permanent at once: it is what the node boots.
    """
    pkg = verify_package(package)
    root = ReleaseRoot(path, fs=fs)
    if root.store.exists():
        existing = root.store.read()
        if existing:
            raise ReleaseError(RootInUse(root.path, tuple(r.vsn for r in existing)))
    else:
        problem = _blank(root.path)
        if problem:
            raise ReleaseError(RootNotEmpty(root.path, problem))
        root.releases_dir.mkdir(parents=True, exist_ok=True)
        root.lib_root.mkdir(exist_ok=True)
        root.store.write(())
    place_release(root, pkg)
    root.store.write((ReleaseEntry.from_manifest(pkg.manifest, Status.PERMANENT),))
    return root


def remove_release(root: ReleaseRoot, vsn: str) -> tuple[ReleaseEntry, ...]:
    """Remove release `vsn` and the lib directories no other release uses (OTP §4.7).

    The permanent release cannot be removed. The state is rewritten first, so a crash
    leaves only directories no release names. Returns the new state.
    """
    releases = root.store.read()
    entry = find_release(releases, vsn)
    remaining = transition(releases, vsn, Action.REMOVE)
    used = {app for r in remaining for app in r.apps}
    root.store.write(remaining)
    doomed = [
        root.lib_dir(app, app_vsn) for app, app_vsn in entry.apps if (app, app_vsn) not in used
    ]
    doomed.append(root.release_dir(vsn))
    trash = Path(tempfile.mkdtemp(prefix=".relup-remove-", dir=root.path))
    for n, directory in enumerate(doomed):
        if os.path.lexists(directory):
            root.fs.replace(directory, trash / f"{n}-{directory.name}")
    root.fs.fsync_dir(root.lib_root)
    root.fs.fsync_dir(root.releases_dir)
    root.fs.remove_tree(trash)
    return remaining


def which_releases(root: ReleaseRoot, status: Status | None = None) -> tuple[ReleaseEntry, ...]:
    """The root's releases, newest first, as the state file records them; optionally one status.

    Read from disk, so ``current`` never appears: the running node knows which
    release is current. (OTP's ``which_releases(Status)`` also reverses the list; this
    keeps the order.)
    """
    releases = root.store.read()
    return releases if status is None else tuple(r for r in releases if r.status is status)


def verify_release(root: ReleaseRoot, vsn: str) -> None:
    """Check release `vsn`'s files on disk against its SHA256SUMS; ReleaseError if they differ.

    ``__pycache__`` directories (written when a node imports the modules) are ignored.
    """
    entry = find_release(root.store.read(), vsn)
    sums_path = root.sums_path(vsn)
    try:
        listed = parse_sums(sums_path.read_text(encoding="utf-8"), str(sums_path))
    except (OSError, UnicodeDecodeError, ReleaseError) as e:
        raise ReleaseError(FilesChanged(vsn, f"cannot read {sums_path}: {e}")) from None
    found: set[str] = set()
    for top in [f"releases/{vsn}", *(f"lib/{lib}" for lib in entry.libs)]:
        for dirpath, dirnames, filenames in os.walk(root.path / top):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
            for name in filenames:
                found.add(Path(dirpath, name).relative_to(root.path).as_posix())
    found.discard(f"releases/{vsn}/{SUMS_FILE}")
    for member in sorted(found | set(listed)):
        if member not in listed:
            raise ReleaseError(FilesChanged(vsn, f"{member} is not listed"))
        path = root.path / member
        if path.is_symlink() or not path.is_file():
            raise ReleaseError(FilesChanged(vsn, f"{member} is missing or not a regular file"))
        if hashlib.sha256(path.read_bytes()).hexdigest() != listed[member]:
            raise ReleaseError(FilesChanged(vsn, f"{member} differs"))
