"""What a process waiting for its next message keeps for the young-generation collector.

Every GC-tracked object a process allocates when it parks lives as long as it stays
parked; a young collection scans all of them for every process that waited since
the previous one (with 100,000 servers under load, that is most of them). A parked
gen_server keeps its waiter future and what asyncio adds to it (the future's
iterator, the task's wake-up callback), nothing else: no helper coroutine, no
leftover of the message it last handled (the call, the caller's future, the
callback's return value).
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from relup.runtime import Node, Pid, gen_server, process
from relup.testing import run, run_until_idle

N = 200
#: what asyncio allocates for one ``await future`` in a task (CPython's C Task)
ASYNCIO_WAIT = {"Future", "FutureIter", "builtin_function_or_method"}
#: the loop's own bookkeeping while the measurement runs, independent of N
SLACK = 20


class Echo:
    @staticmethod
    def init(_: Any) -> Any:
        return ("ok", {"n": 0})

    @staticmethod
    def handle_call(request: Any, from_: Any, state: dict[str, int]) -> Any:
        state["n"] += 1
        return ("reply", (request, state["n"]), state)


async def raw_loop() -> None:
    while await process.receive() != "stop":
        pass


async def young_objects(node: Node, act: Callable[[], Awaitable[None]]) -> list[Any]:
    """Run ``act()`` with the collector off; the objects it left in generation 0."""
    gc.disable()
    try:
        gc.collect()
        await act()
        await run_until_idle(node)
        return gc.get_objects(0)
    finally:
        gc.enable()


def census(objs: list[Any]) -> Counter[str]:
    return Counter(type(o).__name__ for o in objs)


def coroutine_names(objs: list[Any]) -> Counter[str]:
    return Counter(o.__qualname__ for o in objs if type(o).__name__ == "coroutine")


def test_a_parked_gen_server_keeps_only_its_waiter() -> None:
    async def main(node: Node) -> list[Any]:
        servers: list[Pid] = []
        for _ in range(N):
            pid = await gen_server.start(Echo, None)
            assert pid is not None
            servers.append(pid)
        for s in servers:  # a server's first call allocates its set of callers
            await gen_server.call(s, "warm")

        async def one_call_each() -> None:
            for s in servers:
                assert await gen_server.call(s, ("req", 1)) == (("req", 1), 2)

        return await young_objects(node, one_call_each)

    objs = run(main)
    kinds = census(objs)
    ours = sum(n for kind, n in kinds.items() if kind not in ASYNCIO_WAIT)
    assert ours <= SLACK, kinds.most_common(8)
    assert kinds["Future"] <= N + SLACK, kinds.most_common(8)
    assert len(objs) <= len(ASYNCIO_WAIT) * N + SLACK, kinds.most_common(8)


def test_a_raw_process_parks_without_a_helper_coroutine() -> None:
    async def main(node: Node) -> list[Any]:
        procs = [process.spawn(raw_loop) for _ in range(N)]
        await run_until_idle(node)

        async def one_message_each() -> None:
            for p in procs:
                process.send(p, ("msg", 1))

        objs = await young_objects(node, one_message_each)
        for p in procs:
            process.send(p, "stop")
        return objs

    objs = run(main)
    names = coroutine_names(objs)  # process.receive and the Process.receive it awaits
    assert set(names) <= {"receive", "Process.receive"}, names
    assert max(names.values()) == N, names
    kinds = census(objs)
    assert kinds["Future"] <= N + SLACK, kinds.most_common(8)
