"""Crash points for fault tests on a real node: SIGKILL at a chosen step, from the environment.

A fault test starts a node with one of these variables set, makes it reach the
chosen point, and checks what a restarted node finds. They exist for tests only;
a node started without them has no fault hooks at all.

* ``RELUP_FAULT_KILL_AT_STEP=N``: the node kills itself (SIGKILL, no cleanup) just
  before evaluating instruction ``N`` (1-based) of an install's script.
* ``RELUP_FAULT_KILL_AT_RENAME=N:before|after``: the node kills itself just before,
  or just after, the rename of its ``N``-th atomic file replacement (1-based; the
  state file's writes, and unpack's and remove's directory moves).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

from relup.plan import instructions as ins
from relup.release.store import REAL_FS, FileSystem

STEP_VAR = "RELUP_FAULT_KILL_AT_STEP"
RENAME_VAR = "RELUP_FAULT_KILL_AT_RENAME"


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def step_fault() -> Callable[[int, ins.Instruction], None] | None:
    """The evaluator's ``fault`` hook the environment asks for, else None."""
    raw = os.environ.get(STEP_VAR)
    if not raw:
        return None
    target = int(raw)

    def fault(step: int, _instr: ins.Instruction) -> None:
        if step == target:
            _die()

    return fault


class _KillingFS(FileSystem):
    def __init__(self, target: int, when: str) -> None:
        self.count = 0
        self.target = target
        self.when = when

    def replace(self, src: Path, dst: Path) -> None:
        self.count += 1
        if self.count == self.target and self.when == "before":
            _die()
        super().replace(src, dst)
        if self.count == self.target and self.when == "after":
            _die()


def file_system() -> FileSystem:
    """The file system the environment asks for: one that dies at a rename, else the real one."""
    raw = os.environ.get(RENAME_VAR)
    if not raw:
        return REAL_FS
    number, _, when = raw.partition(":")
    if when not in ("before", "after"):
        raise ValueError(f"{RENAME_VAR} must be N:before or N:after, got {raw!r}")
    return _KillingFS(int(number), when)
