"""A clock that moves only when told to, for restart intensity and other time checks."""

from __future__ import annotations

from typing import final


@final
class ManualClock:
    """Callable like ``time.monotonic``; :meth:`advance` moves it forward.

    Pass it as ``Node(clock=...)``: supervisors read it to count restarts per period,
    so a test can cross a period boundary without sleeping.
    """

    __slots__ = ("now",)

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a clock does not go back: seconds={seconds!r}")
        self.now += seconds
