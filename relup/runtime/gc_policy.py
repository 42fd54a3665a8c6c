"""How a node runs CPython's cyclic garbage collector.

A node holds many long-lived objects (each process is a task, a coroutine with its
frames, a mailbox, a state) and keeps creating short-lived ones (messages, futures).
With CPython's default thresholds (700, 10, 10) the collector runs a young
collection every 700 net allocations and re-scans the whole growing heap again and
again while a node starts its processes: starting 100,000 supervised gen_servers
spends about half its time in the collector (``bench/runtime_memory.py``).

:func:`tune_gc` sets the thresholds the node service uses: young collections every
10,000 net allocations, and older generations less often. Garbage cycles are still
collected (memory stays flat over upgrade cycles, ``tests/release/test_cycles.py``);
they are found in fewer, larger passes. Nothing is frozen: old module versions must
stay collectable after a purge.

What the collector still costs a large node (measured at 100,000 gen_servers under
call load, ``bench/upgrade.py`` with a ``gc.callbacks`` probe):

* A young pass scans what every process that waited since the previous pass keeps
  while it waits: three objects, all asyncio's (``tests/runtime/test_gc_footprint.py``
  holds it there): 30-100 ms per pass.
* The first pass over the middle generation after starting N processes scans all of
  them: about 0.5 s at 100,000, once, some time after the boot.
* A full collection (about 1.3-2 s on that heap) runs when CPython decides: once the
  objects promoted since the last one reach a quarter of the old ones. Installs hold
  the collector off (:meth:`relup.release.evaluate.Evaluator.run`), so it never falls
  inside one.
"""

from __future__ import annotations

import gc
import os

NODE_THRESHOLDS = (10_000, 50, 100)


#: Overrides the thresholds, as three integers: ``RELUP_GC_THRESHOLDS=10000,50,100``.
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
