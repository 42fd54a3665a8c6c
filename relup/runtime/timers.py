"""Timers that deliver messages: ``send_after``, ``cancel_timer``.

A timer is a loop callback that sends a message; the waiting process is at a message
boundary the whole time (unlike ``await asyncio.sleep``, which parks it inside
application code and pins the version it runs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, final

from relup.runtime._process import Ref
from relup.runtime.node import current_node

if TYPE_CHECKING:
    import asyncio

    from relup.runtime._process import Pid


@final
class TimerRef(Ref):
    """Identifies a pending timer for :func:`cancel_timer`."""

    __slots__ = ("_handle",)

    def __init__(self, handle: asyncio.TimerHandle | None = None) -> None:
        super().__init__()
        self._handle = handle


def send_after(delay: float, dest: Pid | str, msg: Any) -> TimerRef:
    """Send ``msg`` to ``dest`` after ``delay`` seconds (dropped if ``dest`` is gone)."""
    node = current_node()
    ref = TimerRef()

    def fire() -> None:
        ref._handle = None
        proc = node.lookup(dest)
        if proc is not None:
            proc.deliver(msg)

    ref._handle = node.loop.call_later(delay, fire)
    return ref


def cancel_timer(ref: TimerRef) -> bool:
    """Cancel a timer; False if it already fired or was cancelled."""
    handle = ref._handle
    if handle is None:
        return False
    ref._handle = None
    handle.cancel()
    return True
