"""gen_server call round trips and cast throughput, beside the plain-asyncio floor.

    python bench/runtime_calls.py [DURATION_MS] [ROUNDS]

Prints ``name value unit`` lines; ``ratio.*`` lines compare relup with the floor
measured in the same run (bench/asyncio_floor.py, a verbatim copy of the shared one).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asyncio_floor import fig, rr_future, rr_queues

from relup.runtime import Node, gen_server, process


class Counter:
    """The same work as the floor's server: count and reply."""

    @staticmethod
    def init(_: Any) -> Any:
        return ("ok", {"count": 0})

    @staticmethod
    def handle_call(request: Any, from_: Any, state: dict[str, int]) -> Any:
        state["count"] += 1
        return ("reply", state["count"], state)

    @staticmethod
    def handle_cast(msg: Any, state: dict[str, int]) -> Any:
        state["count"] += 1
        return ("noreply", state)


async def relup_calls(pairs: int, duration: float, timeout: float | None) -> float:
    node = Node()
    results: list[int] = []
    start = asyncio.Event()

    async def client(server: Any) -> None:
        await start.wait()
        deadline = time.perf_counter() + duration
        count = 0
        call = gen_server.call
        while True:
            for _ in range(64):
                await call(server, "incr", timeout)
                count += 1
            if time.perf_counter() >= deadline:
                results.append(count)
                return

    async def main() -> float:
        servers = [await gen_server.start(Counter) for _ in range(pairs)]
        clients = [process.spawn(client, s) for s in servers]
        refs = [process.monitor(c) for c in clients]
        await asyncio.sleep(0)
        start.set()
        t0 = time.perf_counter()
        for _ in refs:
            await process.receive(lambda m: m[0] == "DOWN")
        return sum(results) / (time.perf_counter() - t0)

    try:
        rate: float = await node.run(main)
    finally:
        await node.shutdown()
    return rate


async def relup_casts(n: int) -> float:
    node = Node()

    async def main() -> float:
        server = await gen_server.start(Counter)
        assert server is not None
        t0 = time.perf_counter()
        cast = gen_server.cast
        for i in range(n):
            cast(server, i)
            if i % 1024 == 0:
                await asyncio.sleep(0)
        await gen_server.call(server, "sync", None)
        return n / (time.perf_counter() - t0)

    try:
        rate: float = await node.run(main)
    finally:
        await node.shutdown()
    return rate


def main() -> None:
    """Floor and relup alternate, ``ROUNDS`` times; each figure is its best round.

    Interleaving and best-of keep a busy machine from favouring one side.
    """
    duration = (int(sys.argv[1]) if len(sys.argv) > 1 else 1000) / 1000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    best: dict[str, float] = {}

    def keep(name: str, value: float) -> None:
        best[name] = max(best.get(name, 0.0), value)

    for _ in range(rounds):
        keep("py.queue_rr_1x1", asyncio.run(rr_queues(1, duration)))
        keep("py.future_call_1x1", asyncio.run(rr_future(1, duration)))
        keep("relup.call_1x1", asyncio.run(relup_calls(1, duration, 5.0)))
        keep("relup.call_1x1_no_timeout", asyncio.run(relup_calls(1, duration, None)))
        keep("py.future_call_100x100", asyncio.run(rr_future(100, duration)))
        keep("relup.call_100x100", asyncio.run(relup_calls(100, duration, 5.0)))
        keep("relup.cast", asyncio.run(relup_casts(200_000)))
    for name in (
        "py.queue_rr_1x1",
        "py.future_call_1x1",
        "py.future_call_100x100",
        "relup.call_1x1",
        "relup.call_1x1_no_timeout",
        "relup.call_100x100",
    ):
        fig(name, best[name], "calls/s")
    fig("relup.cast", best["relup.cast"], "casts/s")
    fig("ratio.call_1x1_vs_queue_rr", best["relup.call_1x1"] / best["py.queue_rr_1x1"], "x")
    fig("ratio.call_1x1_vs_future_call", best["relup.call_1x1"] / best["py.future_call_1x1"], "x")
    fig(
        "ratio.call_100x100_vs_future_call",
        best["relup.call_100x100"] / best["py.future_call_100x100"],
        "x",
    )


if __name__ == "__main__":
    main()
