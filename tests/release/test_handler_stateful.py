"""Random unpack/install/make_permanent/remove/restart sequences against a plain model.

The system under test is a real node with a real release handler on a real root;
the model is two dicts: what the node knows (with ``current``) and what the state
file says. After every step both must agree, and the node must run the code of the
release the model says it runs.
"""

from __future__ import annotations

import asyncio
import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from relup.release.handler import ReleaseHandler
from relup.release.package import pack
from relup.release.root import ReleaseRoot, init_root
from relup.release.store import ReleaseError
from relup.runtime import Node
from tests.release.kvapp import write_tree

VERSIONS = ("1", "2", "3")
#: relups exist between neighbours only (each release's relup is from the previous one)
MOVES = {("1", "2"), ("2", "1"), ("2", "3"), ("3", "2")}

_TEMPLATE: dict[str, Any] = {}


def _template() -> dict[str, Any]:
    """Build the tree and packages once per test run; each example copies the packages."""
    if not _TEMPLATE:
        tmp = Path(tempfile.mkdtemp(prefix="relup-stateful-"))
        atexit.register(shutil.rmtree, tmp, True)
        tree = write_tree(tmp / "tree", VERSIONS, servers=2)
        _TEMPLATE["dir"] = tmp
        _TEMPLATE["packages"] = {v: pack(tree, v, tmp / "packages") for v in VERSIONS}
    return _TEMPLATE


class HandlerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="relup-root-"))
        self.packages: dict[str, Path] = _template()["packages"]
        self.root = init_root(self.tmp / "root", self.packages["1"])
        self.loop = asyncio.new_event_loop()
        self.node: Node | None = None
        self.handler: ReleaseHandler | None = None
        self.memory: dict[str, str] = {"1": "permanent"}
        self.disk: dict[str, str] = {"1": "permanent"}
        self.running = "1"
        self._boot()

    # ------------------------------------------------------------------ plumbing
    def _run(self, fn: Any, *args: Any) -> Any:
        assert self.node is not None
        return self.loop.run_until_complete(self.node.run(fn, *args))

    def _boot(self) -> None:
        async def make() -> Node:
            return Node()

        self.node = self.loop.run_until_complete(make())
        self.handler = ReleaseHandler(self.node, ReleaseRoot(self.root.path))
        assert self.running == self._run(self.handler.boot)

    def _shutdown(self) -> None:
        if self.node is not None:
            self.loop.run_until_complete(self.node.shutdown())
            self.node.code.unregister_all()
            self.node = None

    def teardown(self) -> None:
        self._shutdown()
        self.loop.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    @property
    def h(self) -> ReleaseHandler:
        assert self.handler is not None
        return self.handler

    # ------------------------------------------------------------------ rules
    @rule(vsn=st.sampled_from(VERSIONS))
    def unpack(self, vsn: str) -> None:
        if vsn in self.memory:
            try:
                self.h.unpack(self.packages[vsn])
            except ReleaseError:
                return
            raise AssertionError(f"unpacked {vsn} twice")
        assert vsn == self.h.unpack(self.packages[vsn])
        self.memory = {vsn: "unpacked", **self.memory}
        self.disk = {vsn: "unpacked", **self.disk}

    @rule(vsn=st.sampled_from(VERSIONS))
    def install(self, vsn: str) -> None:
        ok = vsn in self.memory and (self.running, vsn) in MOVES
        try:
            self._run(self.h.install, vsn)
        except ReleaseError:
            assert not ok, f"install {self.running} -> {vsn} refused"
            return
        assert ok, f"install {self.running} -> {vsn} accepted"
        for v, s in self.memory.items():
            if s == "current":
                self.memory[v] = "old"
        if self.memory[vsn] != "permanent":
            self.memory[vsn] = "current"
        self.running = vsn

    @rule(vsn=st.sampled_from(VERSIONS))
    def make_permanent(self, vsn: str) -> None:
        status = self.memory.get(vsn)
        try:
            self.h.make_permanent(vsn)
        except ReleaseError:
            assert status not in ("current", "permanent")
            return
        assert status in ("current", "permanent")
        if status == "current":
            for v, s in self.memory.items():
                if s == "permanent":
                    self.memory[v] = "old"
            self.memory[vsn] = "permanent"
        # the file gets what the node knows, current stored as unpacked
        self.disk = {v: ("unpacked" if s == "current" else s) for v, s in self.memory.items()}

    @rule(vsn=st.sampled_from(VERSIONS))
    @precondition(lambda self: len(self.memory) > 1)
    def remove(self, vsn: str) -> None:
        status = self.memory.get(vsn)
        allowed = status is not None and status != "permanent" and vsn != self.running
        try:
            self.h.remove(vsn)
        except ReleaseError:
            assert not allowed
            return
        assert allowed, f"removed {vsn} ({status}) while running {self.running}"
        del self.memory[vsn]
        self.disk.pop(vsn, None)

    @rule()
    def restart(self) -> None:
        self._shutdown()
        self.memory = {v: ("unpacked" if s == "current" else s) for v, s in self.disk.items()}
        self.running = next(v for v, s in self.disk.items() if s == "permanent")
        self._boot()

    # ------------------------------------------------------------------ checks
    @invariant()
    def agrees_with_the_model(self) -> None:
        assert self.memory == {r.vsn: r.status.value for r in self.h.which_releases()}
        assert self.disk == {r.vsn: r.status.value for r in self.root.store.read()}
        assert self.running == self.h.running
        assert self.node is not None
        assert self.running == self.node.code.current("kv_srv").vsn


HandlerMachine.TestCase.settings = settings(max_examples=20, stateful_step_count=12, deadline=None)
test_handler_lifecycle = HandlerMachine.TestCase
