"""Release packages: build one from a release tree, check one, unpack one into a root.

A package, ``<name>-<vsn>.tar.gz``, holds one release in the release tree layout
(:mod:`relup.spec.toml_release`)::

    releases/<vsn>/release.toml     the release manifest
    releases/<vsn>/relup            its upgrade plan, if the tree has one
    releases/<vsn>/SHA256SUMS       a sha256sum line for every other file
    lib/<app>-<vsn>/...             every application version the release names

:func:`pack` writes the same bytes for the same tree: members sorted by path,
regular files only, mtime 0, uid/gid 0, no owner names, modes 0644 (0755 if the
source is executable), a gzip header without name or time. ``__pycache__``
directories are left out (bytecode belongs to the machine that made it).

Strategy of :func:`unpack` -- nothing is written until the whole package is known
to be good, and a refusal leaves ``releases/`` and ``lib/`` exactly as they were:

1. :func:`verify_package` reads the package as a stream, in memory: gzip and tar
   must read to the end (a truncated or corrupt file is refused); every member must
   be a regular file or a directory with a relative path, no ``..``, no duplicate,
   and lie under ``releases/<vsn>/`` or ``lib/<app>-<vsn>/`` of an application the
   release names; there must be exactly one ``release.toml`` and it must parse; the
   ``SHA256SUMS`` must list every other file, and nothing else, with its digest.
2. The release must be new to the root, and a ``lib/<app>-<vsn>/`` the root already
   has must hold exactly the package's files (an application version never changes).
3. The package is read a second time and extracted into a staging directory inside
   the root (same file system), each file checked against the digest of step 1 and
   the whole file against its step-1 digest; then each directory is renamed into
   place (new lib directories first, the release directory last) and the release is
   recorded as unpacked. A crash in between leaves directories no state names; the
   next unpack of the same package replaces or reuses them.

:func:`extract` writes a verified package's files into an empty directory instead of
a root (``relup check`` reads OLD and NEW from there), with the checks of step 3.

A refused package raises :class:`~relup.release.package_reasons.PackageError`; its
reasons are defined in :mod:`relup.release.package_reasons`.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import re
import stat
import tarfile
import tempfile
import zlib
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

from relup.errors import SpecError
from relup.release.package_reasons import (
    AbsolutePath,
    BadChecksumLine,
    BadManifest,
    ChecksumMismatch,
    ConflictingLib,
    Corrupt,
    Duplicate,
    HardLink,
    ManifestMismatch,
    MissingApp,
    MissingAppDir,
    MissingListed,
    NoChecksums,
    NoRelease,
    NotEmptyTarget,
    NotGzip,
    NotPackable,
    OutsideRelease,
    PackageChanged,
    PackageError,
    ParentReference,
    PathConflict,
    ReleaseNotInTree,
    SpecialFile,
    Symlink,
    TwoReleases,
    Unlisted,
    Unreadable,
)
from relup.release.status import Status
from relup.release.store import (
    REAL_FS,
    ExistingRelease,
    ReleaseEntry,
    ReleaseError,
    UnsafeName,
    add_release,
    is_safe_name,
)
from relup.spec.toml_release import APP_FILE, RELEASE_FILE, AppManifest, ReleaseManifest

if TYPE_CHECKING:
    from relup.release.root import ReleaseRoot
    from relup.spec.rel import RelApp

SUMS_FILE: Final = "SHA256SUMS"
SKIPPED_DIRS: Final = frozenset({"__pycache__"})
_MTIME: Final = 0
_CHUNK: Final = 1 << 16
#: Files kept in memory while verifying (manifests, checksums) must be smaller than this.
_KEPT_LIMIT: Final = 1 << 20
_KEPT = re.compile(
    rf"releases/[^/]+/({re.escape(RELEASE_FILE)}|{SUMS_FILE})|lib/[^/]+/{re.escape(APP_FILE)}"
)
_SUMS_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *](.+)")
_FILE_TYPES = (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.CONTTYPE)


# ------------------------------------------------------------------------ reading


@dataclass(frozen=True, slots=True)
class PackageFile:
    """A regular file of a package: its digest, size and whether it is executable."""

    path: str
    sha256: str
    size: int
    executable: bool


@dataclass(frozen=True, slots=True)
class Package:
    """A package that passed every check of :func:`verify_package`."""

    path: Path
    manifest: ReleaseManifest
    files: Mapping[str, PackageFile]  # every regular file, SHA256SUMS included
    dirs: frozenset[str]  # directory members (a package need not have any)
    sha256: str  # of the .tar.gz file

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def vsn(self) -> str:
        return self.manifest.vsn


_READ_ERRORS = (tarfile.TarError, EOFError, OSError, zlib.error)


@dataclass(slots=True)
class _Member:
    name: str  # normalized: no '.' or empty components, no trailing '/'
    raw: str
    is_dir: bool
    mode: int
    data: IO[bytes] | None
    package: Path

    def chunks(self) -> Iterator[bytes]:
        """The member's data; a read error is the package's fault (truncated, corrupt)."""
        if self.data is None:
            return
        while True:
            try:
                chunk = self.data.read(_CHUNK)
            except _READ_ERRORS as e:
                raise PackageError(Corrupt(str(e) or type(e).__name__), path=self.package) from None
            if not chunk:
                return
            yield chunk


class _HashingReader(io.RawIOBase):
    """A read-only stream that digests what passes through it."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(buffer))
        self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)


