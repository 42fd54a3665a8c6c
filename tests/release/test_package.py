"""Packages: what pack writes, and every package shape unpack must refuse before writing.

The refusal tests build hostile tars with tarfile directly and check, by snapshot,
that the release root (path, type, mode and content of every entry) is unchanged.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import os
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from relup.errors import RelupError, SpecError
from relup.release import package_reasons as pr
from relup.release.package import pack, place_release, unpack, verify_package
from relup.release.root import ReleaseRoot, init_root
from relup.release.status import Status
from relup.release.store import (
    ExistingRelease,
    ReleaseError,
    ReleaseReason,
    StateFileError,
    UnsafeName,
)
from tests.release.conftest import (
    SHOP,
    Member,
    Packages,
    file_member,
    members_of,
    snapshot,
    special_member,
    with_sums,
    write_app,
    write_release,
    write_tar,
)

SRV = "lib/shop-2.0.0/shop_srv.py"
SUMS = "releases/2.0.0/SHA256SUMS"


def names(package: Path) -> list[str]:
    with tarfile.open(package, "r:gz") as tar:
        return tar.getnames()


class TestPack:
    def test_members(self, packages: Packages) -> None:
        """The package holds release.toml, relup, SHA256SUMS and every named lib dir, sorted."""
        expected = [
            "lib/base-1.0/app.toml", "lib/base-1.0/base.appup", "lib/base-1.0/base_srv.py",
            "lib/base-1.0/base_sup.py", "lib/shop-2.0.0/app.toml", "lib/shop-2.0.0/shop.appup",
            "lib/shop-2.0.0/shop_srv.py", "lib/shop-2.0.0/shop_sup.py",
            "releases/2.0.0/SHA256SUMS", "releases/2.0.0/release.toml", "releases/2.0.0/relup",
        ]  # fmt: skip
        package = packages("2.0.0")
        assert packages.out / "shop-2.0.0.tar.gz" == package
        assert expected == names(package)

    def test_sums_list_every_other_file(self, packages: Packages, tmp_path: Path) -> None:
        """SHA256SUMS has one sha256sum line per other file; sha256sum -c accepts it."""
        unpacked = tmp_path / "x"
        with tarfile.open(packages("2.0.0"), "r:gz") as tar:
            tar.extractall(unpacked, filter="data")
        lines = (unpacked / SUMS).read_text().splitlines()
        files = sorted(
            f.relative_to(unpacked).as_posix() for f in unpacked.rglob("*") if f.is_file()
        )
        expected = [
            f"{hashlib.sha256((unpacked / f).read_bytes()).hexdigest()}  {f}"
            for f in files
            if f != SUMS
        ]
        assert expected == lines
        if shutil.which("sha256sum"):
            check = subprocess.run(
                ["sha256sum", "--check", "--strict", SUMS],
                cwd=unpacked,
                capture_output=True,
                check=False,
            )
            assert 0 == check.returncode, check.stdout + check.stderr

    def test_same_tree_same_bytes(self, packages: Packages, tmp_path: Path) -> None:
        """A copy of the tree, with other mtimes and at another path, packs to the same bytes."""
        first = packages("2.0.0").read_bytes()
        copy = tmp_path / "elsewhere" / "tree"
        shutil.copytree(packages.tree, copy)
        for f in copy.rglob("*"):
            os.utime(f, (1_700_000_000, 1_700_000_000))
        assert first == pack(copy, "2.0.0", tmp_path / "out2").read_bytes()

    def test_member_metadata_is_normalized(self, packages: Packages) -> None:
        """Regular files only, mtime 0, owner 0 without names, mode 0644 or 0755 if executable."""
        (packages.tree / "lib/shop-2.0.0/run.sh").write_text("#!/bin/sh\n")
        (packages.tree / "lib/shop-2.0.0/run.sh").chmod(0o750)
        (packages.tree / "lib/shop-2.0.0/shop_srv.py").chmod(0o600)
        package = packages("2.0.0")
        with tarfile.open(package, "r:gz") as tar:
            infos = {i.name: i for i in tar.getmembers()}
        assert {(tarfile.REGTYPE, 0, 0, 0, "", "")} == {
            (i.type, i.mtime, i.uid, i.gid, i.uname, i.gname) for i in infos.values()
        }
        assert 0o755 == infos["lib/shop-2.0.0/run.sh"].mode
        assert 0o644 == infos[SRV].mode
        assert b"\x00\x00\x00\x00" == package.read_bytes()[4:8]  # gzip header mtime

    def test_pycache_is_left_out(self, packages: Packages) -> None:
        """Bytecode caches in the tree are not packed."""
        cache = packages.tree / "lib/shop-2.0.0/__pycache__"
        cache.mkdir()
        (cache / "shop_srv.cpython-311.pyc").write_bytes(b"\x00")
        assert not [n for n in names(packages("2.0.0")) if "__pycache__" in n]

    def test_relup_is_optional(self, tmp_path: Path) -> None:
        """A release without a relup (a first release) packs without one."""
        tree = write_release(tmp_path / "t", "1.0.0", SHOP["1.0.0"], relup=False)
        assert "releases/1.0.0/relup" not in names(pack(tree, "1.0.0", tmp_path / "o"))

    def test_output_verifies(self, packages: Packages) -> None:
        """What pack writes passes verify_package, with the release's name and version."""
        package = verify_package(packages("2.0.0"))
        assert ("shop", "2.0.0") == (package.name, package.vsn)
        assert 11 == len(package.files)
        assert hashlib.sha256(package.path.read_bytes()).hexdigest() == package.sha256


