"""sample_releases/counter: the chapter's counter loop and its gen_server, upgraded by a relup."""

from __future__ import annotations

from pathlib import Path

import pytest

from relup.runtime import Node, Pid, gen_server, process, sys_ops
from relup.terms import equal
from relup.testing import run, run_until_idle
from tests.samples.harness import (
    Installer,
    SampleTree,
    appup_modules,
    boot,
    committed_relup,
    generate,
)

TREE = SampleTree.named("counter")


async def count() -> int:
    """Ask the raw counter loop for its count."""
    process.send("counter", ("get", process.self()))
    tag, n = await process.receive(timeout=2)
    assert "count" == tag
    return n  # type: ignore[no-any-return]


def running(node: Node, pid: Pid) -> list[tuple[str, str, str]]:
    info = node.info(pid)
    assert info is not None
    return list(info.running)


def test_1_0_0_counts() -> None:
    """1.0.0: the loop counts increments and ignores what it does not know; the server adds."""

    async def main(node: Node) -> None:
        await boot(node, TREE, "1.0.0")
        for _ in range(3):
            process.send("counter", "increment")
        process.send("counter", "reset")  # not in 1.0.0: dropped
        assert 3 == await count()
        assert 5 == await gen_server.call("counter_srv", ("add", 5))
        assert {"name": "clicks", "count": 5} == await gen_server.call("counter_srv", "state")

    run(main)


def test_2_0_0_resets_and_keeps_a_history() -> None:
    """2.0.0: the loop can reset; the server records every amount added."""

    async def main(node: Node) -> None:
        await boot(node, TREE, "2.0.0")
        process.send("counter", "increment")
        process.send("counter", "reset")
        process.send("counter", "increment")
        assert 1 == await count()
        await gen_server.call("counter_srv", ("add", 2))
        assert 5 == await gen_server.call("counter_srv", ("add", 3))
        state = await gen_server.call("counter_srv", "state")
        assert {"name": "clicks", "count": 5, "history": [2, 3]} == state

    run(main)


def test_upgrade_and_downgrade_as_in_the_chapter() -> None:
    """The loop moves to the new code at its next get; code_change adds and drops history."""

    async def main(node: Node) -> None:
        await boot(node, TREE, "1.0.0")
        loop = process.whereis("counter")
        assert loop is not None
        for _ in range(2):
            process.send("counter", "increment")
        await gen_server.call("counter_srv", ("add", 4))
        installer = Installer(node, TREE)

        outcome = await installer.install("1.0.0", "2.0.0")
        assert 1 == outcome.upgraded  # counter_srv; the raw loop is never suspended
        assert {"counter": "brutal_purge"} == outcome.unpurged  # the loop still runs 1.0.0
        process.send("counter", "increment")  # a local call: stays on 1.0.0
        await run_until_idle(node)
        assert [("counter", "1.0.0", "old")] == running(node, loop)
        assert 3 == await count()  # the fully qualified call moves it
        await run_until_idle(node)
        assert [("counter", "2.0.0", "current")] == running(node, loop)
        process.send("counter", "reset")
        assert 0 == await count()
        expected = {"name": "clicks", "count": 4, "history": []}
        assert expected == await sys_ops.get_state("counter_srv")
        assert 5 == await gen_server.call("counter_srv", ("add", 1))

        outcome = await installer.install("2.0.0", "1.0.0")
        assert [] == outcome.killed
        assert {"name": "clicks", "count": 5} == await sys_ops.get_state("counter_srv")
        process.send("counter", "increment")
        assert 1 == await count()  # answered by 2.0.0, the version it was parked in
        process.send("counter", "reset")  # 1.0.0 again: dropped
        assert 1 == await count()
        assert loop == process.whereis("counter")

    run(main)


def test_committed_relup_is_what_generate_makes(tmp_path: Path) -> None:
    """releases/2.0.0/relup is up to date with the appup and release files."""
    assert equal(generate(TREE, "2.0.0", "1.0.0", tmp_path), committed_relup(TREE, "2.0.0"))


@pytest.mark.parametrize("direction", ["up", "down"])
def test_appup_names_every_changed_module(direction: str) -> None:
    """Each module whose source differs between the versions is in both appup sections."""
    expected = TREE.changed_modules("counter", "1.0.0", "2.0.0")
    assert {"counter", "counter_srv"} == expected
    assert expected == appup_modules(TREE, "counter", "2.0.0", direction, "1.0.0")