def _normalize(raw: str) -> str:
    if raw.startswith("/"):
        raise PackageError(AbsolutePath(raw))
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise PackageError(ParentReference(raw))
    return "/".join(parts)


def _check_kind(info: tarfile.TarInfo) -> None:
    if info.type in _FILE_TYPES or info.isdir():
        return
    if info.issym():
        raise PackageError(Symlink(info.name, info.linkname))
    if info.islnk():
        raise PackageError(HardLink(info.name, info.linkname))
    kinds = {
        tarfile.CHRTYPE: "character device",
        tarfile.BLKTYPE: "block device",
        tarfile.FIFOTYPE: "fifo",
        tarfile.GNUTYPE_SPARSE: "sparse file",
    }
    raise PackageError(SpecialFile(info.name, kinds.get(info.type, f"tar type {info.type!r}")))


class _Stream:
    """One pass over a package's members, each checked on its own; ``sha256`` at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sha256 = ""

    def members(self) -> Generator[_Member, None, None]:
        try:
            raw = self.path.open("rb")
        except OSError as e:
            raise PackageError(Unreadable(e.strerror or str(e)), path=self.path) from None
        with raw:
            if raw.read(2) != b"\x1f\x8b":
                raise PackageError(NotGzip(), path=self.path)
            raw.seek(0)
            hashing = _HashingReader(raw)
            with gzip.GzipFile(fileobj=hashing, mode="rb") as gz:
                try:
                    tar = tarfile.open(fileobj=gz, mode="r|")  # noqa: SIM115 (closed below)
                    for info in self._infos(tar):
                        try:
                            name = _normalize(info.name)
                            _check_kind(info)
                        except PackageError as e:
                            raise PackageError(e.reason, path=self.path) from None
                        data = None if info.isdir() else tar.extractfile(info)
                        yield _Member(name, info.name, info.isdir(), info.mode, data, self.path)
                    tar.close()
                    while gz.read(_CHUNK):  # to the end: gzip CRC and length, truncation
                        pass
                    while hashing.read(_CHUNK):
                        pass
                except _READ_ERRORS as e:
                    detail = str(e) or type(e).__name__
                    raise PackageError(Corrupt(detail), path=self.path) from None
            self.sha256 = hashing.digest.hexdigest()

    @staticmethod
    def _infos(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
        while (info := tar.next()) is not None:
            yield info


def verify_package(path: str | Path) -> Package:
    """Read and check the package at `path` entirely, writing nothing; see the module's rules."""
    path = Path(path)
    stream = _Stream(path)
    dirs: set[str] = set()
    files: dict[str, PackageFile] = {}
    kept: dict[str, bytes] = {}
    with contextlib.closing(stream.members()) as members:
        for m in members:
            if m.name in dirs or m.name in files:
                raise PackageError(Duplicate(m.raw), path=path)
            if m.is_dir:
                dirs.add(m.name)
                continue
            if not m.name:
                raise PackageError(OutsideRelease(m.raw, "<vsn>"), path=path)
            digest, size, keep = hashlib.sha256(), 0, _KEPT.fullmatch(m.name) is not None
            buffer = bytearray()
            for chunk in m.chunks():
                digest.update(chunk)
                size += len(chunk)
                if keep and size <= _KEPT_LIMIT:
                    buffer += chunk
            if keep and size <= _KEPT_LIMIT:
                kept[m.name] = bytes(buffer)
            files[m.name] = PackageFile(m.name, digest.hexdigest(), size, bool(m.mode & 0o111))
    dirs.discard("")
    try:
        manifest = _check_contents(files, dirs, kept)
    except PackageError as e:
        raise PackageError(e.reason, path=path) from None
    return Package(path, manifest, files, frozenset(dirs), stream.sha256)


