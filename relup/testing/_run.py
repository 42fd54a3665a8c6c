"""Run a test body as a process on a fresh node, and fail on anything the loop saw."""

from __future__ import annotations

import asyncio
import gc
from typing import TYPE_CHECKING, Any, TypeVar

from relup.runtime.node import Node

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

T = TypeVar("T")


def run(
    main: Callable[..., Coroutine[Any, Any, T]],
    *args: Any,
    clock: Callable[[], float] | None = None,
    timeout: float = 20.0,
) -> T:
    """``asyncio.run`` a node, run ``main(node, *args)`` as a process, shut the node down.

    Raises whatever ``main`` raised, ``TimeoutError`` after ``timeout`` seconds, and
    ``AssertionError`` if the event loop's exception handler was called at all: no
    process may take the loop down or leak an exception into it.
    """
    loop_errors: list[dict[str, Any]] = []

    async def body() -> T:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _loop, ctx: loop_errors.append(ctx))
        node = Node(clock=clock)
        try:
            return await asyncio.wait_for(node.run(main, node, *args), timeout)
        finally:
            await node.shutdown()
            gc.collect()
            await asyncio.sleep(0)

    result = asyncio.run(body())
    if loop_errors:
        raise AssertionError(f"the event loop reported errors: {loop_errors!r}")
    return result
