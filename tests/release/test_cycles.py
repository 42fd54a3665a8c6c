"""Twenty upgrade/downgrade cycles back to back under call load: nothing lost, nothing leaks."""

from __future__ import annotations

import asyncio
import gc
import os
import random
import weakref
from pathlib import Path

import pytest

from relup.release.handler import ReleaseHandler
from relup.release.package import pack
from relup.release.root import init_root
from relup.runtime import Node, gen_server
from relup.testing import run
from tests.release.kvapp import write_tree
from tests.release.test_handler import servers

CYCLES = 20
CALLERS = 20
SERVERS = 200


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.slow
def test_twenty_cycles_under_load(tmp_path: Path) -> None:
    """0 failed calls; at most two versions of a module alive; RSS grows < 5% from cycle 2 to 20."""
    tree = write_tree(tmp_path / "tree", ("1", "2"), servers=SERVERS)
    root = init_root(tmp_path / "root", pack(tree, "1", tmp_path / "pkg"))
    package = pack(tree, "2", tmp_path / "pkg")

    async def main(node: Node) -> None:
        h = ReleaseHandler(node, root)
        await h.boot()
        h.unpack(package)
        pids = await servers(node)
        stop = asyncio.Event()
        answered = [0]
        failed: list[BaseException] = []

        async def caller(k: int) -> None:
            rnd = random.Random(k)
            while not stop.is_set():
                try:
                    await gen_server.call(pids[rnd.randrange(len(pids))], "get", 5.0)
                    answered[0] += 1
                except Exception as e:
                    failed.append(e)
                await asyncio.sleep(0)

        callers = [node.spawn(caller, k) for k in range(CALLERS)]
        versions: list[weakref.ref[object]] = [weakref.ref(node.code.current("kv_srv").module)]
        rss: list[int] = []
        for cycle in range(1, CYCLES + 1):
            for vsn in ("2", "1"):
                await h.install(vsn)
                versions.append(weakref.ref(node.code.current("kv_srv").module))
                await asyncio.sleep(0.01)
            gc.collect()
            alive = sum(1 for ref in versions if ref() is not None)
            assert alive <= 2, f"cycle {cycle}: {alive} versions of kv_srv alive"
            rss.append(rss_bytes())
        stop.set()
        await asyncio.sleep(0.05)
        del callers
        assert [] == failed
        assert answered[0] > CYCLES * CALLERS
        growth = (rss[-1] - rss[1]) / rss[1]
        assert growth < 0.05, f"RSS grew {growth:.1%} from cycle 2 to {CYCLES}"

    run(main, timeout=120)