def _text(kept: Mapping[str, bytes], member: str) -> str:
    if member not in kept:
        raise PackageError(BadManifest(f"{member}: larger than {_KEPT_LIMIT} bytes"))
    try:
        return kept[member].decode("utf-8")
    except UnicodeDecodeError:
        raise PackageError(BadManifest(f"{member}: not UTF-8 text")) from None


def parse_sums(text: str, member: str = SUMS_FILE) -> dict[str, str]:
    """The ``path -> sha256`` a SHA256SUMS text lists (sha256sum's format, no escapes)."""
    listed: dict[str, str] = {}
    for n, line in enumerate(text.split("\n"), 1):
        if not line and n == text.count("\n") + 1:
            break  # the text ends with a newline
        match = _SUMS_LINE.fullmatch(line)
        if not match or match[2] in listed:
            raise PackageError(BadChecksumLine(member, n))
        listed[match[2]] = match[1].lower()
    return listed


def _check_contents(
    files: Mapping[str, PackageFile], dirs: set[str], kept: Mapping[str, bytes]
) -> ReleaseManifest:
    releases = sorted(
        n for n in files if re.fullmatch(rf"releases/[^/]+/{re.escape(RELEASE_FILE)}", n)
    )
    if not releases:
        raise PackageError(NoRelease())
    if len(releases) > 1:
        raise PackageError(TwoReleases(tuple(releases)))
    release_member = releases[0]
    dir_vsn = release_member.split("/")[1]

    sums_member = f"releases/{dir_vsn}/{SUMS_FILE}"
    if sums_member not in files:
        raise PackageError(NoChecksums(sums_member))
    listed = parse_sums(_text(kept, sums_member), sums_member)
    for member in sorted((set(files) | set(listed)) - {sums_member}):
        if member not in listed:
            raise PackageError(Unlisted(member))
        if member not in files:
            raise PackageError(MissingListed(member))
        if listed[member] != files[member].sha256:
            raise PackageError(ChecksumMismatch(member))

    try:
        manifest = ReleaseManifest.parse(_text(kept, release_member), release_member)
    except SpecError as e:
        raise PackageError(BadManifest(str(e))) from None
    if manifest.vsn != dir_vsn:
        raise PackageError(ManifestMismatch(release_member, "version", dir_vsn, manifest.vsn))
    _check_names(manifest)

    prefixes = [f"releases/{manifest.vsn}/"] + [f"lib/{a.name}-{a.vsn}/" for a in manifest.apps]
    parents = {"releases", "lib"} | {p[:-1] for p in prefixes}
    for member in sorted(set(files) | dirs):
        if not (member in parents and member in dirs) and not member.startswith(tuple(prefixes)):
            raise PackageError(OutsideRelease(member, manifest.vsn))
        parts = member.split("/")
        for i in range(1, len(parts)):
            if "/".join(parts[:i]) in files:
                raise PackageError(PathConflict(member))

    for app in manifest.apps:
        member = f"lib/{app.name}-{app.vsn}/{APP_FILE}"
        if member not in files:
            raise PackageError(MissingApp(app.name, app.vsn))
        try:
            app_manifest = AppManifest.parse(_text(kept, member), member)
        except SpecError as e:
            raise PackageError(BadManifest(str(e))) from None
        _check_app_manifest(member, app, app_manifest)
    return manifest


