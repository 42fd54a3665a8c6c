"""Install and downgrade pause under call load: N gen_servers, 100 callers, no pause in sight.

    python bench/upgrade.py [N ...]          (default: 1000 10000)

For each N: a node runs an application whose supervisor has N ``kv_srv`` servers
(v1); 100 caller processes call random servers without pause. Then the relup
``{update, kv_srv, {advanced, []}}`` is installed (v1 → v2, ``code_change`` adds a
field) and the down script run back. Prints ``name value unit`` lines:

* ``install.time`` / ``downgrade.time``: the evaluator's run, end to end;
* ``install.pause``: the longest gap any caller saw between two replies around the
  install, beside ``idle.pause``, the same figure for an equal window without one;
* ``install.after`` / ``downgrade.after``: the same over the half second after it
  (the young collection of what the install allocated runs there);
* ``calls.answered`` / ``calls.failed`` (must be 0), ``migrated`` (must be N);
* ``floor.code_change``: calling v2's ``code_change`` on N states in a plain loop;
* ``gc.full_collection``: one full cyclic collection on the same heap, for scale:
  the evaluator holds the collector off while it runs, so a collection the install
  would have triggered happens after it (as one can at any time on a heap this size);
* ``rss.before`` / ``rss.after``: resident memory.
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from relup.demo import longest_gap as gap
from relup.release.evaluate import Evaluator, parse_script
from relup.runtime import AppSpec, Node, gen_server, supervised_processes
from relup.runtime.gc_policy import tune_gc
from relup.terms import parse_term

CALLERS = 100
#: seconds watched after an install for what it leaves behind (the collector's pass
#: over what it allocated runs once the install has enabled the collector again)
AFTER = 0.5

APP = """
    from relup.runtime import supervisor

    async def start(start_type, n):
        return ("ok", await supervisor.start_link("kv_sup", n))
"""
SUP = """
    from relup.runtime import ChildSpec

    def init(n):
        spec = [ChildSpec(id=i, start=("kv_srv", "start_link", (i,)), modules=("kv_srv",))
                for i in range(n)]
        return ({"strategy": "one_for_one"}, spec)
"""
SRV = """
    from relup.runtime import gen_server

    __vsn__ = "{vsn}"

    def start_link(i):
        return gen_server.start_link("kv_srv", i)

    def init(i):
        return ("ok", {{"id": i, "hits": 0}})

    def handle_call(request, from_, state):
        state["hits"] += 1
        return ("reply", __vsn__, state)

    def code_change(old_vsn, state, extra):
        if isinstance(old_vsn, tuple):  # ("down", vsn)
            return ("ok", {{"id": state["id"], "hits": state["hits"]}})
        return ("ok", {{**state, "migrated_from": old_vsn}})
