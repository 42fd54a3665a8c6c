"""`relup ps`: processes with their code versions, old code and hand-loaded marks."""

from __future__ import annotations

import json

from relup.cli import exit_codes
from tests.cli.fake_node import PS, FakeNode, fake_node, flat, run

__all__ = ["fake_node"]


class TestPs:
    def test_table(self, fake_node: FakeNode) -> None:
        """Each process: pid, name, module, versions (old marked), status, queue, hand mark."""
        code, out, _ = run("ps")
        assert exit_codes.OK == code
        text = flat(out)
        assert "pid name module code status queue hand" in text
        assert "<0.2.0> kv_sup kv_sup - waiting 0" in text
        assert "<0.3.0> kv_store kv_store 2.0.0 running 7 yes 1.0.0 old" in text
        assert "<0.5.0> kv_listener kv_listener md5:4425178b waiting 0" in text
        assert "3 processes; 1 on old code; 1 running hand-loaded code" in text

    def test_json(self, fake_node: FakeNode) -> None:
        """--json prints the node's answer unchanged (full digests included)."""
        code, out, _ = run("ps", "--json")
        assert exit_codes.OK == code
        assert PS == json.loads(out)
