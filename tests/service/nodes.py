"""Helpers for tests that run real node processes: short roots, and nothing left running.

Unix socket paths are limited to about 100 bytes, so roots are made directly under
pytest's base temporary directory with a short name. The ``node_root`` fixture kills
(SIGKILL) any node still holding the root's lock when the test ends, so that a
failing test never leaves a process behind, and fails the test if it had to.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from relup.service.launcher import kill
from tests.conftest import REPO

#: Boot hooks the tests' node processes load with --boot (see tests/service/hooks.py).
HOOKS = "tests.service.hooks"


@pytest.fixture
def node_root(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """An empty release root with a short path; any node left on it is killed at the end."""
    root = tmp_path_factory.mktemp("r", numbered=True)
    # the node processes import the tests' boot hooks
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", str(REPO) + (os.pathsep + path if path else ""))
    monkeypatch.delenv("RELUP_ROOT", raising=False)
    yield root
    leftover = kill(root, timeout=5)
    if leftover is not None:
        pytest.fail(f"a node (pid {leftover}) was still running at {root}; killed it")


def service_command(root: Path, *args: str) -> list[str]:
    """``python -m relup.service --root ROOT ARGS...``"""
    return [sys.executable, "-m", "relup.service", "--root", str(root), *args]


def spawn_foreground(command: Sequence[str]) -> subprocess.Popen[str]:
    """Start a foreground node (or CLI) process with its output captured."""
    return subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def wait_for(predicate: object, timeout: float = 10.0, what: str = "condition") -> None:
    """Poll ``predicate()`` until it is true, failing after ``timeout`` seconds."""
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)
