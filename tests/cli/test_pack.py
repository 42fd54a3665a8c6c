"""`relup pack` from the command line: the package written, the summary, JSON, and errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from relup.cli import app
from tests.release.conftest import shop_tree


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return shop_tree(tmp_path / "tree", ["1.0.0", "2.0.0"])


class TestPack:
    def test_writes_package_and_summary(self, tree: Path, tmp_path: Path) -> None:
        """The package goes to -o DIR; the summary names it, its applications and digest."""
        code, out, _ = run("pack", str(tree), "2.0.0", "-o", str(tmp_path / "dist"))
        package = tmp_path / "dist" / "shop-2.0.0.tar.gz"
        assert 0 == code
        assert package.is_file()
        assert f"packed shop 2.0.0 into {package}" in out
        assert "shop-2.0.0, base-1.0" in out
        assert hashlib.sha256(package.read_bytes()).hexdigest() in out

    def test_default_output_is_the_current_directory(
        self, tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without -o the package is written in the current directory."""
        monkeypatch.chdir(tmp_path)
        assert 0 == run("pack", str(tree), "1.0.0")[0]
        assert (tmp_path / "shop-1.0.0.tar.gz").is_file()

    def test_json(self, tree: Path, tmp_path: Path) -> None:
        """--json prints the package path, release, applications, file count and SHA-256."""
        code, out, _ = run("pack", str(tree), "2.0.0", "-o", str(tmp_path), "--json")
        assert 0 == code
        described = json.loads(out)
        package = tmp_path / "shop-2.0.0.tar.gz"
        assert {
            "package": str(package),
            "name": "shop",
            "vsn": "2.0.0",
            "python": "3.11",
            "applications": ["shop-2.0.0", "base-1.0"],
            "files": 11,
            "bytes": package.stat().st_size,
            "sha256": hashlib.sha256(package.read_bytes()).hexdigest(),
        } == described

    def test_unknown_release(self, tree: Path, tmp_path: Path) -> None:
        """A version the tree lacks: exit 1, an error naming the tree, a hint, nothing written."""
        code, out, err = run("pack", str(tree), "9.9", "-o", str(tmp_path / "dist"))
        assert 1 == code
        assert "" == out
        assert f"error: no releases/9.9/release.toml in the release tree {tree}" in err
        assert "hint: TREE is the directory holding releases/" in err
        assert not (tmp_path / "dist").exists()

    def test_missing_application(self, tree: Path, tmp_path: Path) -> None:
        """A release naming an application directory the tree lacks: exit 1, the dir named."""
        app_toml = tree / "lib" / "base-1.0" / "app.toml"
        app_toml.unlink()
        code, _, err = run("pack", str(tree), "2.0.0", "-o", str(tmp_path))
        assert 1 == code
        assert f"error: {app_toml}: cannot read" in err
        assert "Traceback" not in err

    def test_help(self) -> None:
        """--help says what goes into a package and shows an example."""
        code, out, _ = run("pack", "--help")
        assert 0 == code
        assert "SHA256SUMS" in out
        assert "relup pack . 1.0.0 -o dist/" in out
