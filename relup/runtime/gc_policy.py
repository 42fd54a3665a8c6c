"""How a node runs CPython's cyclic garbage collector.

A node holds many long-lived objects (each process is a task, a coroutine with its
frames, a mailbox, a state) and keeps creating short-lived ones (messages, futures).
With CPython's default thresholds (700, 10, 10) the collector runs a young
collection every 700 net allocations and re-scans the whole growing heap again and
again while a node starts its processes: starting 100,000 supervised gen_servers
spends about half its time in the collector (``bench/runtime_memory.py``).

:func:`tune_gc` sets the thresholds the node service uses: young collections every
2,000 net allocations, the middle generation every 50 of those, the oldest less often
still. Garbage cycles are still collected (memory stays flat over upgrade cycles,
``tests/release/test_cycles.py``). Nothing is frozen: old module versions must stay
collectable after a purge.

The young threshold is a trade between two costs. Starting processes is net growth,
and a low threshold re-scans it too often (the default 700 doubles the time to start
100,000 supervised servers). A busy node, though, grows little while its young
generation fills anyway: a process that waits for a message replaces the objects of
its previous wait (three, all asyncio's; ``tests/runtime/test_gc_footprint.py``), which
leaves the net count flat, so a young pass scans every process that waited since the
previous one, and the rarer the passes, the more of them. With 100,000 gen_servers
under call load (``bench/upgrade.py``, whose ``idle.pause`` is the longest gap a
caller saw; ``RELUP_GC_THRESHOLDS`` tries other values), a young threshold of 10,000
gave gaps of 47-58 ms and 2,000 gives 25-33 ms, with processes started as fast.

What the collector still costs a large node (100,000 gen_servers, measured with a
``gc.callbacks`` probe):

* A young pass: up to about 0.15 s when the node's memory has stayed flat for a
  while (then most processes parked anew since the previous pass).
* A pass over the middle generation: 0.1-0.2 s, and about 0.5 s for the first one
  after the N processes were started (it scans all of them).
* A full collection (about 1.3-2 s on that heap) runs when CPython decides: once the
  objects promoted since the last one reach a quarter of the old ones. Installs hold
  the collector off (:meth:`relup.release.evaluate.Evaluator.run`), so it never falls
  inside one.
"""

from __future__ import annotations

import gc
import os

NODE_THRESHOLDS = (2_000, 50, 100)


#: Overrides the thresholds, as three integers: ``RELUP_GC_THRESHOLDS=2000,50,100``.
ENV_VAR = "RELUP_GC_THRESHOLDS"


def thresholds() -> tuple[int, int, int]:
    """The thresholds a node uses: :data:`ENV_VAR` if set, else :data:`NODE_THRESHOLDS`."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return NODE_THRESHOLDS
    parts = [int(p) for p in raw.split(",")]
    if len(parts) != 3 or any(p < 0 for p in parts):
        raise ValueError(f"{ENV_VAR} must be three non-negative integers, got {raw!r}")
    return parts[0], parts[1], parts[2]


def tune_gc() -> tuple[int, int, int]:
    """Apply the node's collector thresholds; returns the previous ones."""
    previous = gc.get_threshold()
    gc.set_threshold(*thresholds())
    return previous
