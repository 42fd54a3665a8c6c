"""Rollback after a failure injected at every step of an install, up and down.

The failure points are the instructions of the relups the generator writes for the
test application (``tests/release/kvapp.py``): one test case per step.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from relup.plan import Base, make_relup
from relup.plan import instructions as ins
from relup.plan.python_tree import PythonTree
from relup.release.handler import ReleaseHandler
from relup.release.package import pack
from relup.release.root import init_root
from relup.runtime import Node, gen_server
from relup.terms import format_term
from relup.testing import run, run_until_idle
from tests.release.kvapp import write_tree
from tests.release.test_handler import replies, servers, statuses


def _steps(direction: str) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        tree = write_tree(Path(tmp), ("1", "2"))
        base = [Base(str(tree / "releases" / "1"))]
        plan = make_relup(PythonTree(), str(tree / "releases" / "2"), base, base)
        entry = plan.up[0] if direction == "up" else plan.down[0]
        return [format_term(i.to_term()) for i in entry.instructions]


UP_STEPS = _steps("up")
DOWN_STEPS = _steps("down")


class Injected(Exception):
    """The failure a test injects."""


def _fault_at(step: int) -> Any:
    def fault(i: int, instr: ins.Instruction) -> None:
        if i == step:
            raise Injected(f"injected at step {i}")

    return fault


def _check_rolled_back(
    node: Node, h: ReleaseHandler, running: str, before: list[Any], queued: int
) -> Any:
    async def check() -> None:
        await run_until_idle(node)
        assert running == h.running
        assert running == node.code.current("kv_srv").vsn
        assert node.code.old("kv_srv") is None
        after = await replies(node)
        # server 0 got `queued` casts while suspended: handled after the resume, by old code
        expected = [(running, {**state, "n": state["n"] + (queued if i == 0 else 0)})
                    for i, (_, state) in enumerate(before)]  # fmt: skip
        assert expected == after
        assert all(node.process(p).status == "waiting" for p in await servers(node))

    return check()


@pytest.mark.parametrize("step", range(1, len(UP_STEPS) + 1), ids=UP_STEPS)
def test_failure_at_each_upgrade_step_rolls_back(tmp_path: Path, step: int) -> None:
    """Up 1 → 2 failing at this step: old code, old states, queued messages kept in order."""
    tree = write_tree(tmp_path / "tree", ("1", "2"))
    root = init_root(tmp_path / "root", pack(tree, "1", tmp_path / "pkg"))
    package = pack(tree, "2", tmp_path / "pkg")

    async def main(node: Node) -> None:
        h = ReleaseHandler(node, root)
        await h.boot()
        h.unpack(package)
        before = await replies(node)
        first = (await servers(node))[0]
        queued = [0]

        def listener(phase: str, _: dict[str, Any]) -> None:
            if phase == "suspend":
                for _ in range(3):
                    gen_server.cast(first, "inc")
                queued[0] = 3

        h.fault = _fault_at(step)
        with pytest.raises(Injected):
            await h.install("2", listener=listener)
        assert {"2": "unpacked", "1": "permanent"} == statuses(h)
        await _check_rolled_back(node, h, "1", before, queued[0])
        h.fault = None
        await h.install("2")  # nothing left behind stops a clean install
        assert "2" == (await replies(node))[0][0]

    run(main)


@pytest.mark.parametrize("step", range(1, len(DOWN_STEPS) + 1), ids=DOWN_STEPS)
def test_failure_at_each_downgrade_step_rolls_back(tmp_path: Path, step: int) -> None:
    """Down 2 → 1 failing at this step: the node stays on 2 with its states."""
    tree = write_tree(tmp_path / "tree", ("1", "2"))
    root = init_root(tmp_path / "root", pack(tree, "1", tmp_path / "pkg"))
    package = pack(tree, "2", tmp_path / "pkg")

    async def main(node: Node) -> None:
        h = ReleaseHandler(node, root)
        await h.boot()
        h.unpack(package)
        await h.install("2")
        before = await replies(node)
        h.fault = _fault_at(step)
        with pytest.raises(Injected):
            await h.install("1")
        assert {"2": "current", "1": "permanent"} == statuses(h)
        await _check_rolled_back(node, h, "2", before, 0)

    run(main)
