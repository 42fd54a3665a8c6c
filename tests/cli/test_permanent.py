"""`relup permanent`: the release a restart boots."""

from __future__ import annotations

import json

from relup.cli import exit_codes
from tests.cli.fake_node import FakeNode, fake_node, run

__all__ = ["fake_node"]


class TestPermanent:
    def test_makes_permanent(self, fake_node: FakeNode) -> None:
        """The version is sent and the output says a restart boots it."""
        code, out, _ = run("permanent", "2.0.0")
        assert exit_codes.OK == code
        assert {"vsn": "2.0.0"} == fake_node.args("permanent")
        assert "release 2.0.0 is permanent: a restart of the node boots it\n" == out

    def test_json(self, fake_node: FakeNode) -> None:
        """--json prints the node's empty answer."""
        code, out, _ = run("permanent", "2.0.0", "--json")
        assert exit_codes.OK == code
        assert {} == json.loads(out)
