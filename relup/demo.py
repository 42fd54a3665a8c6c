"""``relup demo``: a live upgrade and downgrade of the sample key-value service, end to end.

Everything is real: the sample releases (``sample_releases/kvstore``) are packed into
release packages, a release root is created with 1.0.0, a node is started as an OS
process, and TCP clients connect to the service. While every client keeps talking on
its one connection (same local port, no reconnect, no retry), the node is upgraded
to 2.0.0 and 3.0.0 and downgraded back through 2.0.0 to 1.0.0 over the control
channel. The report says what each install did and what the clients saw: requests
served, none lost, and the protocol version in the replies going 1→2→3→2→1.

Nothing is left behind: the node is stopped and the temporary directory removed,
whatever happens.
"""

from __future__ import annotations

import contextlib
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relup.check.throwaway import ThrowawayNode
from relup.errors import RelupError
from relup.release.package import pack

#: The release path of the demo: up twice, then down twice.
STEPS = ("2.0.0", "3.0.0", "2.0.0", "1.0.0")
VERSIONS = ("1.0.0", "2.0.0", "3.0.0")
SETTLE = 0.4  # seconds of traffic before, between and after the installs


class DemoError(RelupError):
    """The demo could not run (no sample releases, the node did not start, ...)."""


def samples_dir() -> Path:
    """``sample_releases/kvstore`` of the checkout relup runs from."""
    here = Path(__file__).resolve().parent.parent / "sample_releases" / "kvstore"
    if not (here / "releases").is_dir():
        raise DemoError(
            f"the sample releases are not at {here}: run the demo from a clone of the "
            "relup repository (pip install -e .)"
        )
    return here


@dataclass
class Step:
    """One install as the node reported it, and the longest gap a client saw meanwhile."""

    vsn: str
    direction: str
    duration: float
    suspended: int
    upgraded: int
    longest_suspension: float
    client_pause: float = 0.0


@dataclass
class ClientRecord:
    """What one TCP client saw over the whole demo."""

    local_port: int
    requests: int = 0
    failed: int = 0
    versions: list[str] = field(default_factory=list)  # each change of version, in order
    replies: list[float] = field(default_factory=list)
    error: str | None = None


@dataclass
class DemoReport:
    steps: list[Step]
    clients: list[ClientRecord]
    duration: float
    #: the longest gap between replies in a window as long as the longest install,
    #: without one: what the clients see anyway (scheduling, GC)
    idle_pause: float = 0.0

    @property
    def lost(self) -> int:
        return sum(c.failed for c in self.clients)

    @property
    def ok(self) -> bool:
        expected = ["1", "2", "3", "2", "1"]
        return self.lost == 0 and all(
            c.error is None and c.versions == expected for c in self.clients
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "duration": round(self.duration, 3),
            "idle_pause": round(self.idle_pause, 6),
            "requests": sum(c.requests for c in self.clients),
            "lost": self.lost,
            "steps": [s.__dict__ for s in self.steps],
            "clients": [
                {k: v for k, v in c.__dict__.items() if k != "replies"} for c in self.clients
            ],
        }


class _Talker(threading.Thread):
    """A client on one connection: SET and GET in turn, as fast as replies come."""

    def __init__(self, port: int, n: int, stop: threading.Event) -> None:
        super().__init__(name=f"demo-client-{n}", daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.record = ClientRecord(local_port=self.sock.getsockname()[1])
        self.n = n
        self.stop = stop

    def run(self) -> None:
        rec = self.record
        lines = self.sock.makefile("rwb")
        i = 0
        try:
            while not self.stop.is_set():
                key = f"c{self.n}k{(i // 2) % 8}"
                command = f"SET {key} v{i}\n" if i % 2 == 0 else f"GET {key}\n"
                lines.write(command.encode())
                lines.flush()
                raw = lines.readline()
                if not raw:
                    rec.error = "the node closed the connection"
                    return
                reply = raw.decode().strip()
                rec.requests += 1
                vsn, _, rest = reply.partition(" ")
                expected = "OK" if i % 2 == 0 else f"VALUE v{i - 1}"
                if rest != expected:
                    rec.failed += 1
                if not rec.versions or rec.versions[-1] != vsn:
                    rec.versions.append(vsn)
                rec.replies.append(time.perf_counter())
                i += 1
                time.sleep(0.002)
        except OSError as e:
            rec.error = f"{type(e).__name__}: {e}"
        finally:
            with contextlib.suppress(OSError):
                self.sock.close()


def longest_gap(replies: list[float], start: float, end: float) -> float:
    """The longest wait between two replies, over the replies around ``[start, end]``."""
    worst, prev = 0.0, None
    for t in replies:
        if t < start:
            prev = t
            continue
        if prev is not None:
            worst = max(worst, t - prev)
        prev = t
        if t > end:
            break
    return worst


def run_demo(clients: int = 4, progress: Callable[[str], None] = lambda _: None) -> DemoReport:
    """Run the whole demo; ``progress`` gets a line for each thing that happens."""
    source = samples_dir()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="relup-demo-") as tmp:
        work = Path(tmp)
        packages = {v: pack(source, v, work / "packages") for v in VERSIONS}
        progress(f"packed kvstore {', '.join(VERSIONS)}")
        throwaway = ThrowawayNode.start(packages["1.0.0"], work / "root", wait=15, timeout=30)
        with contextlib.ExitStack() as cleanup:
            cleanup.callback(throwaway.stop)
            node = throwaway.client
            port = int(node.request("call", {"dest": "kv_listener", "request": "port"})["reply"])
            progress(f"node started on kvstore 1.0.0, serving on 127.0.0.1:{port}")
            for v in ("2.0.0", "3.0.0"):
                node.request("unpack", {"package": str(packages[v])})
            stop = threading.Event()
            talkers = [_Talker(port, n, stop) for n in range(clients)]
            for t in talkers:
                t.start()
            progress(f"{clients} clients talking, one connection each")
            steps: list[Step] = []
            try:
                time.sleep(SETTLE)
                for vsn in STEPS:
                    t0 = time.perf_counter()
                    r = node.request("install", {"vsn": vsn}, timeout=30)
                    t1 = time.perf_counter()
                    time.sleep(SETTLE)
                    pause = max(longest_gap(t.record.replies, t0, t1) for t in talkers)
                    steps.append(
                        Step(
                            vsn,
                            r["direction"],
                            r["duration"],
                            r["suspended"],
                            r["upgraded"],
                            r["longest_suspension"],
                            pause,
                        )
                    )
                    progress(
                        f"{r['direction']:>4} to {vsn}: {r['upgraded']} processes migrated "
                        f"in {r['duration'] * 1000:.1f} ms"
                    )
                window = max(s.duration for s in steps)
                w0 = time.perf_counter()
                time.sleep(max(window, 0.05))
                w1 = time.perf_counter()
                time.sleep(SETTLE / 4)
                idle = max(longest_gap(t.record.replies, w0, w1) for t in talkers)
            finally:
                stop.set()
                for t in talkers:
                    t.join(timeout=10)
        records = [t.record for t in talkers]
    return DemoReport(steps, records, time.perf_counter() - started, idle)
