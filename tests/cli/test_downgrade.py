"""`relup downgrade`: the install op, refused unless the node's check says down."""

from __future__ import annotations

import json

from relup.cli import exit_codes
from tests.cli.fake_node import INSTALLED, PLAN, FakeNode, fake_node, flat, run

__all__ = ["fake_node"]

DOWN = {"direction": "down", "other": "1.0.0"}


class TestDowngrade:
    def test_refuses_an_upgrade_before_changing_anything(self, fake_node: FakeNode) -> None:
        """The check says up: exit 1, why, how to install it instead, and no install sent."""
        code, _, err = run("downgrade", "2.0.0")
        assert exit_codes.FAILED == code
        assert (
            "error: relup downgrade only goes down, and the node would go up to 2.0.0 "
            "(up from 1.0.0)" in err
        )
        assert "hint: relup install 2.0.0 installs it" in err
        assert ["check"] == fake_node.ops()

    def test_refusal_as_json(self, fake_node: FakeNode) -> None:
        """--json: the refusal's kind is not-a-downgrade."""
        code, out, _ = run("downgrade", "2.0.0", "--json")
        assert exit_codes.FAILED == code
        assert "not-a-downgrade" == json.loads(out)["error"]["kind"]

    def test_downgrades(self, fake_node: FakeNode) -> None:
        """The check says down: the install is sent and the summary says downgraded."""
        fake_node.answers["check"] = DOWN
        fake_node.answers["install"] = {
            **INSTALLED,
            "vsn": "1.0.0",
            "previous": "2.0.0",
            "direction": "down",
        }
        code, out, _ = run("downgrade", "1.0.0", "--permanent")
        assert exit_codes.OK == code
        assert ["check", "install"] == [op for op in fake_node.ops() if op != "install_progress"]
        assert {"vsn": "1.0.0", "permanent": True} == {
            k: fake_node.args("install")[k] for k in ("vsn", "permanent")
        }
        text = flat(out)
        assert "installing 1.0.0 (down)" in text
        assert "✓ check the running release's relup leads down to 1.0.0" in text
        assert "installed 1.0.0: downgraded from 2.0.0" in text

    def test_dry_run(self, fake_node: FakeNode) -> None:
        """--dry-run shows the downgrade's plan and installs nothing."""
        fake_node.answers["check"] = DOWN
        fake_node.answers["install"] = {
            **PLAN,
            "vsn": "1.0.0",
            "previous": "2.0.0",
            "direction": "down",
        }
        code, out, _ = run("downgrade", "1.0.0", "--dry-run")
        assert exit_codes.OK == code
        assert "dry run: install 1.0.0 (down from 2.0.0); nothing was changed" in flat(out)
        assert True is fake_node.args("install")["dry_run"]