def _check_app_manifest(where: str, app: RelApp, found: AppManifest) -> None:
    """The app.toml at `where` must name the application and version the release names."""
    for key, expected, actual in (("name", app.name, found.name), ("version", app.vsn, found.vsn)):
        if expected != actual:
            raise PackageError(ManifestMismatch(where, key, expected, actual))


def _check_names(manifest: ReleaseManifest) -> None:
    if not is_safe_name(manifest.name):
        raise PackageError(UnsafeName("release name", manifest.name))
    if not is_safe_name(manifest.vsn):
        raise PackageError(UnsafeName("release version", manifest.vsn))
    for app in manifest.apps:
        if not is_safe_name(app.vsn):
            raise PackageError(UnsafeName(f"version of {app.name}", app.vsn))


# ------------------------------------------------------------------------ packing


def _tree_files(directory: Path, prefix: str) -> Iterator[tuple[str, Path]]:
    """Every regular file under `directory` as (member name, path), sorted; links refused."""
    with os.scandir(directory) as scan:
        entries = sorted(scan, key=lambda e: e.name)
    for entry in entries:
        path = Path(entry.path)
        name = f"{prefix}/{entry.name}"
        if entry.is_symlink():
            raise PackageError(NotPackable(str(path), "a symbolic link (copy the file instead)"))
        if entry.is_dir():
            if entry.name not in SKIPPED_DIRS:
                yield from _tree_files(path, name)
        elif entry.is_file():
            if re.search(r"[\\\n\r]", name):
                raise PackageError(NotPackable(str(path), "a backslash or newline in its name"))
            yield name, path
        else:
            raise PackageError(NotPackable(str(path), "not a regular file or directory"))


def _collect(tree: Path, vsn: str) -> tuple[ReleaseManifest, dict[str, Path]]:
    if not is_safe_name(vsn):
        raise PackageError(UnsafeName("release version", vsn))
    release_dir = tree / "releases" / vsn
    release_file = release_dir / RELEASE_FILE
    if not release_file.is_file():
        raise PackageError(ReleaseNotInTree(vsn, str(tree)))
    manifest = ReleaseManifest.read(release_file)
    if manifest.vsn != vsn:
        raise PackageError(ManifestMismatch(str(release_file), "version", vsn, manifest.vsn))
    _check_names(manifest)
    sources = {f"releases/{vsn}/{RELEASE_FILE}": release_file}
    relup = release_dir / "relup"
    if relup.is_symlink() or (relup.exists() and not relup.is_file()):
        raise PackageError(NotPackable(str(relup), "not a regular file"))
    if relup.is_file():
        sources[f"releases/{vsn}/relup"] = relup
    for app in manifest.apps:
        lib = f"{app.name}-{app.vsn}"
        app_dir = tree / "lib" / lib
        if app_dir.is_symlink() or not app_dir.is_dir():
            raise PackageError(MissingAppDir(app.name, app.vsn, str(app_dir)))
        _check_app_manifest(str(app_dir / APP_FILE), app, AppManifest.read(app_dir / APP_FILE))
        sources.update(_tree_files(app_dir, f"lib/{lib}"))
    return manifest, sources


def _tar_info(name: str, size: int, executable: bool) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o755 if executable else 0o644
    info.mtime = _MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.type = tarfile.REGTYPE
    return info


