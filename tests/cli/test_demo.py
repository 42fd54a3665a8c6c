"""``relup demo`` end to end: a real node, real TCP clients, four installs, nothing lost."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from relup.cli import app


@pytest.mark.slow
def test_demo_upgrades_and_downgrades_with_no_request_lost() -> None:
    """Every client keeps its connection, sees 1→2→3→2→1, and no request fails."""
    result = CliRunner().invoke(app, ["demo", "--json", "--clients", "3"])
    assert 0 == result.exit_code, result.output
    report = json.loads(result.output)
    assert (True, 0) == (report["ok"], report["lost"])
    assert [("2.0.0", "up"), ("3.0.0", "up"), ("2.0.0", "down"), ("1.0.0", "down")] == [
        (s["vsn"], s["direction"]) for s in report["steps"]
    ]
    assert all(s["upgraded"] > 0 for s in report["steps"])
    assert [["1", "2", "3", "2", "1"]] * 3 == [c["versions"] for c in report["clients"]]
    assert all(c["requests"] > 10 and c["error"] is None for c in report["clients"])
    assert 3 == len({c["local_port"] for c in report["clients"]})
