"""Release roots: layout, creation from a package, removal by OTP's rules, listing, checking."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from relup.release.package import unpack
from relup.release.package_reasons import PackageError
from relup.release.root import (
    FilesChanged,
    ReleaseRoot,
    RootInUse,
    RootNotEmpty,
    init_root,
    remove_release,
    verify_release,
    which_releases,
)
from relup.release.status import Action, Status
from relup.release.store import (
    BadStatus,
    NoSuchRelease,
    ReleaseError,
    UnsafeName,
    after_restart,
    boot_release,
    transition,
)
from tests.release.conftest import Packages, snapshot

U, C, P, OLD = Status.UNPACKED, Status.CURRENT, Status.PERMANENT, Status.OLD


def statuses(root: ReleaseRoot) -> list[tuple[str, Status]]:
    return [(r.vsn, r.status) for r in root.releases()]


class TestLayout:
    def test_paths(self, tmp_path: Path) -> None:
        """Every path of the layout sits where the release tree layout puts it."""
        root = ReleaseRoot(tmp_path)
        assert tmp_path / "releases" == root.releases_dir
        assert tmp_path / "releases" / "RELEASES.toml" == root.store.path
        assert tmp_path / "releases" / "R16B" == root.release_dir("R16B")
        assert tmp_path / "releases" / "R16B" / "relup" == root.relup_path("R16B")
        assert tmp_path / "releases" / "R16B" / "SHA256SUMS" == root.sums_path("R16B")
        assert tmp_path / "lib" == root.lib_root
        assert tmp_path / "lib" / "shop-1.0-rc1" == root.lib_dir("shop", "1.0-rc1")
        assert tmp_path / "lib" / "shop-1.0" / "shop_srv.py" == root.module_path(
            "shop", "1.0", "shop_srv"
        )

    @pytest.mark.parametrize("vsn", ["..", "../x", ".", "", "a/b", "RELEASES.toml"])
    def test_unsafe_names_are_refused(self, tmp_path: Path, vsn: str) -> None:
        """A version that would leave its directory (or hit the state file) is refused."""
        root = ReleaseRoot(tmp_path)
        with pytest.raises(ReleaseError) as info:
            root.release_dir(vsn)
        assert UnsafeName("release version", vsn) == info.value.reason
        with pytest.raises(ReleaseError) as info:
            root.lib_dir("shop", vsn)
        assert UnsafeName("application directory", f"shop-{vsn}") == info.value.reason

    def test_manifests(self, root: ReleaseRoot) -> None:
        """manifest() and app_manifest() read the root's release.toml and app.toml."""
        assert [("shop", "1.0.0"), ("base", "1.0")] == [
            (a.name, a.vsn) for a in root.manifest("1.0.0").apps
        ]
        assert ("base_srv", "base_sup") == root.app_manifest("base", "1.0").modules


class TestInitRoot:
    def test_creates_a_root_with_a_permanent_release(self, root: ReleaseRoot) -> None:
        """The package's release is recorded permanent and its files pass their checksums."""
        assert [("1.0.0", P)] == statuses(root)
        assert "1.0.0" == boot_release(root.releases()).vsn
        assert ["lib", "releases"] == sorted(os.listdir(root.path))
        assert ["1.0.0", "RELEASES.toml"] == sorted(os.listdir(root.releases_dir))
        verify_release(root, "1.0.0")

    def test_in_an_empty_directory(self, tmp_path: Path, packages: Packages) -> None:
        """An existing empty directory becomes a root."""
        (tmp_path / "empty").mkdir()
        assert [("1.0.0", P)] == statuses(init_root(tmp_path / "empty", packages("1.0.0")))

    def test_refuses_a_non_empty_directory(self, tmp_path: Path, packages: Packages) -> None:
        """A directory holding anything else is refused and left as it was."""
        target = tmp_path / "busy"
        (target / "releases").mkdir(parents=True)
        (target / "notes.txt").write_text("mine")
        before = snapshot(target)
        with pytest.raises(ReleaseError) as info:
            init_root(target, packages("1.0.0"))
        assert RootNotEmpty(target, "it holds notes.txt") == info.value.reason
        assert before == snapshot(target)

    def test_refuses_a_file(self, tmp_path: Path, packages: Packages) -> None:
        """A path that is a file is refused."""
        (tmp_path / "f").write_text("")
        with pytest.raises(ReleaseError) as info:
            init_root(tmp_path / "f", packages("1.0.0"))
        assert RootNotEmpty(tmp_path / "f", "not a directory") == info.value.reason

    def test_refuses_a_root_with_releases(self, root: ReleaseRoot, packages: Packages) -> None:
        """Creating a root again over one that has releases is refused; nothing changes."""
        before = snapshot(root.path)
        with pytest.raises(ReleaseError) as info:
            init_root(root.path, packages("2.0.0"))
        assert RootInUse(root.path, ("1.0.0",)) == info.value.reason
        assert before == snapshot(root.path)

    def test_continues_a_root_without_releases(self, tmp_path: Path, packages: Packages) -> None:
        """A root whose state lists no release (an interrupted init) can be created again."""
        root = ReleaseRoot(tmp_path / "r")
        root.releases_dir.mkdir(parents=True)
        root.store.write(())
        assert [("1.0.0", P)] == statuses(init_root(root.path, packages("1.0.0")))


