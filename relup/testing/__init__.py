"""Helpers for testing code that runs on a relup node (ours and users')."""

from relup.testing._run import run
from relup.testing.clock import ManualClock
from relup.testing.idle import is_idle, run_until_idle

__all__ = ["ManualClock", "is_idle", "run", "run_until_idle"]
