"""sample_releases/greeter: the chapter's registered greeter, reloaded by a relup."""

from __future__ import annotations

from pathlib import Path

import pytest

from relup.runtime import Node, Pid, process
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

TREE = SampleTree.named("greeter")
HELLO = "Hello, Alice!"
HOWDY = "Howdy, Alice! Welcome to Erlang!"


async def greet(name: str = "Alice") -> str:
    process.send("greeter", ("greet", name, process.self()))
    return await process.receive(timeout=2)  # type: ignore[no-any-return]


def running(node: Node, pid: Pid) -> list[tuple[str, str, str]]:
    info = node.info(pid)
    assert info is not None
    return list(info.running)


@pytest.mark.parametrize(("vsn", "greeting"), [("1.0.0", HELLO), ("2.0.0", HOWDY)])
def test_each_release_greets(vsn: str, greeting: str) -> None:
    """Booted on its own, each release's registered greeter answers with its greeting."""

    async def main(node: Node) -> None:
        await boot(node, TREE, vsn)
        assert greeting == await greet()
        assert greeting == await greet()

    run(main)


def test_upgrade_and_downgrade_keep_the_process_and_switch_the_greeting() -> None:
    """The same pid greets anew after one more message on the old code; and back down."""

    async def main(node: Node) -> None:
        await boot(node, TREE, "1.0.0")
        pid = process.whereis("greeter")
        assert pid is not None
        assert HELLO == await greet()
        installer = Installer(node, TREE)

        outcome = await installer.install("1.0.0", "2.0.0")
        await run_until_idle(node)
        assert 0 == outcome.suspended  # a plain load: nobody is suspended
        assert [("greeter", "1.0.0", "old")] == running(node, pid)
        assert HELLO == await greet()  # parked in 1.0.0's loop when the code changed
        assert HOWDY == await greet()
        await run_until_idle(node)
        assert [("greeter", "2.0.0", "current")] == running(node, pid)

        await installer.install("2.0.0", "1.0.0")
        assert HOWDY == await greet()
        assert HELLO == await greet()
        assert pid == process.whereis("greeter")

    run(main)


def test_committed_relup_is_what_generate_makes(tmp_path: Path) -> None:
    """releases/2.0.0/relup is up to date with the appup and release files."""
    assert equal(generate(TREE, "2.0.0", "1.0.0", tmp_path), committed_relup(TREE, "2.0.0"))


@pytest.mark.parametrize("direction", ["up", "down"])
def test_appup_names_every_changed_module(direction: str) -> None:
    """Each module whose source differs between the versions is in both appup sections."""
    expected = TREE.changed_modules("greeter", "1.0.0", "2.0.0")
    assert {"greeter"} == expected
    assert expected == appup_modules(TREE, "greeter", "2.0.0", direction, "1.0.0")