def pack(tree: str | Path, vsn: str, out_dir: str | Path) -> Path:
    """Build ``<out_dir>/<name>-<vsn>.tar.gz`` from release `vsn` of a release tree.

    The manifests must read and every application directory the release names must
    exist. The package is written to a temporary file, checked with
    :func:`verify_package`, then renamed into place; same tree, same bytes.
    """
    tree, out_dir = Path(tree), Path(out_dir)
    manifest, sources = _collect(tree, vsn)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{manifest.name}-{vsn}.tar.gz"
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=out_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as raw:
            _write_package(raw, vsn, sources)
            raw.flush()
            os.fsync(raw.fileno())
        verify_package(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _write_package(raw: IO[bytes], vsn: str, sources: Mapping[str, Path]) -> None:
    # Sorted, "lib/..." < "releases/...": the lib files' digests are known when
    # SHA256SUMS is due; the few files of releases/<vsn>/ are read beforehand.
    contents = {n: p.read_bytes() for n, p in sources.items() if n.startswith("releases/")}
    sums = {n: hashlib.sha256(data).hexdigest() for n, data in contents.items()}
    sums_member = f"releases/{vsn}/{SUMS_FILE}"
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=_MTIME, compresslevel=9) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for name in sorted([*sources, sums_member]):
            if name == sums_member:
                data = "".join(f"{sums[n]}  {n}\n" for n in sorted(sums)).encode("utf-8")
                executable = False
            else:
                path = sources[name]
                data = contents[name] if name in contents else path.read_bytes()
                executable = bool(path.stat().st_mode & stat.S_IXUSR)
                sums[name] = hashlib.sha256(data).hexdigest()
            tar.addfile(_tar_info(name, len(data), executable), io.BytesIO(data))


# ---------------------------------------------------------------------- unpacking


def unpack(root: ReleaseRoot, package: str | Path) -> str:
    """Verify `package`, put its files into `root` and record the release as unpacked.

    Returns the release version. Every refusal (a bad package, a release the root
    already has, a lib directory it has with other content) leaves the root as it was.
    """
    pkg = verify_package(package)
    releases = add_release(
        root.store.read(), ReleaseEntry.from_manifest(pkg.manifest, Status.UNPACKED)
    )
    place_release(root, pkg)
    root.store.write(releases)
    return pkg.vsn


def extract(package: str | Path, target: str | Path) -> Package:
    """Verify `package`, then write its files under the empty directory `target`.

    The release lands in ``<target>/releases/<vsn>/`` and its applications in
    ``<target>/lib/<app>-<vsn>/``, as in the package. `target` must be missing (it is
    created) or empty. Every file is checked against the digests the verification
    computed, so what is extracted is what was verified; on any refusal `target` is
    left empty. Returns the verified package.
    """
    pkg = verify_package(package)
    target = Path(target)
    if os.path.lexists(target) and (
        target.is_symlink() or not target.is_dir() or any(target.iterdir())
    ):
        raise PackageError(NotEmptyTarget(str(target)), path=pkg.path)
    target.mkdir(parents=True, exist_ok=True)
    try:
        _extract(pkg, target)
    except BaseException:
        for entry in list(target.iterdir()):
            with contextlib.suppress(OSError):
                if entry.is_dir() and not entry.is_symlink():
                    REAL_FS.remove_tree(entry)
                else:
                    entry.unlink()
        raise
    return pkg


