"""`relup init` from the command line: the root created, refusals, exit codes and messages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from relup.cli import app
from relup.release.package import pack
from relup.release.root import ReleaseRoot
from relup.release.status import Status
from tests.release.conftest import shop_tree


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return pack(shop_tree(tmp_path / "tree", ["1.0.0"]), "1.0.0", tmp_path / "dist")


class TestInit:
    def test_creates_root(self, package: Path, tmp_path: Path) -> None:
        """The root is created with the package's release permanent, and the output says so."""
        target = tmp_path / "srv" / "shop"
        code, out, _ = run("init", str(target), str(package))
        assert 0 == code
        assert f"created release root {target}: shop 1.0.0 is permanent" in out
        assert "shop-1.0.0, base-1.0" in out
        assert [("1.0.0", Status.PERMANENT)] == [
            (r.vsn, r.status) for r in ReleaseRoot(target).releases()
        ]

    def test_refuses_non_empty_directory(self, package: Path, tmp_path: Path) -> None:
        """A non-empty directory: exit 1, an error naming it, a hint, and nothing written."""
        target = tmp_path / "busy"
        target.mkdir()
        (target / "data.db").write_text("")
        code, _, err = run("init", str(target), str(package))
        assert 1 == code
        assert f"error: {target} is not a release root and not empty (it holds data.db)" in err
        assert "hint: create a release root in a new or empty directory" in err
        assert ["data.db"] == os.listdir(target)

    def test_refuses_a_second_init(self, package: Path, tmp_path: Path) -> None:
        """Running init twice on one root is refused the second time."""
        assert 0 == run("init", str(tmp_path / "r"), str(package))[0]
        code, _, err = run("init", str(tmp_path / "r"), str(package))
        assert 1 == code
        assert "is already a release root (releases 1.0.0)" in err

    def test_refuses_a_damaged_package(self, package: Path, tmp_path: Path) -> None:
        """A package that is not a gzip: exit 1, the package named, no root created."""
        damaged = tmp_path / "damaged.tar.gz"
        damaged.write_bytes(package.read_bytes()[:100])
        code, _, err = run("init", str(tmp_path / "r"), str(damaged))
        assert 1 == code
        assert f"error: {damaged}: corrupt or truncated package" in err
        assert not (tmp_path / "r").exists()

    def test_missing_package(self, tmp_path: Path) -> None:
        """A package path that does not exist: exit 1 and a clear error."""
        code, _, err = run("init", str(tmp_path / "r"), str(tmp_path / "nope.tar.gz"))
        assert 1 == code
        assert "cannot read the package: No such file or directory" in err

    def test_help(self) -> None:
        """--help says what ROOT gets and that the release becomes permanent."""
        code, out, _ = run("init", "--help")
        assert 0 == code
        assert "releases/RELEASES.toml" in out
        assert "permanent" in out