"""
UP = """[{load_object_code, {kv, "2", [kv_srv]}}, point_of_no_return,
         {suspend, [kv_srv]}, {load, {kv_srv, brutal_purge, brutal_purge}},
         {code_change, up, [{kv_srv, []}]}, {resume, [kv_srv]}]."""
DOWN = """[{load_object_code, {kv, "1", [kv_srv]}}, point_of_no_return,
           {suspend, [kv_srv]}, {code_change, down, [{kv_srv, []}]},
           {load, {kv_srv, brutal_purge, brutal_purge}}, {resume, [kv_srv]}]."""


def fig(name: str, value: float, unit: str) -> None:
    print(f"{name} {value:.4g} {unit}", flush=True)


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def write_tree(root: Path) -> None:
    for vsn in ("1", "2"):
        lib = root / f"kv-{vsn}"
        lib.mkdir(parents=True)
        for name, src in (("kv_app", APP), ("kv_sup", SUP), ("kv_srv", SRV.format(vsn=vsn))):
            (lib / f"{name}.py").write_text(textwrap.dedent(src), encoding="utf-8")


def longest_gap(times: list[list[float]], start: float, end: float) -> float:
    """The longest time any caller waited between replies, over replies around [start, end]."""
    return max((gap(ts, start, end) for ts in times), default=0.0)


async def scenario(n: int) -> None:
    tmp = tempfile.TemporaryDirectory()
    root = Path(tmp.name)
    write_tree(root)
    node = Node()

    def locate(app: str, vsn: str, module: str) -> Path:
        return root / f"{app}-{vsn}" / f"{module}.py"

    async def boot() -> list[Any]:
        for mod in ("kv_app", "kv_sup", "kv_srv"):
            node.code.load(mod, locate("kv", "1", mod))
        node.apps.load(AppSpec(name="kv", vsn="1", modules=("kv_app",), mod=("kv_app", n)))
        await node.apps.start("kv")
        return [pid for sup, _, pid, _ in await supervised_processes(node) if sup is not None]

    t0 = time.perf_counter()
    servers = await node.run(boot)
    fig(f"n{n}.boot", time.perf_counter() - t0, "s")
    # Measure a node that has been up a while: its processes are in the collector's
    # oldest generation. Right after a boot they are not, and the first pass over the
    # middle generation scans all N of them (about 0.5 s at 100,000) at a moment of
    # its choosing, during one of the windows below or not.
    gc.collect()
    rss_before = rss_mib()

    times: list[list[float]] = [[] for _ in range(CALLERS)]
    failed = [0]
    stop = asyncio.Event()
    versions_seen: list[set[str]] = [set() for _ in range(CALLERS)]

    async def caller(k: int) -> None:
        rnd = random.Random(k)
        mine = times[k]
        seen = versions_seen[k]
        clock = time.perf_counter
        while not stop.is_set():
            try:
                vsn = await gen_server.call(servers[rnd.randrange(n)], "get", 5.0)
                seen.add(vsn)
            except Exception:
                failed[0] += 1
            mine.append(clock())

    callers = [node.spawn(caller, k) for k in range(CALLERS)]
    await asyncio.sleep(0.3)

    marks: list[tuple[str, float]] = []

    def evaluate(text: str) -> Any:
        ev = Evaluator(
            node,
            locate,
            apply=lambda *a: None,
            to_python=lambda term: term,  # the scripts' only Extra, [], is its own value
            listener=lambda phase, _: marks.append((phase, time.perf_counter())),
        )
        return node.run(ev.run, parse_script(parse_term(text)))

    # idle window of the same length as the install (measured after it)
    i0 = time.perf_counter()
    out = await evaluate(UP)
    i1 = time.perf_counter()
    await asyncio.sleep(AFTER)
    migrated = sum(1 for p in servers if "migrated_from" in node.process(p).state)
    w0 = time.perf_counter()
    await asyncio.sleep(max(i1 - i0, 0.05))
    w1 = time.perf_counter()
    await asyncio.sleep(0.2)  # the idle window's last gap must not reach into the downgrade
    d0 = time.perf_counter()
    await evaluate(DOWN)
    d1 = time.perf_counter()
    await asyncio.sleep(AFTER)
    stop.set()
    await asyncio.sleep(0.1)

    if os.environ.get("RELUP_BENCH_PHASES"):
        print(" ".join(f"{p}={t - i0:.4f}" for p, t in marks))
    fig(f"n{n}.install.time", i1 - i0, "s")
    fig(f"n{n}.install.pause", longest_gap(times, i0, i1), "s")
    fig(f"n{n}.install.after", longest_gap(times, i1, i1 + AFTER), "s")
    fig(f"n{n}.idle.pause", longest_gap(times, w0, w1), "s")
    fig(f"n{n}.downgrade.time", d1 - d0, "s")
    fig(f"n{n}.downgrade.pause", longest_gap(times, d0, d1), "s")
    fig(f"n{n}.downgrade.after", longest_gap(times, d1, d1 + AFTER), "s")
    fig(f"n{n}.longest_suspension", out.longest_suspension, "s")
    fig(f"n{n}.calls.answered", sum(len(t) for t in times) - failed[0], "calls")
    fig(f"n{n}.calls.failed", failed[0], "calls")
    fig(f"n{n}.migrated", migrated, "servers")
    fig(f"n{n}.callers.saw_v2", sum(1 for s in versions_seen if "2" in s), "callers")
    states = [{"id": i, "hits": 0} for i in range(n)]
    v2 = node.code.current("kv_srv").module  # v1 again after the downgrade: same shape
    f0 = time.perf_counter()
    for s in states:
        v2.code_change("1", s, [])
    fig(f"n{n}.floor.code_change", time.perf_counter() - f0, "s")
    g0 = time.perf_counter()
    gc.collect()
    fig(f"n{n}.gc.full_collection", time.perf_counter() - g0, "s")
    fig(f"n{n}.rss.before", rss_before, "MiB")
    fig(f"n{n}.rss.after", rss_mib(), "MiB")
    del callers
    await node.shutdown()
    node.code.unregister_all()
    tmp.cleanup()


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    tune_gc()  # as the node process does (relup.runtime.gc_policy)
    for n in sizes:
        asyncio.run(scenario(n))


if __name__ == "__main__":
    main()
