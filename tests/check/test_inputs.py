"""Opening a package for relup check: relup.release.package.extract, verify then write."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from relup.check.errors import CheckError
from relup.check.inputs import open_release
from relup.release.package import extract, pack
from relup.release.package_reasons import PackageError
from tests.check.pairs import DATA

GOOD_FILES = sorted(
    str(p.relative_to(DATA / "good"))
    for p in (DATA / "good").rglob("*")
    if p.is_file() and "__pycache__" not in p.parts
)


def tree_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_extract_writes_every_file_of_the_package(tmp_path: Path) -> None:
    """The package's files land in the target as in the tree, with its SHA256SUMS."""
    package = pack(DATA / "good", "2.0.0", tmp_path / "dist")
    verified = extract(package, tmp_path / "out")
    assert ("tally", "2.0.0") == (verified.name, verified.vsn)
    assert sorted([*GOOD_FILES, "releases/2.0.0/SHA256SUMS"]) == tree_files(tmp_path / "out")
    srv = "lib/tally-2.0.0/tally_srv.py"
    assert (DATA / "good" / srv).read_bytes() == (tmp_path / "out" / srv).read_bytes()


def test_extract_refuses_a_target_that_is_not_empty(tmp_path: Path) -> None:
    """A target holding anything is refused before a byte is written."""
    package = pack(DATA / "good", "2.0.0", tmp_path / "dist")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep me")
    with pytest.raises(PackageError, match="not an empty directory"):
        extract(package, tmp_path / "out")
    assert ["mine.txt"] == tree_files(tmp_path / "out")


def test_extract_refuses_a_damaged_package_writing_nothing(tmp_path: Path) -> None:
    """A package that does not verify leaves the target as it was (empty)."""
    package = pack(DATA / "good", "2.0.0", tmp_path / "dist")
    data = gzip.decompress(package.read_bytes()).replace(b"tally = {count}", b"tally # {count}")
    package.write_bytes(gzip.compress(data))
    (tmp_path / "out").mkdir()
    with pytest.raises(PackageError, match="does not match its SHA-256"):
        extract(package, tmp_path / "out")
    assert [] == list((tmp_path / "out").iterdir())


def test_open_release_reads_a_package_through_extract(tmp_path: Path) -> None:
    """open_release on a package gives its extracted release directory and the package."""
    package = pack(DATA / "good", "2.0.0", tmp_path)
    with open_release(str(package)) as opened:
        assert opened.package is not None and opened.root is not None
        assert (package, Path(opened.root, "releases", "2.0.0")) == (
            opened.package.path,
            Path(opened.ref),
        )
        assert sorted([*GOOD_FILES, "releases/2.0.0/SHA256SUMS"]) == tree_files(Path(opened.root))


@pytest.mark.parametrize("name", ["counter.rel", "counter"])
def test_open_release_refuses_an_otp_release(tmp_path: Path, name: str) -> None:
    """An OTP .rel, named with or without its suffix, is refused as OTP, not as unknown."""
    (tmp_path / "counter.rel").write_text("")
    with (
        pytest.raises(CheckError, match=r"OTP release \(\.rel\)"),
        open_release(str(tmp_path / name)),
    ):
        pass
