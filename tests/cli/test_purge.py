"""`relup purge`: old code dropped, brutally or softly."""

from __future__ import annotations

import json

from relup.cli import exit_codes
from tests.cli.fake_node import FakeNode, Refusal, fake_node, run

__all__ = ["fake_node"]


class TestPurge:
    def test_brutal_by_default(self, fake_node: FakeNode) -> None:
        """Without --soft the purge kills, and the command names whom."""
        code, out, _ = run("purge", "kv_store")
        assert exit_codes.OK == code
        assert {"module": "kv_store", "soft": False} == fake_node.args("purge")
        assert "killed: <0.8.0>, <0.9.0>" in out

    def test_soft_refused_while_old_code_runs(self, fake_node: FakeNode) -> None:
        """--soft with processes on the old code: exit 1, naming them, with a hint."""
        fake_node.answers["purge"] = Refusal(  # as relup.release.ops words it
            "OldProcesses",
            "kv_store: old code still used by <0.3.0>\n"
            "hint: relup ps shows them; relup purge MODULE without --soft kills them",
        )
        code, _, err = run("purge", "kv_store", "--soft")
        assert exit_codes.FAILED == code
        assert True is fake_node.args("purge")["soft"]
        assert "error: kv_store: old code still used by <0.3.0>" in err
        assert "hint: relup ps shows them; relup purge MODULE without --soft kills them" in err

    def test_json(self, fake_node: FakeNode) -> None:
        """--json prints the node's answer."""
        code, out, _ = run("purge", "kv_store", "--json")
        assert exit_codes.OK == code
        assert {"killed": ["<0.8.0>", "<0.9.0>"]} == json.loads(out)
