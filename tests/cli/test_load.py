"""`relup load`: a module loaded by hand from an absolute path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relup.cli import exit_codes
from tests.cli.fake_node import FakeNode, Refusal, fake_node, flat, run

__all__ = ["fake_node"]


class TestLoad:
    def test_file_is_made_absolute(
        self, fake_node: FakeNode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A relative --file is resolved here: the node's working directory is not ours."""
        (tmp_path / "debug").mkdir()
        (tmp_path / "debug" / "kv_store.py").write_text("__vsn__ = 'debug'\n")
        monkeypatch.chdir(tmp_path)
        code, out, _ = run("load", "kv_store", "--file", "debug/kv_store.py")
        assert exit_codes.OK == code
        assert {"module": "kv_store", "file": str(tmp_path / "debug" / "kv_store.py")} == (
            fake_node.args("load")
        )
        assert "loaded kv_store md5:0123456789abcdef0123456789abcdef from /tmp/kv_store.py" in (
            flat(out)
        )
        assert "killed: <0.7.0>" in out

    def test_without_file(self, fake_node: FakeNode) -> None:
        """Without --file the node reloads the module's current file (file: null)."""
        code, _, _ = run("load", "kv_store")
        assert exit_codes.OK == code
        assert {"module": "kv_store", "file": None} == fake_node.args("load")

    def test_missing_file_is_a_usage_error(self, fake_node: FakeNode, tmp_path: Path) -> None:
        """A --file that does not exist: exit 2, nothing sent."""
        code, _, _ = run("load", "kv_store", "--file", str(tmp_path / "nope.py"))
        assert exit_codes.USAGE == code
        assert [] == fake_node.ops()

    def test_refused(self, fake_node: FakeNode) -> None:
        """An unknown module without --file: exit 1, and the hint to give one."""
        fake_node.answers["load"] = Refusal(  # as relup.release.ops words it
            "NotLoaded",
            "module nope is not loaded; give --file\n"
            "hint: give the module's file: relup load nope --file PATH",
        )
        code, _, err = run("load", "nope")
        assert exit_codes.FAILED == code
        assert "error: module nope is not loaded; give --file" in err
        assert "hint: give the module's file: relup load nope --file PATH" in err

    def test_json(self, fake_node: FakeNode) -> None:
        """--json prints the node's answer."""
        code, out, _ = run("load", "kv_store", "--json")
        assert exit_codes.OK == code
        assert ["<0.7.0>"] == json.loads(out)["killed"]
