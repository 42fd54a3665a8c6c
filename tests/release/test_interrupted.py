"""Every write a root operation makes, interrupted before and after it, then reloaded.

Each operation is run once with a recording file system to list its steps (state
writes, renames, directory fsyncs, deletions); then once per step and side, on a
fresh root, with a file system that dies there. A restarted node must read either
the state before or the state after (or, for init, an empty root); every release it
lists must have all its files (checked against SHA256SUMS); and doing the operation
again must reach the state after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from relup.release.package import unpack
from relup.release.root import ReleaseRoot, init_root, remove_release, verify_release
from relup.release.status import Action, Status
from relup.release.store import FileSystem, mark_permanent, transition
from tests.release.conftest import Crash, CrashingFS, Packages

State = list[tuple[str, Status]]


def state(path: Path) -> State | None:
    """What a restarted node reads (None: no state file), after checking every release's files."""
    root = ReleaseRoot(path)
    if not root.store.exists():
        return None
    releases = root.releases()
    for r in releases:
        verify_release(root, r.vsn)
    return [(r.vsn, r.status) for r in releases]


@dataclass(frozen=True)
class Operation:
    """An operation on a root built by `prepare`, with the states before and after it."""

    prepare: Callable[[Path, Packages], None]
    run: Callable[[Path, Packages, FileSystem], object]
    before: State | None
    after: State
    #: States an interruption may leave besides before and after (init's empty root).
    between: tuple[State, ...] = ()


def _root_with(*vsns: str) -> Callable[[Path, Packages], None]:
    def prepare(path: Path, packages: Packages) -> None:
        root = init_root(path, packages("1.0.0"))
        for vsn in vsns:
            unpack(root, packages(vsn))

    return prepare


def _make_permanent(path: Path, packages: Packages, fs: FileSystem) -> None:
    root = ReleaseRoot(path, fs=fs)
    running = transition(root.releases(), "2.0.0", Action.INSTALL)  # the handler, in memory
    root.store.write(mark_permanent(running, "2.0.0"))


U, P, OLD = Status.UNPACKED, Status.PERMANENT, Status.OLD
OPERATIONS = {
    "init": Operation(
        lambda path, packages: None,
        lambda path, packages, fs: init_root(path, packages("1.0.0"), fs=fs),
        None,
        [("1.0.0", P)],
        between=([],),
    ),
    "unpack": Operation(
        _root_with(),
        lambda path, packages, fs: unpack(ReleaseRoot(path, fs=fs), packages("2.0.0")),
        [("1.0.0", P)],
        [("2.0.0", U), ("1.0.0", P)],
    ),
    "make-permanent": Operation(
        _root_with("2.0.0"),
        _make_permanent,
        [("2.0.0", U), ("1.0.0", P)],
        [("2.0.0", P), ("1.0.0", OLD)],
    ),
    "remove": Operation(
        _root_with("2.0.0", "3.0.0"),
        lambda path, packages, fs: remove_release(ReleaseRoot(path, fs=fs), "2.0.0"),
        [("3.0.0", U), ("2.0.0", U), ("1.0.0", P)],
        [("3.0.0", U), ("1.0.0", P)],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", OPERATIONS)
def test_interrupted_at_every_step(name: str, packages: Packages, tmp_path: Path) -> None:
    """At every step, before or after it: old or new state, complete files, a retry works."""
    op = OPERATIONS[name]
    probe = CrashingFS()
    op.prepare(tmp_path / "probe", packages)
    op.run(tmp_path / "probe", packages, probe)
    assert op.after == state(tmp_path / "probe")
    assert any(step.startswith("rename .RELEASES.toml") for step in probe.steps)
    seen = set()
    for at, step in enumerate(probe.steps):
        for after in (False, True):
            where = f"{'after' if after else 'before'} step {at} ({step})"
            path = tmp_path / f"{at}-{after}"
            op.prepare(path, packages)
            with pytest.raises(Crash):
                op.run(path, packages, CrashingFS(at, after=after))
            found = state(path)
            assert found in (op.before, *op.between, op.after), where
            seen.add(found == op.after)
            if found != op.after:
                op.run(path, packages, FileSystem())
                assert op.after == state(path), where
    assert {False, True} == seen, "some interruption must land on each side of the state write"


def test_release_removed_by_an_interrupted_remove_can_be_unpacked_again(
    packages: Packages, tmp_path: Path
) -> None:
    """Directories an interrupted remove leaves behind do not block unpacking the release again."""
    probe = CrashingFS()
    _root_with("2.0.0")(tmp_path / "probe", packages)
    remove_release(ReleaseRoot(tmp_path / "probe", fs=probe), "2.0.0")
    state_write = next(n for n, s in enumerate(probe.steps) if s.startswith("rename .RELEASES"))
    for at in range(state_write, len(probe.steps)):
        path = tmp_path / str(at)
        _root_with("2.0.0")(path, packages)
        with pytest.raises(Crash):
            remove_release(ReleaseRoot(path, fs=CrashingFS(at, after=True)), "2.0.0")
        assert [("1.0.0", P)] == state(path)
        unpack(ReleaseRoot(path), packages("2.0.0"))
        assert [("2.0.0", U), ("1.0.0", P)] == state(path)