class TestRemoveRelease:
    def test_removes_release_and_its_own_libs(self, root: ReleaseRoot, packages: Packages) -> None:
        """The release dir and the lib dirs no other release uses go; shared ones stay."""
        unpack(root, packages("2.0.0"))
        remaining = remove_release(root, "2.0.0")
        assert [("1.0.0", P)] == [(r.vsn, r.status) for r in remaining]
        assert [("1.0.0", P)] == statuses(root)
        assert ["base-1.0", "shop-1.0.0"] == sorted(os.listdir(root.lib_root))
        assert ["1.0.0", "RELEASES.toml"] == sorted(os.listdir(root.releases_dir))
        assert ["lib", "releases"] == sorted(os.listdir(root.path))  # no trash left

    def test_refuses_the_permanent_release(self, root: ReleaseRoot) -> None:
        """The permanent release cannot be removed; the root is unchanged."""
        before = snapshot(root.path)
        with pytest.raises(ReleaseError) as info:
            remove_release(root, "1.0.0")
        assert BadStatus("1.0.0", P, Action.REMOVE) == info.value.reason
        assert before == snapshot(root.path)

    def test_refuses_an_unknown_release(self, root: ReleaseRoot) -> None:
        """Removing a release the root does not have is refused; the root is unchanged."""
        before = snapshot(root.path)
        with pytest.raises(ReleaseError) as info:
            remove_release(root, "9.9")
        assert NoSuchRelease("9.9") == info.value.reason
        assert before == snapshot(root.path)

    def test_removes_an_old_release(self, root: ReleaseRoot, packages: Packages) -> None:
        """After 2.0.0 becomes permanent, the old 1.0.0 can be removed with its own lib."""
        unpack(root, packages("2.0.0"))
        running = transition(root.releases(), "2.0.0", Action.INSTALL)
        root.store.write(transition(running, "2.0.0", Action.MAKE_PERMANENT))
        assert [("2.0.0", P), ("1.0.0", OLD)] == statuses(root)
        remove_release(root, "1.0.0")
        assert ["base-1.0", "shop-2.0.0"] == sorted(os.listdir(root.lib_root))

    def test_a_lib_dir_already_gone_is_not_an_error(
        self, root: ReleaseRoot, packages: Packages
    ) -> None:
        """Removal finishes when a directory it would delete is already missing."""
        unpack(root, packages("2.0.0"))
        os.rename(root.lib_dir("shop", "2.0.0"), root.path / "elsewhere")
        remove_release(root, "2.0.0")
        assert [("1.0.0", P)] == statuses(root)


class TestWhichReleases:
    def test_lists_newest_first_and_filters(self, root: ReleaseRoot, packages: Packages) -> None:
        """All releases newest first; with a status, only those (in the same order)."""
        unpack(root, packages("2.0.0"))
        unpack(root, packages("3.0.0"))
        assert ["3.0.0", "2.0.0", "1.0.0"] == [r.vsn for r in which_releases(root)]
        assert ["3.0.0", "2.0.0"] == [r.vsn for r in which_releases(root, U)]
        assert ["shop-1.0.0", "base-1.0"] == list(which_releases(root, P)[0].libs)


class TestVerifyRelease:
    def test_bytecode_caches_are_ignored(self, root: ReleaseRoot) -> None:
        """__pycache__ written by a running node does not make the files differ."""
        cache = root.lib_dir("shop", "1.0.0") / "__pycache__"
        cache.mkdir()
        (cache / "shop_srv.cpython-311.pyc").write_bytes(b"\x00")
        verify_release(root, "1.0.0")

    @pytest.mark.parametrize(
        ("change", "detail"),
        [
            (lambda lib: (lib / "shop_srv.py").write_text("x"), "shop_srv.py differs"),
            (lambda lib: (lib / "shop_srv.py").unlink(), "shop_srv.py is missing"),
            (lambda lib: (lib / "new.py").write_text(""), "new.py is not listed"),
        ],
        ids=["changed", "missing", "extra"],
    )
    def test_changes_are_found(self, root: ReleaseRoot, change: object, detail: str) -> None:
        """A changed, missing or extra file in a lib dir of the release is reported."""
        change(root.lib_dir("shop", "1.0.0"))  # type: ignore[operator]
        with pytest.raises(ReleaseError) as info:
            verify_release(root, "1.0.0")
        assert isinstance(info.value.reason, FilesChanged)
        assert detail in str(info.value)


def test_restart_after_install_boots_the_permanent_release(
    root: ReleaseRoot, packages: Packages
) -> None:
    """An installed release never made permanent is unpacked after a restart; 1.0.0 boots."""
    unpack(root, packages("2.0.0"))
    running = transition(root.releases(), "2.0.0", Action.INSTALL)
    assert [("2.0.0", C), ("1.0.0", P)] == [(r.vsn, r.status) for r in running]
    root.store.write(running)  # any later write of the node's state
    restarted = ReleaseRoot(root.path).releases()
    assert after_restart(running) == restarted
    assert "1.0.0" == boot_release(restarted).vsn


def test_hostile_package_errors_name_the_package(root: ReleaseRoot, tmp_path: Path) -> None:
    """Errors about a package start with the package's path."""
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_text("hello")
    with pytest.raises(PackageError) as info:
        unpack(root, bogus)
    assert str(info.value).startswith(f"{bogus}: not a gzip file")