@dataclass(frozen=True)
class Broken:
    """A change to a good tree that pack must refuse."""

    change: Callable[[Path], object]
    error: type[RelupError]
    reason: type[ReleaseReason] | None = None


def _rewrite(path: str, text: str) -> Callable[[Path], object]:
    return lambda tree: (tree / path).write_text(text)


BROKEN_TREES = {
    "no-release": Broken(lambda t: shutil.rmtree(t / "releases/2.0.0"), pr.PackageError,
                         pr.ReleaseNotInTree),
    "bad-release-toml": Broken(_rewrite("releases/2.0.0/release.toml", "[release\n"), SpecError),
    "version-mismatch": Broken(
        _rewrite("releases/2.0.0/release.toml",
                 '[release]\nname = "shop"\nversion = "9"\npython = "3.11"\n'
                 '[applications]\nshop = "2.0.0"\n'),
        pr.PackageError, pr.ManifestMismatch),
    "missing-app-dir": Broken(lambda t: shutil.rmtree(t / "lib/base-1.0"), pr.PackageError,
                              pr.MissingAppDir),
    "bad-app-toml": Broken(_rewrite("lib/base-1.0/app.toml", "nope"), SpecError),
    "app-toml-mismatch": Broken(
        _rewrite("lib/base-1.0/app.toml",
                 '[application]\nname = "base"\nversion = "2.0"\nmodules = []\n'),
        pr.PackageError, pr.ManifestMismatch),
    "symlink-in-app": Broken(lambda t: (t / "lib/base-1.0/link.py").symlink_to("/etc/passwd"),
                             pr.PackageError, pr.NotPackable),
    "fifo-in-app": Broken(lambda t: os.mkfifo(t / "lib/base-1.0/pipe"), pr.PackageError,
                          pr.NotPackable),
    "newline-in-name": Broken(lambda t: (t / "lib/base-1.0/a\nb.py").write_text(""),
                              pr.PackageError, pr.NotPackable),
}  # fmt: skip


@pytest.mark.parametrize("case", BROKEN_TREES.values(), ids=BROKEN_TREES.keys())
def test_pack_refuses_broken_tree(packages: Packages, case: Broken) -> None:
    """A tree whose manifests do not read or whose lib dirs are missing is refused; no file."""
    case.change(packages.tree)
    with pytest.raises(case.error) as info:
        packages("2.0.0")
    if case.reason:
        assert isinstance(getattr(info.value, "reason", None), case.reason)
    assert not packages.out.exists() or [] == os.listdir(packages.out)


