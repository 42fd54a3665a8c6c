"""`relup unpack`: the package path made absolute, the next step shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relup.cli import exit_codes
from tests.cli.fake_node import FakeNode, Refusal, fake_node, flat, run

__all__ = ["fake_node"]


@pytest.fixture
def package(tmp_path: Path) -> Path:
    path = tmp_path / "dist" / "kvstore-2.0.0.tar.gz"
    path.parent.mkdir()
    path.write_bytes(b"not checked here: the node checks the package")
    return path


class TestUnpack:
    def test_path_is_made_absolute(
        self, fake_node: FakeNode, package: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A relative path is resolved here, since the node runs elsewhere."""
        monkeypatch.chdir(package.parent.parent)
        code, out, _ = run("unpack", "dist/kvstore-2.0.0.tar.gz")
        assert exit_codes.OK == code
        assert {"package": str(package)} == fake_node.args("unpack")
        assert f"unpacked release 2.0.0 from {package}" in flat(out)
        assert "next: relup install 2.0.0 --root" in out

    def test_missing_package_is_a_usage_error(self, fake_node: FakeNode, tmp_path: Path) -> None:
        """A package that does not exist: exit 2, nothing sent."""
        code, _, _ = run("unpack", str(tmp_path / "nope.tar.gz"))
        assert exit_codes.USAGE == code
        assert [] == fake_node.ops()

    def test_refused(self, fake_node: FakeNode, package: Path) -> None:
        """The node refuses (release already there): exit 1, its message and hint."""
        fake_node.answers["unpack"] = Refusal(
            "ExistingRelease",
            "release '2.0.0' is already in this root\nhint: remove it first",
        )
        code, _, err = run("unpack", str(package))
        assert exit_codes.FAILED == code
        assert "error: release '2.0.0' is already in this root" in err
        assert "hint: remove it first" in err

    def test_json(self, fake_node: FakeNode, package: Path) -> None:
        """--json prints {"vsn": ...}."""
        code, out, _ = run("unpack", str(package), "--json")
        assert exit_codes.OK == code
        assert {"vsn": "2.0.0"} == json.loads(out)
