"""SIGKILL at every phase of an install and around every state write, then a restart.

The kill points come from ``relup.release.faults``, set in the node's environment:

* ``RELUP_FAULT_KILL_AT_STEP=N``: one case per instruction of the relup the
  generator writes for kvrel 1 → 2 (enumerated at collection time from the plan,
  as ``tests/release/test_rollback.py`` does);
* ``RELUP_FAULT_KILL_AT_RENAME=N:before|after``: one case per rename of each
  operation that writes the root (unpack, install --permanent, permanent, remove),
  counted at collection time by running the release handler's own method once,
  in-process, on a counting file system. ``install`` itself writes nothing (only
  unpack, make_permanent and remove do), so ``install --permanent`` renames what
  make_permanent renames; ``test_the_rename_count_is_exact`` checks every count on
  a real node (a crash point one past the last rename never fires).

After each kill the node is started again, without crash point, and must read a
consistent state file (the state before the operation, or after it once the state
file's rename happened), boot the permanent release (its code answers ``get``),
have every listed release's files match their SHA256SUMS, and accept a retry.
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from relup.plan import Base, make_relup
from relup.plan.python_tree import PythonTree
from relup.release.faults import RENAME_VAR, STEP_VAR
from relup.release.handler import ReleaseHandler
from relup.release.package import unpack
from relup.release.root import ReleaseRoot
from relup.release.status import Action
from relup.release.store import STATE_FILE, FileSystem, transition
from relup.terms import format_term
from tests.faults.live import Kv, Live, expect_dead, vsn_of

pytestmark = pytest.mark.slow

U, P, OLD = "unpacked", "permanent", "old"
Statuses = dict[str, str]
Request = tuple[str, dict[str, Any]]


class CountingFS(FileSystem):
    """The real file system, recording every rename: its target, or what went to the trash."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.renames: list[str] = []

    def replace(self, src: Path, dst: Path) -> None:
        target = dst.relative_to(self.root).as_posix()
        if target.startswith(".relup-"):  # a hidden directory with a random name
            target = f"{src.relative_to(self.root).as_posix()} to trash"
        self.renames.append(target)
        super().replace(src, dst)


def _handler(path: Path, fs: FileSystem, running: str) -> ReleaseHandler:
    """The release handler's bookkeeping for a root, without a node (its writes need none)."""
    h = ReleaseHandler(None, ReleaseRoot(path, fs=fs))  # type: ignore[arg-type]
    h.releases, h.running = h.root.releases(), running
    return h


def _make_permanent(h: ReleaseHandler, kv: Kv) -> None:
    h.releases = transition(h.releases, "2", Action.INSTALL)  # what install does, in memory
    h.make_permanent("2")


@dataclass(frozen=True)
class Operation:
    """An operation on a kvrel root holding 1 (permanent) and ``unpacked``, over the socket."""

    unpacked: tuple[str, ...]
    #: the requests, the last of which writes the root (and is the one a crash point kills)
    requests: Callable[[Kv], list[Request]]
    before: Statuses
    after: Statuses
    #: the release handler's method doing the same writes, to count its renames
    count: Callable[[ReleaseHandler, Kv], object]


OPERATIONS = {
    "unpack": Operation(
        (),
        lambda kv: [("unpack", {"package": str(kv.package("2"))})],
        {"1": P},
        {"2": U, "1": P},
        lambda h, kv: h.unpack(kv.package("2")),
    ),
    "install-permanent": Operation(
        ("2",),
        lambda kv: [("install", {"vsn": "2", "permanent": True})],
        {"2": U, "1": P},
        {"2": P, "1": OLD},
        _make_permanent,
    ),
    "permanent": Operation(
        ("2",),
        lambda kv: [("install", {"vsn": "2"}), ("permanent", {"vsn": "2"})],
        {"2": U, "1": P},
        {"2": P, "1": OLD},
        _make_permanent,
    ),
    "remove": Operation(
        ("2", "3"),
        lambda kv: [("remove", {"vsn": "2"})],
        {"3": U, "2": U, "1": P},
        {"3": U, "1": P},
        lambda h, kv: h.remove("2"),
    ),
}


def _prepare(kv: Kv, root: Path, op: Operation) -> ReleaseRoot:
    release_root = kv.init(root)
    for vsn in op.unpacked:
        unpack(release_root, kv.package(vsn))
    return release_root