def test_pack_refuses_unsafe_version(packages: Packages) -> None:
    """A version that would not name one directory is refused before anything is read."""
    with pytest.raises(pr.PackageError) as info:
        pack(packages.tree, "../2.0.0", packages.out)
    assert UnsafeName("release version", "../2.0.0") == info.value.reason


# ------------------------------------------------------------------ hostile shapes

Edit = Callable[[list[Member]], list[Member]]


def add(*extra: Member, resum: bool = True) -> Edit:
    return lambda ms: with_sums([*ms, *extra]) if resum else [*ms, *extra]


def drop(name: str, resum: bool = False) -> Edit:
    def edit(ms: list[Member]) -> list[Member]:
        kept = [m for m in ms if m[0].name != name]
        return with_sums(kept) if resum else kept

    return edit


def replace_file(name: str, data: bytes, resum: bool = False) -> Edit:
    def edit(ms: list[Member]) -> list[Member]:
        changed = [file_member(name, data) if m[0].name == name else m for m in ms]
        return with_sums(changed) if resum else changed

    return edit


def device(name: str, kind: bytes) -> Member:
    info, _ = special_member(name, kind)
    info.devmajor, info.devminor = 1, 3
    return info, None


RELEASE_TOML = '[release]\nname = "shop"\nversion = "{vsn}"\npython = "3.11"\n[applications]\n'

