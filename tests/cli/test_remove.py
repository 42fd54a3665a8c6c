"""`relup remove`: a release deleted from the root."""

from __future__ import annotations

import json

from relup.cli import exit_codes
from tests.cli.fake_node import FakeNode, fake_node, run

__all__ = ["fake_node"]


class TestRemove:
    def test_removes(self, fake_node: FakeNode) -> None:
        """The version is sent and the output says it is gone."""
        code, out, _ = run("remove", "1.0.0")
        assert exit_codes.OK == code
        assert {"vsn": "1.0.0"} == fake_node.args("remove")
        assert "removed release 1.0.0\n" == out

    def test_json(self, fake_node: FakeNode) -> None:
        """--json prints the node's empty answer."""
        code, out, _ = run("remove", "1.0.0", "--json")
        assert exit_codes.OK == code
        assert {} == json.loads(out)
