"""`relup releases`: the table, the running marker, hand-loaded modules, --json."""

from __future__ import annotations

import json

from relup.cli import exit_codes
from tests.cli.fake_node import RELEASES, FakeNode, fake_node, flat, run

__all__ = ["fake_node"]


class TestReleases:
    def test_table(self, fake_node: FakeNode) -> None:
        """One row per release, newest first, the running one marked with *."""
        code, out, _ = run("releases")
        assert exit_codes.OK == code
        text = flat(out)
        assert "version status python applications" in text
        assert "kvstore 2.0.0 unpacked 3.11 kv-2.0.0 * kvstore 1.0.0 permanent 3.11 kv-1.0.0" in (
            text
        )
        assert "* the release the node runs (1.0.0)" in text

    def test_install_in_progress_and_hand_loaded_code(self, fake_node: FakeNode) -> None:
        """An install in progress and each module loaded by hand are listed under the table."""
        fake_node.answers["releases"] = {
            **RELEASES,
            "installing": "2.0.0",
            "hand_loaded": {"kv_store": "/tmp/kv_store_debug.py"},
        }
        code, out, _ = run("releases")
        assert exit_codes.OK == code
        assert "an install of 2.0.0 is in progress" in out
        assert "hand-loaded: kv_store from /tmp/kv_store_debug.py" in out

    def test_json(self, fake_node: FakeNode) -> None:
        """--json prints the node's answer unchanged."""
        code, out, _ = run("releases", "--json")
        assert exit_codes.OK == code
        assert RELEASES == json.loads(out)