HOSTILE: dict[str, tuple[Edit | Callable[[bytes], bytes], ReleaseReason]] = {
    "absolute-path": (add(file_member("/etc/evil")), pr.AbsolutePath("/etc/evil")),
    "dotdot": (add(file_member("lib/shop-2.0.0/../../../evil.py")),
               pr.ParentReference("lib/shop-2.0.0/../../../evil.py")),
    "symlink": (add(special_member("lib/shop-2.0.0/link.py", tarfile.SYMTYPE, "shop_srv.py")),
                pr.Symlink("lib/shop-2.0.0/link.py", "shop_srv.py")),
    "symlink-out-of-root": (
        add(special_member("lib/shop-2.0.0/passwd", tarfile.SYMTYPE, "../../../../etc/passwd")),
        pr.Symlink("lib/shop-2.0.0/passwd", "../../../../etc/passwd")),
    "absolute-symlink": (
        add(special_member("lib/shop-2.0.0/etc", tarfile.SYMTYPE, "/etc")),
        pr.Symlink("lib/shop-2.0.0/etc", "/etc")),
    "hard-link": (add(special_member("lib/shop-2.0.0/hard.py", tarfile.LNKTYPE, SRV)),
                  pr.HardLink("lib/shop-2.0.0/hard.py", SRV)),
    "hard-link-out-of-root": (
        add(special_member("lib/shop-2.0.0/shadow", tarfile.LNKTYPE, "/etc/shadow")),
        pr.HardLink("lib/shop-2.0.0/shadow", "/etc/shadow")),
    "character-device": (add(device("lib/shop-2.0.0/null", tarfile.CHRTYPE)),
                         pr.SpecialFile("lib/shop-2.0.0/null", "character device")),
    "block-device": (add(device("lib/shop-2.0.0/sda", tarfile.BLKTYPE)),
                     pr.SpecialFile("lib/shop-2.0.0/sda", "block device")),
    "fifo": (add(special_member("lib/shop-2.0.0/pipe", tarfile.FIFOTYPE)),
             pr.SpecialFile("lib/shop-2.0.0/pipe", "fifo")),
    "file-at-top": (add(file_member("evil.py")), pr.OutsideRelease("evil.py", "2.0.0")),
    "file-in-unnamed-app": (add(file_member("lib/other-1.0/x.py")),
                            pr.OutsideRelease("lib/other-1.0/x.py", "2.0.0")),
    "file-in-other-release": (add(file_member("releases/1.0.0/notes.txt")),
                              pr.OutsideRelease("releases/1.0.0/notes.txt", "2.0.0")),
    "file-beside-lib": (add(file_member("lib/shop-2.0.0.py")),
                        pr.OutsideRelease("lib/shop-2.0.0.py", "2.0.0")),
    "duplicate-entry": (add(file_member(SRV, b"evil = True\n")), pr.Duplicate(SRV)),
    "duplicate-by-alias": (add(file_member(f"./{SRV}", b"evil = True\n")),
                           pr.Duplicate(f"./{SRV}")),
    "file-under-file": (add(file_member(f"{SRV}/x")), pr.PathConflict(f"{SRV}/x")),
    "checksum-mismatch": (replace_file(SRV, b"evil = True\n"), pr.ChecksumMismatch(SRV)),
    "unlisted-file": (add(file_member("lib/shop-2.0.0/extra.py"), resum=False),
                      pr.Unlisted("lib/shop-2.0.0/extra.py")),
    "missing-listed-file": (drop(SRV), pr.MissingListed(SRV)),
    "no-sha256sums": (drop(SUMS), pr.NoChecksums(SUMS)),
    "bad-sha256sums-line": (replace_file(SUMS, b"not a checksum line\n"),
                            pr.BadChecksumLine(SUMS, 1)),
    "two-releases": (add(file_member("releases/3.0.0/release.toml", b"")),
                     pr.TwoReleases(("releases/2.0.0/release.toml",
                                    "releases/3.0.0/release.toml"))),
    "no-release": (drop("releases/2.0.0/release.toml", resum=True), pr.NoRelease()),
    "release-toml-unparsable": (
        replace_file("releases/2.0.0/release.toml", b"[release\n", resum=True),
        pr.BadManifest("releases/2.0.0/release.toml: line 1, column 9: unexpected end of file")),
    "release-version-mismatch": (
        replace_file("releases/2.0.0/release.toml",
                     (RELEASE_TOML.format(vsn="2.0.1") + 'shop = "2.0.0"\n').encode(),
                     resum=True),
        pr.ManifestMismatch("releases/2.0.0/release.toml", "version", "2.0.0", "2.0.1")),
    "missing-app-toml": (drop("lib/base-1.0/app.toml", resum=True), pr.MissingApp("base", "1.0")),
    "truncated-gzip": (lambda data: data[: len(data) // 2], pr.Corrupt("")),
    "truncated-gzip-trailer": (lambda data: data[:-4], pr.Corrupt("")),
    "corrupt-deflate": (lambda data: data[:200] + bytes(b ^ 0xFF for b in data[200:260])
                        + data[260:], pr.Corrupt("")),
    "not-a-gzip": (gzip.decompress, pr.NotGzip()),
    "empty-file": (lambda _: b"", pr.NotGzip()),
}  # fmt: skip


def hostile(tmp_path: Path, good: Path, edit: Edit | Callable[[bytes], bytes]) -> Path:
    """Apply `edit` (to the member list, or to the file's bytes) to a copy of `good`."""
    out = tmp_path / "hostile.tar.gz"
    try:
        out.write_bytes(edit(good.read_bytes()))  # type: ignore[arg-type]
    except (AttributeError, TypeError):
        write_tar(out, edit(members_of(good)))  # type: ignore[arg-type]
    return out


def matches(expected: ReleaseReason, actual: ReleaseReason) -> bool:
    if isinstance(expected, pr.Corrupt):  # the detail is the decompressor's own words
        return isinstance(actual, pr.Corrupt)
    if isinstance(expected, pr.BadManifest):
        return isinstance(actual, pr.BadManifest) and expected.detail.split(":")[0] in actual.detail
    return expected == actual


@pytest.mark.parametrize(("edit", "reason"), HOSTILE.values(), ids=HOSTILE.keys())
def test_unpack_refuses_hostile_package(
    root: ReleaseRoot,
    packages: Packages,
    tmp_path: Path,
    edit: Edit | Callable[[bytes], bytes],
    reason: ReleaseReason,
) -> None:
    """Each hostile shape is refused with its reason, and the root is exactly as it was."""
    package = hostile(tmp_path, packages("2.0.0"), edit)
    before = snapshot(root.path)
    with pytest.raises(pr.PackageError) as verified:
        verify_package(package)
    with pytest.raises(pr.PackageError) as unpacked:
        unpack(root, package)
    assert matches(reason, verified.value.reason), verified.value.reason
    assert verified.value.reason == unpacked.value.reason
    assert str(package) in str(unpacked.value)
    assert before == snapshot(root.path)


class TestRefusedAgainstRoot:
    def test_release_already_present(self, root: ReleaseRoot, packages: Packages) -> None:
        """A release the root has is refused, and the root is exactly as it was."""
        before = snapshot(root.path)
        with pytest.raises(ReleaseError) as info:
            unpack(root, packages("1.0.0"))
        assert ExistingRelease("1.0.0") == info.value.reason
        assert before == snapshot(root.path)

    def test_placing_files_of_a_recorded_release(
        self, root: ReleaseRoot, packages: Packages
    ) -> None:
        """place_release never replaces the directory of a release the state names."""
        before = snapshot(root.path)
        with pytest.raises(ReleaseError) as info:
            place_release(root, verify_package(packages("1.0.0")))
        assert ExistingRelease("1.0.0") == info.value.reason
        assert before == snapshot(root.path)

    def test_conflicting_lib_dir(self, root: ReleaseRoot, packages: Packages) -> None:
        """A package whose lib dir the root has with other content is refused; root unchanged."""
        (packages.tree / "lib/base-1.0/base_srv.py").write_text("changed = True\n")
        before = snapshot(root.path)
        with pytest.raises(pr.PackageError) as info:
            unpack(root, packages("2.0.0"))
        assert pr.ConflictingLib("base", "1.0", "base_srv.py differs") == info.value.reason
        assert "new version" in (info.value.reason.hint or "")
        assert before == snapshot(root.path)

    def test_lib_dir_with_extra_file_conflicts(self, root: ReleaseRoot, packages: Packages) -> None:
        """A lib dir in the root holding a file the package lacks is a conflict too."""
        (root.lib_dir("base", "1.0") / "local.py").write_text("")
        with pytest.raises(pr.PackageError) as info:
            unpack(root, packages("2.0.0"))
        assert pr.ConflictingLib("base", "1.0", "local.py is not in the package") == (
            info.value.reason
        )

    def test_package_changed_between_passes(
        self, root: ReleaseRoot, packages: Packages, tmp_path: Path
    ) -> None:
        """If the file changes after verification, extraction notices and the root is unchanged."""
        good = verify_package(packages("2.0.0"))
        other = hostile(tmp_path, good.path, replace_file(SRV, b"evil = True\n", resum=True))
        before = snapshot(root.path)
        with pytest.raises(pr.PackageError) as info:
            place_release(root, dataclasses.replace(good, path=other))
        assert pr.PackageChanged(SRV) == info.value.reason
        assert before == snapshot(root.path)

    def test_not_a_root(self, tmp_path: Path, packages: Packages) -> None:
        """Unpacking into a directory without a state file is refused and creates nothing."""
        target = tmp_path / "plain"
        target.mkdir()
        with pytest.raises(StateFileError):
            unpack(ReleaseRoot(target), packages("2.0.0"))
        assert [] == os.listdir(target)

    def test_init_with_hostile_package_creates_nothing(
        self, packages: Packages, tmp_path: Path
    ) -> None:
        """init_root checks the package before it creates the root."""
        package = hostile(tmp_path, packages("1.0.0"), add(file_member("/etc/evil")))
        with pytest.raises(pr.PackageError):
            init_root(tmp_path / "new", package)
        assert not (tmp_path / "new").exists()


class TestUnpack:
    def test_records_release_and_places_files(self, root: ReleaseRoot, packages: Packages) -> None:
        """The release is recorded unpacked, newest first, and its files are in place."""
        assert "2.0.0" == unpack(root, packages("2.0.0"))
        assert [("2.0.0", Status.UNPACKED), ("1.0.0", Status.PERMANENT)] == [
            (r.vsn, r.status) for r in root.releases()
        ]
        assert 'VSN = "2.0.0"' in root.module_path("shop", "2.0.0", "shop_srv").read_text()
        assert root.sums_path("2.0.0").is_file()
        assert root.relup_path("2.0.0").is_file()
        assert ["lib", "releases"] == sorted(os.listdir(root.path))  # no staging left

    def test_shared_lib_dir_is_kept(self, root: ReleaseRoot, packages: Packages) -> None:
        """A lib dir the root already has with the same files is reused, not replaced."""
        base = root.lib_dir("base", "1.0")
        (base / "__pycache__").mkdir()
        (base / "__pycache__" / "base_srv.cpython-311.pyc").write_bytes(b"\x00")
        inode = base.stat().st_ino
        unpack(root, packages("2.0.0"))
        assert inode == base.stat().st_ino
        assert (base / "__pycache__").is_dir()

    def test_executable_bit_survives(self, root: ReleaseRoot, packages: Packages) -> None:
        """A file packed as executable is unpacked executable; others are not."""
        script = packages.tree / "lib/shop-2.0.0/run.sh"
        script.write_text("#!/bin/sh\n")
        script.chmod(0o755)
        unpack(root, packages("2.0.0"))
        assert os.access(root.lib_dir("shop", "2.0.0") / "run.sh", os.X_OK)
        assert not os.access(root.module_path("shop", "2.0.0", "shop_srv"), os.X_OK)

    def test_leftover_release_dir_is_replaced(self, root: ReleaseRoot, packages: Packages) -> None:
        """A releases/<vsn> directory no state names (an interrupted unpack) is replaced."""
        leftover = root.release_dir("2.0.0")
        leftover.mkdir()
        (leftover / "junk").write_text("")
        unpack(root, packages("2.0.0"))
        assert not (leftover / "junk").exists()
        assert (leftover / "release.toml").is_file()

    def test_foreign_tar_with_directories(
        self, root: ReleaseRoot, packages: Packages, tmp_path: Path
    ) -> None:
        """A package written by another tool, with ./ names and directory entries, unpacks."""
        members: list[Member] = []
        for info, data in members_of(packages("2.0.0")):
            for parent in reversed(Path(info.name).parents[:-1]):
                if f"./{parent}" not in [m[0].name for m in members]:
                    directory = tarfile.TarInfo(f"./{parent}")
                    directory.type, directory.mode = tarfile.DIRTYPE, 0o755
                    members.append((directory, None))
            info.name = f"./{info.name}"
            members.append((info, data))
        root_dir = tarfile.TarInfo(".")
        root_dir.type = tarfile.DIRTYPE
        package = write_tar(tmp_path / "foreign.tar.gz", [(root_dir, None), *members])
        assert "2.0.0" == unpack(root, package)

    def test_three_releases_share_one_lib(self, root: ReleaseRoot, packages: Packages) -> None:
        """Three releases naming base-1.0 all use the one directory."""
        unpack(root, packages("2.0.0"))
        unpack(root, packages("3.0.0"))
        assert ["base-1.0", "shop-1.0.0", "shop-2.0.0", "shop-3.0.0"] == sorted(
            os.listdir(root.lib_root)
        )


def test_unknown_app_dir_name_in_tree_is_ignored(packages: Packages) -> None:
    """Lib dirs of applications the release does not name stay out of the package."""
    write_app(packages.tree, "unused", "0.1")
    assert not [n for n in names(packages("2.0.0")) if n.startswith("lib/unused")]
