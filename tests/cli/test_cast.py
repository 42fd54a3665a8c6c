"""`relup cast`: a gen_server cast in Erlang term text."""

from __future__ import annotations

import json

from relup.cli import exit_codes
from tests.cli.fake_node import FakeNode, fake_node, run

__all__ = ["fake_node"]


class TestCast:
    def test_sends_the_message(self, fake_node: FakeNode) -> None:
        """The message goes to the node as typed; the command says what it sent."""
        code, out, _ = run("cast", "kv_store", "{reset, 0}")
        assert exit_codes.OK == code
        assert "cast to kv_store: {reset, 0}\n" == out
        assert {"dest": "kv_store", "message": "{reset, 0}"} == fake_node.args("cast")

    def test_bad_term_is_a_usage_error(self, fake_node: FakeNode) -> None:
        """A message that is not a term: exit 2, and nothing sent."""
        code, _, _ = run("cast", "kv_store", "[1, 2")
        assert exit_codes.USAGE == code
        assert [] == fake_node.ops()

    def test_json(self, fake_node: FakeNode) -> None:
        """--json prints the node's empty answer."""
        code, out, _ = run("cast", "kv_store", "hello", "--json")
        assert exit_codes.OK == code
        assert {} == json.loads(out)
