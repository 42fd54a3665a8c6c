"""Wait until every process of a node is blocked in receive (no sleeps in tests)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from relup.runtime._process import current_process

if TYPE_CHECKING:
    from relup.runtime.node import Node


def is_idle(node: Node) -> bool:
    """True if every live process except the caller is parked on its mailbox or in a call."""
    me = current_process.get()
    for proc in node.procs.values():
        if proc is me:
            continue
        if proc.in_call is not None and not proc.in_call.fut.done():
            continue
        w = proc._waiter
        if w is None or w.done():
            return False
    return True


async def run_until_idle(node: Node, *, max_rounds: int = 10_000) -> None:
    """Let the loop run until every process (but the caller) waits in receive.

    Timers do not count as work: a process waiting for ``send_after`` is idle. Raises
    ``TimeoutError`` if the node is still busy after ``max_rounds`` loop iterations (a
    process sleeping or blocked on something other than its mailbox is never idle).
    """
    quiet = 0
    for _ in range(max_rounds):
        await asyncio.sleep(0)
        if is_idle(node):
            quiet += 1
            if quiet >= 3:
                return
        else:
            quiet = 0
    busy = [p for p in node.procs.values() if p.status == "running"]
    raise TimeoutError(f"node not idle after {max_rounds} rounds; busy: {busy!r}")