def _enumerate() -> tuple[list[str], dict[str, list[str]]]:
    """The instructions of the relup 1 → 2, and the renames of each operation, in order."""
    with tempfile.TemporaryDirectory() as tmp:
        kv = Kv.build(Path(tmp), ("1", "2", "3"))
        base = [Base(str(kv.tree / "releases" / "1"))]
        plan = make_relup(PythonTree(), str(kv.tree / "releases" / "2"), base, base)
        steps = [format_term(i.to_term()) for i in plan.up[0].instructions]
        renames = {}
        for name, op in OPERATIONS.items():
            root = _prepare(kv, Path(tmp) / name, op).path
            fs = CountingFS(root)
            op.count(_handler(root, fs, "1"), kv)
            renames[name] = fs.renames
    return steps, renames


STEPS, RENAMES = _enumerate()
RENAME_CASES = [
    pytest.param(name, n, when, id=f"{name}-{n}-{when}-{target}")
    for name, targets in RENAMES.items()
    for n, target in enumerate(targets, 1)
    for when in ("before", "after")
]


def _restart_and_check(live: Live, expected: Statuses) -> None:
    """Start the node again: it lists ``expected``, runs the permanent release, files intact."""
    live.start()
    permanent = next(vsn for vsn, status in expected.items() if status == P)
    assert (expected, permanent) == live.releases()
    live.verify()
    assert {permanent} == {vsn_of(r) for r in live.replies().values()}


def _send(live: Live, requests: list[Request]) -> None:
    with live.client() as client:
        for op, args in requests:
            client.request(op, args)


@pytest.mark.parametrize("step", range(1, len(STEPS) + 1), ids=STEPS)
def test_sigkill_before_each_install_step(live: Live, tmp_path: Path, step: int) -> None:
    """Killed before this step of install 1 → 2: 1 boots, 2 shows unpacked, a retry installs."""
    kv = Kv.build(tmp_path)
    _prepare(kv, live.root, OPERATIONS["install-permanent"])
    live.start(**{STEP_VAR: str(step)})
    expect_dead(live, "install", {"vsn": "2", "permanent": True})
    _restart_and_check(live, {"2": U, "1": P})
    report = live.request("install", {"vsn": "2", "permanent": True})
    assert ("2", True) == (report["vsn"], report["permanent"])
    assert ({"2": P, "1": OLD}, "2") == live.releases()
    assert {"2"} == {vsn_of(r) for r in live.replies().values()}
    live.stop()


def test_sigkill_after_an_install_never_made_permanent(live: Live, tmp_path: Path) -> None:
    """Killed after install 2 (not permanent): the restarted node boots 1 and lists 2 unpacked."""
    kv = Kv.build(tmp_path)
    _prepare(kv, live.root, OPERATIONS["install-permanent"])
    pid = live.start()["pid"]
    assert "2" == live.request("install", {"vsn": "2"})["vsn"]
    assert ({"2": "current", "1": P}, "2") == live.releases()
    os.kill(pid, signal.SIGKILL)
    live.wait_dead()
    _restart_and_check(live, {"2": U, "1": P})
    live.stop()


@pytest.mark.parametrize(("name", "n", "when"), RENAME_CASES)
def test_sigkill_around_each_rename(
    live: Live, tmp_path: Path, name: str, n: int, when: str
) -> None:
    """Killed before/after this rename: old or new state, intact files, permanent runs, retry."""
    op = OPERATIONS[name]
    kv = Kv.build(tmp_path, ("1", "2", "3"))
    _prepare(kv, live.root, op)
    *first, last = op.requests(kv)
    live.start(**{RENAME_VAR: f"{n}:{when}"})
    _send(live, first)
    expect_dead(live, *last)
    state_write = RENAMES[name].index(f"releases/{STATE_FILE}") + 1
    written = n > state_write or (n == state_write and when == "after")
    _restart_and_check(live, op.after if written else op.before)
    if not written:  # retry the interrupted operation
        _send(live, op.requests(kv))
        assert op.after == live.releases()[0]
    elif name == "remove":  # what the interrupted remove left does not block unpacking 2 again
        _send(live, OPERATIONS["unpack"].requests(kv))
        assert op.before == live.releases()[0]
    live.verify()
    live.stop()


@pytest.mark.parametrize("name", OPERATIONS)
def test_the_rename_count_is_exact(live: Live, tmp_path: Path, name: str) -> None:
    """A crash point one past the counted renames never fires: the operation completes."""
    op = OPERATIONS[name]
    kv = Kv.build(tmp_path, ("1", "2", "3"))
    _prepare(kv, live.root, op)
    live.start(**{RENAME_VAR: f"{len(RENAMES[name]) + 1}:before"})
    _send(live, op.requests(kv))
    assert op.after == live.releases()[0]
    assert "pong" == live.request("ping")
    live.stop()


def test_every_operation_renames_its_state_file() -> None:
    """The enumeration saw each operation's state write (so each gets before and after cases)."""
    assert dict.fromkeys(OPERATIONS, True) == {
        name: f"releases/{STATE_FILE}" in targets for name, targets in RENAMES.items()
    }
