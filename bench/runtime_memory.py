"""Memory per idle gen_server, spawn rate, and 100,000 children under one supervisor.

    python bench/runtime_memory.py [N]

Each measurement runs in a fresh interpreter so that RSS deltas are clean; the floor
(``asyncio_floor.py tasks N``: N bare tasks each blocked on its own asyncio.Queue)
runs the same way in the same invocation.
"""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from asyncio_floor import fig, rss_bytes  # noqa: E402

from relup.runtime import ChildSpec, Node, gen_server, process, supervisor  # noqa: E402
from relup.runtime.gc_policy import NODE_THRESHOLDS, tune_gc  # noqa: E402


class Idle:
    @staticmethod
    async def start_link(i: int) -> Any:
        return await gen_server.start_link(Idle, i)

    @staticmethod
    def init(i: int) -> Any:
        return ("ok", {"id": i, "count": 0})

    @staticmethod
    def handle_call(request: Any, from_: Any, state: Any) -> Any:
        return ("reply", None, state)

    @staticmethod
    def handle_cast(msg: Any, state: Any) -> Any:
        return ("noreply", state)


class Sup:
    @staticmethod
    def init(_: Any) -> Any:
        spec = ChildSpec(id="idle", start=(Idle, "start_link", ()))
        return ({"strategy": "simple_one_for_one"}, [spec])


async def _servers(n: int) -> None:
    tag = f".N{n}"

    async def main() -> None:
        gc.collect()
        rss0 = rss_bytes()
        t0 = time.perf_counter()
        for i in range(n):
            await gen_server.start(Idle, i)
        await asyncio.sleep(0)
        t1 = time.perf_counter()
        gc.collect()
        rss1 = rss_bytes()
        fig("relup.gen_server_start_ms" + tag, (t1 - t0) * 1e3, "ms")
        fig("relup.mem_per_gen_server_rss" + tag, (rss1 - rss0) / n, "bytes")

    node = Node()
    await node.run(main)
    await node.shutdown(timeout=60)


async def _spawn(n: int) -> None:
    tag = f".N{n}"

    async def idle() -> None:
        await process.receive()

    async def main() -> None:
        gc.collect()
        rss0 = rss_bytes()
        t0 = time.perf_counter()
        for _ in range(n):
            process.spawn(idle)
        await asyncio.sleep(0)
        t1 = time.perf_counter()
        rss1 = rss_bytes()
        fig("relup.spawn_rate" + tag, n / (t1 - t0), "spawns/s")
        fig("relup.mem_per_raw_process_rss" + tag, (rss1 - rss0) / n, "bytes")

    node = Node()
    await node.run(main)
    await node.shutdown(timeout=60)


async def _supervised(n: int) -> None:
    tag = f".N{n}"

    async def main() -> None:
        sup = await supervisor.start_link(Sup)
        assert sup is not None
        t0 = time.perf_counter()
        for i in range(n):
            await supervisor.start_child(sup, [i])
        t1 = time.perf_counter()
        fig("relup.supervised_start_all_s" + tag, t1 - t0, "s")
        fig("relup.supervised_start_each_us" + tag, (t1 - t0) * 1e6 / n, "us")
        kids = await supervisor.count_children(sup)
        assert kids["active"] == n, kids

    node = Node()
    await node.run(main)
    await node.shutdown(timeout=60)


def _child(mode: str, n: int) -> None:
    tune_gc()  # as the node process does (relup.runtime.gc_policy)
    runner = {"servers": _servers, "spawn": _spawn, "supervised": _supervised}[mode]
    asyncio.run(runner(n))


def _fresh(*args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True).stdout
    figs = {}
    for line in out.splitlines():
        name, value, _unit = line.split()
        print(line, flush=True)
        figs[name] = float(value)
    return figs


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        _child(sys.argv[2], int(sys.argv[3]))
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(f"# relup children run with the node's GC thresholds {NODE_THRESHOLDS}", flush=True)
    floor = _fresh(str(HERE / "asyncio_floor.py"), "tasks", str(n))
    servers = _fresh(__file__, "--child", "servers", str(n))
    _fresh(__file__, "--child", "spawn", str(n))
    _fresh(__file__, "--child", "supervised", str(n))
    per_task = floor[f"py.mem_per_task_rss.N{n}"]
    per_server = servers[f"relup.mem_per_gen_server_rss.N{n}"]
    fig(f"ratio.mem_gen_server_vs_task.N{n}", per_server / per_task, "x")


if __name__ == "__main__":
    main()
