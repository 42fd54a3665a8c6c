"""Random unpack / install / make_permanent / remove / restart sequences against a plain model.

The model is two lists of ``(vsn, status)``, newest first: what the state file says
and what the running node knows (the node's list may say ``current``; the file
never does). The implementation is a real root on disk driven through the store's
pure functions, as the release handler drives it; ``install`` is only its bookkeeping
(the status change), which is all that touches the state. After every step the file,
the node's list and the directories on disk must agree with the model.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from functools import cache
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from relup.release.package import pack, unpack
from relup.release.root import ReleaseRoot, init_root, remove_release
from relup.release.status import Action, Status
from relup.release.store import (
    BadStatus,
    ExistingRelease,
    NoSuchRelease,
    ReleaseEntry,
    ReleaseError,
    ReleaseReason,
    add_release,
    boot_release,
    find_release,
    mark_permanent,
    transition,
)
from tests.release.conftest import write_release

U, C, P, OLD = Status.UNPACKED, Status.CURRENT, Status.PERMANENT, Status.OLD
VERSIONS = ("1", "2", "3", "4")
#: base-1.0 is in every release, extra-1 in two of them, shop-<vsn> in one each.
APPS = {
    "1": (("shop", "1"), ("base", "1.0")),
    "2": (("shop", "2"), ("base", "1.0"), ("extra", "1")),
    "3": (("shop", "3"), ("base", "1.0"), ("extra", "1")),
    "4": (("shop", "4"), ("base", "1.0")),
}
_PACKAGES = tempfile.TemporaryDirectory(prefix="relup-stateful-")


@cache
def package(vsn: str) -> Path:
    """The package of release `vsn`, built once per test session."""
    tree = Path(_PACKAGES.name) / "tree"
    if not (tree / "releases" / vsn).exists():
        write_release(tree, vsn, APPS[vsn])
    return pack(tree, vsn, Path(_PACKAGES.name) / "packages")


Model = list[tuple[str, Status]]


def _status(model: Model, vsn: str) -> Status | None:
    return next((s for v, s in model if v == vsn), None)


class RootMachine(RuleBasedStateMachine):
    """A root and a node's view of it, driven at random and compared with the model."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="relup-root-"))
        self.root = init_root(self.dir / "root", package("1"))
        self.node: tuple[ReleaseEntry, ...] = self.root.releases()
        self.disk: Model = [("1", P)]
        self.memory: Model = [("1", P)]

    def teardown(self) -> None:
        shutil.rmtree(self.dir)

    def expect(self, reason: ReleaseReason | None, action: object) -> None:
        """Run `action`; it must fail with exactly `reason`, or succeed if that is None."""
        try:
            action()  # type: ignore[operator]
        except ReleaseError as e:
            assert reason == e.reason
        else:
            assert reason is None

    @rule(vsn=st.sampled_from(VERSIONS))
    def unpack(self, vsn: str) -> None:
        reason = ExistingRelease(vsn) if _status(self.disk, vsn) else None

        def act() -> None:
            unpack(self.root, package(vsn))
            self.node = add_release(self.node, find_release(self.root.releases(), vsn))

        self.expect(reason, act)
        if reason is None:
            self.disk.insert(0, (vsn, U))
            self.memory.insert(0, (vsn, U))

    @rule(vsn=st.sampled_from(VERSIONS))
    def install(self, vsn: str) -> None:
        status = _status(self.memory, vsn)
        reason: ReleaseReason | None = None
        if status is None:
            reason = NoSuchRelease(vsn)
        elif status is C:
            reason = BadStatus(vsn, C, Action.INSTALL)

        def act() -> None:
            self.node = transition(self.node, vsn, Action.INSTALL)

        self.expect(reason, act)
        if reason is None:
            self.memory = [
                (v, OLD if s is C else s) if v != vsn else (v, P if s is P else C)
                for v, s in self.memory
            ]

    @rule(vsn=st.sampled_from(VERSIONS))
    def make_permanent(self, vsn: str) -> None:
        status = _status(self.memory, vsn)
        reason: ReleaseReason | None = None
        if status is None:
            reason = NoSuchRelease(vsn)
        elif status in (U, OLD):
            reason = BadStatus(vsn, status, Action.MAKE_PERMANENT)

        def act() -> None:
            self.node = mark_permanent(self.node, vsn)
            self.root.store.write(self.node)

        self.expect(reason, act)
        if reason is None:
            self.memory = [
                (v, P) if v == vsn else (v, OLD if s is P else s) for v, s in self.memory
            ]
            self.disk = [(v, U if s is C else s) for v, s in self.memory]

    @rule(vsn=st.sampled_from(VERSIONS))
    def remove(self, vsn: str) -> None:
        status = _status(self.disk, vsn)
        reason: ReleaseReason | None = None
        if status is None:
            reason = NoSuchRelease(vsn)
        elif status is P:
            reason = BadStatus(vsn, P, Action.REMOVE)

        def act() -> None:
            remove_release(self.root, vsn)
            self.node = tuple(r for r in self.node if r.vsn != vsn)

        self.expect(reason, act)
        if reason is None:
            self.disk = [(v, s) for v, s in self.disk if v != vsn]
            self.memory = [(v, s) for v, s in self.memory if v != vsn]

    @rule()
    def restart(self) -> None:
        self.root = ReleaseRoot(self.root.path)
        self.node = self.root.releases()
        self.memory = list(self.disk)

    @invariant()
    def state_file_matches_model(self) -> None:
        assert self.disk == [(r.vsn, r.status) for r in self.root.store.read()]

    @invariant()
    def node_matches_model(self) -> None:
        assert self.memory == [(r.vsn, r.status) for r in self.node]

    @invariant()
    def directories_match_state(self) -> None:
        expected_libs = sorted({f"{a}-{v}" for vsn, _ in self.disk for a, v in APPS[vsn]})
        assert expected_libs == sorted(os.listdir(self.root.lib_root))
        expected_releases = sorted([vsn for vsn, _ in self.disk] + ["RELEASES.toml"])
        assert expected_releases == sorted(os.listdir(self.root.releases_dir))
        assert ["lib", "releases"] == sorted(os.listdir(self.root.path))

    @invariant()
    def boots_the_permanent_release(self) -> None:
        permanent = [v for v, s in self.disk if s is P]
        assert permanent == [boot_release(self.root.store.read()).vsn]


RootMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=20, deadline=None)
TestRootMachine = RootMachine.TestCase
