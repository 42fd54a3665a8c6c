"""`relup call`: a gen_server call in Erlang term text; the reply printed as term text."""

from __future__ import annotations

import json

from relup.cli import exit_codes
from tests.cli.fake_node import FakeNode, Refusal, fake_node, flat, run

__all__ = ["fake_node"]


class TestCall:
    def test_prints_the_reply(self, fake_node: FakeNode) -> None:
        """The reply is printed as the node wrote it, alone on its line."""
        code, out, _ = run("call", "kv_store", '{get, "k"}')
        assert exit_codes.OK == code
        assert "{ok,42}\n" == out
        assert {"dest": "kv_store", "request": '{get, "k"}', "timeout": 5.0} == (
            fake_node.args("call")
        )

    def test_pid_and_timeout(self, fake_node: FakeNode) -> None:
        """A pid as destination and --timeout are passed on."""
        code, _, _ = run("call", "<0.42.0>", "state.", "--timeout", "0.5")
        assert exit_codes.OK == code
        assert {"dest": "<0.42.0>", "request": "state.", "timeout": 0.5} == fake_node.args("call")

    def test_bad_term_is_a_usage_error(self, fake_node: FakeNode) -> None:
        """A request that is not a term: exit 2 with the position, and nothing sent."""
        code, _, err = run("call", "kv_store", "{get, k")
        assert exit_codes.USAGE == code
        assert "not an Erlang term: line 1, column 8" in flat(err)
        assert [] == fake_node.ops()

    def test_failed_call(self, fake_node: FakeNode) -> None:
        """A call the node could not make (no such process): exit 1 with its message."""
        fake_node.answers["call"] = Refusal("CallError", "call to 'nosuch' failed: 'noproc'")
        code, _, err = run("call", "nosuch", "ping")
        assert exit_codes.FAILED == code
        assert "error: call to 'nosuch' failed: 'noproc'" in err

    def test_json(self, fake_node: FakeNode) -> None:
        """--json prints {"reply": term text}."""
        code, out, _ = run("call", "kv_store", "ping", "--json")
        assert exit_codes.OK == code
        assert {"reply": "{ok,42}"} == json.loads(out)