def lib_difference(lib: Path, pkg: Package, app: str, vsn: str) -> str | None:
    """How directory `lib` differs from the package's ``lib/<app>-<vsn>/``, or None.

    ``__pycache__`` directories are ignored on both sides: Python writes them when a
    node imports the modules.
    """
    if lib.is_symlink() or not lib.is_dir():
        return "not a directory"
    prefix = f"lib/{app}-{vsn}/"
    expected = {
        name.removeprefix(prefix): f.sha256
        for name, f in pkg.files.items()
        if name.startswith(prefix) and not SKIPPED_DIRS & set(name.split("/"))
    }
    found: dict[str, str] = {}
    try:
        for name, path in _tree_files(lib, ""):
            found[name.removeprefix("/")] = hashlib.sha256(path.read_bytes()).hexdigest()
    except PackageError as e:
        return e.reason.describe()
    for name in sorted(expected.keys() | found.keys()):
        if name not in found:
            return f"{name} is missing"
        if name not in expected:
            return f"{name} is not in the package"
        if expected[name] != found[name]:
            return f"{name} differs"
    return None


def place_release(root: ReleaseRoot, pkg: Package) -> None:
    """Put a verified package's directories into `root` (staging, then renames); no state write.

    A lib directory the root already has is kept if it holds the same files (else the
    package is refused); a ``releases/<vsn>`` directory no state names (left by an
    interrupted unpack or remove) is replaced; one the state names is refused.
    """
    if any(r.vsn == pkg.vsn for r in root.store.read()):
        raise ReleaseError(ExistingRelease(pkg.vsn))
    for app in pkg.manifest.apps:
        lib = root.lib_dir(app.name, app.vsn)
        if os.path.lexists(lib):
            difference = lib_difference(lib, pkg, app.name, app.vsn)
            if difference:
                raise PackageError(ConflictingLib(app.name, app.vsn, difference), path=pkg.path)
    fs = root.fs
    staging = Path(tempfile.mkdtemp(prefix=".relup-unpack-", dir=root.path))
    moved: list[tuple[Path, Path]] = []
    try:
        _extract(pkg, staging)
        root.releases_dir.mkdir(exist_ok=True)
        root.lib_root.mkdir(exist_ok=True)
        for app in pkg.manifest.apps:
            lib = root.lib_dir(app.name, app.vsn)
            if not os.path.lexists(lib):
                source = staging / "lib" / lib.name
                fs.replace(source, lib)
                moved.append((lib, source))
        release_dir = root.release_dir(pkg.vsn)
        if os.path.lexists(release_dir):
            fs.replace(release_dir, staging / "leftover")
        fs.replace(staging / "releases" / pkg.vsn, release_dir)
        fs.fsync_dir(root.lib_root)
        fs.fsync_dir(root.releases_dir)
    except Exception:
        for placed, source in reversed(moved):
            with contextlib.suppress(Exception):
                fs.replace(placed, source)
        raise
    finally:
        with contextlib.suppress(Exception):
            fs.remove_tree(staging)


def _extract(pkg: Package, staging: Path) -> None:
    """Second pass: write the package's files under `staging`, checking them against pass one."""
    stream = _Stream(pkg.path)
    written: set[str] = set()
    made = [staging]
    with contextlib.closing(stream.members()) as members:
        for m in members:
            if m.is_dir:
                if m.name and m.name not in pkg.dirs:
                    raise PackageError(PackageChanged(m.raw), path=pkg.path)
                continue
            expected = pkg.files.get(m.name)
            if expected is None or m.name in written:
                raise PackageError(PackageChanged(m.raw), path=pkg.path)
            target = staging / m.name
            for parent in reversed(target.relative_to(staging).parents[:-1]):
                directory = staging / parent
                if not directory.is_dir():
                    directory.mkdir()
                    made.append(directory)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
            digest = hashlib.sha256()
            fd = os.open(target, flags, 0o755 if expected.executable else 0o644)
            with os.fdopen(fd, "wb") as out:
                for chunk in m.chunks():
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != expected.sha256:
                raise PackageError(PackageChanged(m.raw), path=pkg.path)
            written.add(m.name)
    if written != set(pkg.files) or stream.sha256 != pkg.sha256:
        missing = sorted(set(pkg.files) - written) or ["(package digest)"]
        raise PackageError(PackageChanged(missing[0]), path=pkg.path)
    for directory in made:
        REAL_FS.fsync_dir(directory)
