"""The release state of a root: ``releases/RELEASES.toml`` (OTP's ``releases/RELEASES``).

What is on disk, and why:

* One ``[[release]]`` table per release the root holds, newest first (as OTP's list):
  ``name``, ``version``, ``python``, ``applications`` (``"app-vsn"`` strings, the lib
  directories it uses) and ``status``. A ``format = 1`` key lets a later relup change
  the layout without misreading this one.
* ``status`` is ``unpacked``, ``permanent`` or ``old``. ``current`` is never written:
  it is true only while a node runs, so it is stored as ``unpacked`` (OTP's rule). A
  node restarted after an install that was never made permanent therefore boots the
  permanent release, and the new one shows as ``unpacked``.
* Every write is atomic: a temporary file in the same directory is written, flushed
  and fsynced, renamed over the state file, then the directory is fsynced. A reader
  (or a restarted node) sees the old file or the whole new one, never a mix. A crash
  can leave a stray ``.RELEASES.toml.*.tmp`` file; readers ignore it.
* Reading never guesses: a missing, unreadable or malformed file raises
  :class:`StateFileError` naming the file, and the file is left alone.

Every write goes through a :class:`FileSystem` object, so tests can stop a write at
any step (before or after the rename) and check what a restarted node would read.

The pure functions at the end (:func:`transition`, :func:`mark_permanent`,
:func:`boot_release`, ...) apply :data:`relup.release.status.TRANSITIONS` to a list
of :class:`ReleaseEntry`; the release handler keeps that list in memory (with its
``current`` release) and saves it here.

Errors::

    RelupError
    └── ReleaseError           .reason says why, as data (NoSuchRelease, BadStatus, ...)
        ├── StateFileError     the state file is missing, unreadable or malformed (.path)
        └── PackageError       a package refused (relup.release.package_reasons)
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import tomlkit
import tomlkit.exceptions

from relup.errors import RelupError
from relup.release.status import PERSISTED_AS, TRANSITIONS, Action, Status
from relup.spec.toml_release import NAME_PATTERN, ReleaseManifest, toml_syntax_error

STATE_FILE: Final = "RELEASES.toml"
FORMAT: Final = 1

_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]")
_MAX_NAME = 200


def is_safe_name(value: str) -> bool:
    """Whether `value` can name a directory of a root by itself (a version, a release).

    Not empty, no ``/``, ``\\`` or control character, not starting with ``.`` (so not
    ``.``, ``..`` or relup's own hidden files), not the state file's name.
    """
    return (
        0 < len(value.encode("utf-8", "surrogatepass")) <= _MAX_NAME
        and not value.startswith(".")
        and value != STATE_FILE
        and not _UNSAFE.search(value)
    )


# ----------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class ReleaseReason:
    """Why a release operation is refused; ``describe()`` is the message, ``hint`` the fix."""

    def describe(self) -> str:
        raise NotImplementedError

    @property
    def hint(self) -> str | None:
        return None


class ReleaseError(RelupError):
    """A release operation refused; ``reason`` says why, as data.

    ``context`` (a file, usually) is put before the reason's sentence.
    """

    def __init__(self, reason: ReleaseReason, *, context: str | None = None) -> None:
        message = reason.describe()
        super().__init__(f"{context}: {message}" if context else message)
        self.reason = reason
        self.context = context


class StateFileError(ReleaseError):
    """The state file cannot be used: missing, unreadable or malformed; ``path`` names it."""

    def __init__(self, reason: StateFileProblem) -> None:
        super().__init__(reason)
        self.path = reason.path


@dataclass(frozen=True)
class StateFileProblem(ReleaseReason):
    path: Path


@dataclass(frozen=True)
class StateFileMissing(StateFileProblem):
    def describe(self) -> str:
        return f"{self.path}: no release state file (is this a release root?)"

    @property
    def hint(self) -> str | None:
        return "create a release root with: relup init ROOT PACKAGE"


@dataclass(frozen=True)
class StateFileUnreadable(StateFileProblem):
    detail: str

    def describe(self) -> str:
        return f"{self.path}: cannot read the release state file: {self.detail}"


@dataclass(frozen=True)
class StateFileCorrupt(StateFileProblem):
    """``line`` and ``col`` (1-based) place a TOML syntax error, as in a release.toml."""

    detail: str
    line: int | None = None
    col: int | None = None

    def describe(self) -> str:
        where = f"line {self.line}, column {self.col}: " if self.line is not None else ""
        return f"{self.path}: malformed release state file: {where}{self.detail}"

    @property
    def hint(self) -> str | None:
        return "relup writes this file atomically; restore it from a backup or fix it by hand"


@dataclass(frozen=True)
class NoSuchRelease(ReleaseReason):
    vsn: str

    def describe(self) -> str:
        return f"no release {self.vsn!r} in this root"

    @property
    def hint(self) -> str | None:
        return "relup releases lists the node's releases; relup unpack PACKAGE adds one"


@dataclass(frozen=True)
class ExistingRelease(ReleaseReason):
    vsn: str

    def describe(self) -> str:
        return f"release {self.vsn!r} is already in this root"

    @property
    def hint(self) -> str | None:
        return "remove it first, or build the new release under a new version"


@dataclass(frozen=True)
class BadStatus(ReleaseReason):
    """The status table has no row for this release's status and the action (OTP bad_status)."""

    vsn: str
    status: Status
    action: Action

    def describe(self) -> str:
        action = self.action.value.replace("_", " ")
        return f"cannot {action} release {self.vsn!r}: it is {self.status.value}"

    @property
    def hint(self) -> str | None:
        if self.action is Action.REMOVE and self.status is Status.PERMANENT:
            return "make another release permanent first; the permanent release is what boots"
        if self.action is Action.MAKE_PERMANENT:
            return "install the release first; only the running release can be made permanent"
        return None


@dataclass(frozen=True)
class UnsafeName(ReleaseReason):
    """A name that would not stay one directory of the root (see :func:`is_safe_name`)."""

    what: str
    value: str

    def describe(self) -> str:
        return f"{self.what} {self.value!r} cannot name a directory of a release root"

    @property
    def hint(self) -> str | None:
        return "use a name without '/', '\\' or control characters that does not start with '.'"


@dataclass(frozen=True)
class NoPermanentRelease(ReleaseReason):
    def describe(self) -> str:
        return "no release is permanent: there is nothing to boot"


@dataclass(frozen=True)
class InvalidState(ReleaseReason):
    detail: str

    def describe(self) -> str:
        return f"refusing to write an invalid release state: {self.detail}"


# ---------------------------------------------------------------------------- entries


@dataclass(frozen=True, slots=True)
class ReleaseEntry:
    """One release of a root, as the state file lists it (OTP's ``#release{}``)."""

    name: str
    vsn: str
    python: str
    apps: tuple[tuple[str, str], ...]  # (application, version) in release order
    status: Status

    @property
    def libs(self) -> tuple[str, ...]:
        """The lib directory names the release uses: ``"app-vsn"``."""
        return tuple(f"{app}-{vsn}" for app, vsn in self.apps)

    @classmethod
    def from_manifest(cls, manifest: ReleaseManifest, status: Status) -> ReleaseEntry:
        apps = tuple((a.name, a.vsn) for a in manifest.apps)
        return cls(manifest.name, manifest.vsn, manifest.python, apps, status)

    def with_status(self, status: Status) -> ReleaseEntry:
        return replace(self, status=status)


def _problems(releases: Sequence[ReleaseEntry]) -> str | None:
    """What makes `releases` an impossible state, or None."""
    seen: set[str] = set()
    for r in releases:
        if not is_safe_name(r.vsn):
            return f"version {r.vsn!r} cannot name a directory"
        if r.vsn in seen:
            return f"release {r.vsn!r} is listed twice"
        seen.add(r.vsn)
        for app, vsn in r.apps:
            if not NAME_PATTERN.match(app) or not is_safe_name(vsn):
                return f"release {r.vsn!r}: bad application {app}-{vsn}"
    permanent = [r.vsn for r in releases if r.status is Status.PERMANENT]
    if len(permanent) > 1:
        return f"more than one permanent release: {', '.join(permanent)}"
    return None


# ------------------------------------------------------------------------ file system


class FileSystem:
    """The file operations the state writes (and unpack/remove) go through.

    Tests replace it with one that stops at a chosen step, as a crash would.
    """

    def write_new(self, path: Path, data: bytes) -> None:
        """Create `path` (it must not exist), write `data`, flush and fsync it."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    def replace(self, src: Path, dst: Path) -> None:
        """Rename `src` to `dst` (a file or a directory), atomically on one file system."""
        os.replace(src, dst)

    def fsync_dir(self, path: Path) -> None:
        """Make the entries of directory `path` (creations, renames) durable."""
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def remove(self, path: Path) -> None:
        """Delete the file `path`."""
        os.unlink(path)

    def remove_tree(self, path: Path) -> None:
        """Delete the directory `path` and everything in it."""
        shutil.rmtree(path)


REAL_FS: Final = FileSystem()


def write_atomic(path: Path, data: bytes, fs: FileSystem = REAL_FS) -> None:
    """Replace `path` by `data` so that readers see the old file or the whole new one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fs.write_new(tmp, data)
        fs.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(Exception):
            fs.remove(tmp)
        raise
    fs.fsync_dir(path.parent)


# ------------------------------------------------------------------------------ store


class ReleaseStore:
    """Reads and writes one root's state file; holds no state of its own."""

    def __init__(self, path: str | Path, *, fs: FileSystem = REAL_FS) -> None:
        self.path = Path(path)
        self.fs = fs

    def __repr__(self) -> str:
        return f"ReleaseStore({str(self.path)!r})"

    def exists(self) -> bool:
        return self.path.is_file()

    def read(self) -> tuple[ReleaseEntry, ...]:
        """The releases of the root, newest first; raise StateFileError if unusable."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            raise StateFileError(StateFileMissing(self.path)) from None
        except OSError as e:
            raise StateFileError(StateFileUnreadable(self.path, e.strerror or str(e))) from None
        return parse_state(data, self.path)

    def write(self, releases: Sequence[ReleaseEntry]) -> None:
        """Atomically replace the state file by `releases` (``current`` written as unpacked)."""
        problem = _problems(releases)
        if problem:
            raise ReleaseError(InvalidState(problem))
        write_atomic(self.path, dump_state(releases).encode("utf-8"), self.fs)


def dump_state(releases: Sequence[ReleaseEntry]) -> str:
    """The text of a state file listing `releases`."""
    doc = tomlkit.document()
    doc.add(tomlkit.comment("Release state of this root, written by relup; newest first."))
    doc.add(tomlkit.comment('"current" is never written: a running, not permanent release'))
    doc.add(
        tomlkit.comment('is stored as "unpacked", so a restarted node boots the permanent one.')
    )
    doc.add("format", FORMAT)
    if releases:
        entries = tomlkit.aot()
        for r in releases:
            table = tomlkit.table()
            table.add("name", r.name)
            table.add("version", r.vsn)
            table.add("python", r.python)
            table.add("applications", list(r.libs))
            table.add("status", PERSISTED_AS[r.status].value)
            entries.append(table)
        doc.add("release", entries)
    return tomlkit.dumps(doc)


_ON_DISK = {s.value: s for s in set(PERSISTED_AS.values())}
_KEYS = ("name", "version", "python", "applications", "status")


def parse_state(data: bytes, path: Path) -> tuple[ReleaseEntry, ...]:
    """The releases a state file's bytes list; raise StateFileError if malformed."""

    def corrupt(detail: str) -> StateFileError:
        return StateFileError(StateFileCorrupt(path, detail))

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise corrupt("not UTF-8 text") from None
    try:
        doc = tomlkit.parse(text).unwrap()
    except tomlkit.exceptions.TOMLKitError as e:
        syntax = toml_syntax_error(e, text, str(path))
        raise StateFileError(
            StateFileCorrupt(path, syntax.message, syntax.line, syntax.col)
        ) from None
    except ValueError as e:
        raise corrupt(str(e)) from None
    if doc.get("format") != FORMAT:
        raise corrupt(f"expected format = {FORMAT}, got {doc.get('format')!r}")
    unknown = set(doc) - {"format", "release"}
    if unknown:
        raise corrupt(f"unknown keys {sorted(unknown)}")
    raw = doc.get("release", [])
    if not isinstance(raw, list):
        raise corrupt("release must be an array of tables ([[release]])")
    releases = tuple(_entry(item, n, corrupt) for n, item in enumerate(raw, 1))
    problem = _problems(releases)
    if problem:
        raise corrupt(problem)
    return releases


def _entry(item: Any, n: int, corrupt: Callable[[str], StateFileError]) -> ReleaseEntry:
    where = f"release {n}"
    if not isinstance(item, Mapping):
        raise corrupt(f"{where}: expected a table")
    if set(item) != set(_KEYS):
        raise corrupt(f"{where}: expected exactly the keys {', '.join(_KEYS)}")
    for key in ("name", "version", "python", "status"):
        if not isinstance(item[key], str) or not item[key]:
            raise corrupt(f"{where}: {key} must be a non-empty string")
    status = _ON_DISK.get(item["status"])
    if status is None:
        raise corrupt(
            f"{where}: status must be unpacked, permanent or old, got {item['status']!r}"
            + (" (current is never written)" if item["status"] == "current" else "")
        )
    libs = item["applications"]
    if not isinstance(libs, list) or not all(isinstance(lib, str) for lib in libs):
        raise corrupt(f'{where}: applications must be a list of "app-vsn" strings')
    apps = []
    for lib in libs:
        app, sep, vsn = lib.partition("-")
        if not sep:
            raise corrupt(f'{where}: application {lib!r} is not "app-vsn"')
        apps.append((app, vsn))
    return ReleaseEntry(item["name"], item["version"], item["python"], tuple(apps), status)


# ----------------------------------------------------------------- pure state changes


def find_release(releases: Sequence[ReleaseEntry], vsn: str) -> ReleaseEntry:
    """The entry of release `vsn`; ReleaseError(NoSuchRelease) if there is none."""
    for r in releases:
        if r.vsn == vsn:
            return r
    raise ReleaseError(NoSuchRelease(vsn))


def add_release(releases: Sequence[ReleaseEntry], entry: ReleaseEntry) -> tuple[ReleaseEntry, ...]:
    """`releases` with `entry` first, as the ``(None, UNPACK)`` row makes it."""
    if any(r.vsn == entry.vsn for r in releases):
        raise ReleaseError(ExistingRelease(entry.vsn))
    row = TRANSITIONS[(None, Action.UNPACK)]
    assert row.to is not None
    return (entry.with_status(row.to), *releases)


def transition(
    releases: Sequence[ReleaseEntry], vsn: str, action: Action
) -> tuple[ReleaseEntry, ...]:
    """`releases` after `action` on release `vsn`, by the status table; nothing changes on refusal.

    Raises ReleaseError with NoSuchRelease, or BadStatus when the table has no row for
    the release's status and `action`. UNPACK adds a release: see :func:`add_release`.
    """
    if action is Action.UNPACK:
        raise ValueError("unpack adds a release: use add_release()")
    entry = find_release(releases, vsn)
    row = TRANSITIONS.get((entry.status, action))
    if row is None:
        raise ReleaseError(BadStatus(vsn, entry.status, action))
    changed = []
    for r in releases:
        if r.vsn == vsn:
            if row.to is not None:
                changed.append(r.with_status(row.to))
        else:
            changed.append(r.with_status(row.others.get(r.status, r.status)))
    return tuple(changed)


def mark_permanent(releases: Sequence[ReleaseEntry], vsn: str) -> tuple[ReleaseEntry, ...]:
    """`releases` with `vsn` permanent, the previous permanent one old; `vsn` must be current."""
    return transition(releases, vsn, Action.MAKE_PERMANENT)


def set_status(
    releases: Sequence[ReleaseEntry], vsn: str, status: Status
) -> tuple[ReleaseEntry, ...]:
    """`releases` with `vsn` set to `status` regardless of the table (OTP's ``set_*`` bookkeeping).

    The result must still be a possible state (at most one permanent release).
    """
    find_release(releases, vsn)
    changed = tuple(r.with_status(status) if r.vsn == vsn else r for r in releases)
    problem = _problems(changed)
    if problem:
        raise ReleaseError(InvalidState(problem))
    return changed


def after_restart(releases: Sequence[ReleaseEntry]) -> tuple[ReleaseEntry, ...]:
    """What a restarted node knows: every status as the state file records it."""
    return tuple(r.with_status(PERSISTED_AS[r.status]) for r in releases)


def boot_release(releases: Sequence[ReleaseEntry]) -> ReleaseEntry:
    """The release a node boots: the permanent one (OTP's start_erl.data / init restart)."""
    for r in releases:
        if r.status is Status.PERMANENT:
            return r
    raise ReleaseError(NoPermanentRelease())
