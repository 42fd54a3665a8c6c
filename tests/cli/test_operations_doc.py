"""docs/operations.md keeps up with the operator commands."""

from __future__ import annotations

import re

import pytest

from relup.cli import OPERATE, app, exit_codes
from tests.conftest import REPO

DOC = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
COMMANDS = [c.name for c in app.registered_commands if c.rich_help_panel == OPERATE]


def test_every_operator_command_is_registered() -> None:
    """The eleven commands of issue 5 are registered under the operator panel."""
    assert [
        "unpack",
        "install",
        "permanent",
        "downgrade",
        "remove",
        "releases",
        "ps",
        "call",
        "cast",
        "load",
        "purge",
    ] == COMMANDS


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_a_section(command: str) -> None:
    """Each operator command has a heading of its own in the guide."""
    assert re.search(rf"^### .*`relup {command}\b", DOC, re.MULTILINE), command


def test_exit_statuses_table_matches_exit_codes() -> None:
    """The guide's exit status table lists exactly the statuses of relup/cli/exit_codes.py."""
    section = DOC.split("## Exit statuses", 1)[1].split("\n## ", 1)[0]
    listed = {int(n) for n in re.findall(r"^\| (\d+) \|", section, re.MULTILINE)}
    assert {
        exit_codes.OK,
        exit_codes.FAILED,
        exit_codes.USAGE,
        exit_codes.NODE_NOT_RUNNING,
        exit_codes.NO_ANSWER,
        exit_codes.INTERNAL,
    } == listed
