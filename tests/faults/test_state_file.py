"""A state file that cannot be used stops ``relup node start`` with an error naming it.

The command runs as an operator runs it (``python -m relup node start --root R``, a
real process); the node it spawns must exit, and the state file must be left
exactly as it was (content and mode): relup never guesses or rewrites it.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from relup.release.store import STATE_FILE
from tests.faults.live import TIMEOUT, Kv, Live

pytestmark = pytest.mark.slow


def _corrupt(path: Path) -> str:
    path.write_bytes(path.read_bytes().replace(b"[[release]]", b"[[release]", 1))
    return "malformed release state file: line"


def _truncated(path: Path) -> str:
    data = path.read_bytes()
    path.write_bytes(data[: data.index(b"status")])  # cut inside the last [[release]] table
    return "malformed release state file: release 1: expected exactly the keys"


def _missing(path: Path) -> str:
    path.unlink()  # the release directories and lib/ are still there
    return "no release state file"


def _unreadable(path: Path) -> str:
    if os.geteuid() == 0:
        pytest.skip("running as root: chmod 000 does not stop root from reading the file")
    path.chmod(0)
    return "cannot read the release state file: Permission denied"


def _file(path: Path) -> tuple[bytes, int] | None:
    """Content and mode of ``path``, None if it is missing."""
    if not path.exists():
        return None
    return path.read_bytes(), stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(_corrupt, id="corrupt"),
        pytest.param(_truncated, id="truncated"),
        pytest.param(_unreadable, id="chmod-000"),
        pytest.param(_missing, id="missing"),
    ],
)
def test_node_start_refuses_a_damaged_state_file(
    live: Live, tmp_path: Path, damage: Callable[[Path], str]
) -> None:
    """relup node start exits 1 naming the state file and what is wrong; the file is untouched."""
    Kv.build(tmp_path, ("1",)).init(live.root)
    state_file = live.root / "releases" / STATE_FILE
    expected = damage(state_file)
    before = _file(state_file)

    try:
        done = subprocess.run(
            [sys.executable, "-m", "relup", "node", "start", "--root", str(live.root)],
            capture_output=True,
            text=True,
            timeout=3 * TIMEOUT,
            check=False,
        )
        output = done.stdout + done.stderr
        assert 1 == done.returncode, output
        assert f"{state_file}: {expected}" in output
        assert not live.layout.node_running()
        assert before == _file(state_file)
    finally:
        if state_file.exists():
            state_file.chmod(0o644)  # let pytest remove the directory
