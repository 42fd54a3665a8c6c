"""The benchmark scripts run as a user runs them, at a small size, and nothing is lost.

Their figures are for the closing notes (speed is measured there, not asserted
here); what must hold at any size is checked: no failed call, every server
migrated, every caller or client answered by the new code and kept its connection.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def figures(script: str, *args: str) -> dict[str, float]:
    """Run ``bench/<script>`` with this interpreter; its ``name value unit`` lines."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert 0 == done.returncode, done.stderr[-2000:]
    out: dict[str, float] = {}
    for line in done.stdout.splitlines():
        name, value, _unit = line.split()
        out[name] = float(value)
    return out


def test_upgrade_bench_loses_no_call() -> None:
    """1,000 servers, 100 callers: up and down with 0 failed calls, every state migrated."""
    got = figures("upgrade.py", "1000")
    assert 0 == got["n1000.calls.failed"]
    assert 1000 == got["n1000.migrated"]
    assert 100 == got["n1000.callers.saw_v2"]
    assert got["n1000.calls.answered"] > 0
    for name in ("install.pause", "install.after", "idle.pause", "downgrade.pause"):
        assert got[f"n1000.{name}"] > 0, name  # every caller kept getting replies
    assert got["n1000.floor.code_change"] > 0


def test_upgrade_tcp_bench_keeps_every_connection() -> None:
    """10 TCP clients through 1 → 2 → 3 → 2 → 1 on a real node: 0 failed, 10 kept."""
    got = figures("upgrade_tcp.py", "10")
    assert 0 == got["tcp10.calls.failed"]
    assert 10 == got["tcp10.clients.kept_connection"]
    steps = sorted(k for k in got if k.endswith(".install.pause"))
    assert 4 == len(steps), steps
    assert got["tcp10.calls.answered"] > 0
