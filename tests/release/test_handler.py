"""The release handler on a live node: real packages, a real root, relups from the generator."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from relup.release.evaluate import InstallError
from relup.release.handler import (
    AlreadyInstalled,
    InstallInProgress,
    NoMatchingRelup,
    ReleaseHandler,
    RestartNeeded,
)
from relup.release.package import pack
from relup.release.root import ReleaseRoot, init_root
from relup.release.status import Status
from relup.release.store import ReleaseError
from relup.runtime import Node, Pid, gen_server, supervised_processes
from relup.testing import run
from tests.release.kvapp import write_module, write_tree

Packages = dict[str, Path]


@pytest.fixture
def packages(tmp_path: Path) -> Packages:
    tree = write_tree(tmp_path / "tree")
    return {v: pack(tree, v, tmp_path / "packages") for v in ("1", "2", "3")}


@pytest.fixture
def root(tmp_path: Path, packages: Packages) -> ReleaseRoot:
    return init_root(tmp_path / "root", packages["1"])


async def servers(node: Node) -> list[Pid]:
    return [pid for sup, _, pid, _ in await supervised_processes(node) if sup is not None]


async def replies(node: Node) -> list[Any]:
    return [await gen_server.call(p, "get") for p in await servers(node)]


def statuses(handler: ReleaseHandler) -> dict[str, str]:
    return {r.vsn: r.status.value for r in handler.which_releases()}


def on_disk(root: ReleaseRoot) -> dict[str, str]:
    return {r.vsn: r.status.value for r in root.store.read()}


def test_boot_upgrade_twice_downgrade_and_make_permanent(
    root: ReleaseRoot, packages: Packages
) -> None:
    """1 → 2 → 3 → 2: each state migrated by code_change; only make_permanent writes the file."""

    async def main(node: Node) -> None:
        h = ReleaseHandler(node, root)
        assert "1" == await h.boot()
        assert [("1", {"id": i, "n": 0}) for i in range(3)] == await replies(node)
        assert ("2", "3") == (h.unpack(packages["2"]), h.unpack(packages["3"]))

        report = await h.install("2")
        assert ("up", "1", 3) == (report.direction, report.previous, report.outcome.upgraded)
        want2 = [("2", {"id": i, "n": 0, "history": [("up", "1", ["to2"])]}) for i in range(3)]
        assert want2 == await replies(node)
        assert {"3": "unpacked", "2": "current", "1": "permanent"} == statuses(h)

        await h.install("3")
        hist = [("up", "1", ["to2"]), ("up", "2", ["to3"])]
        assert [("3", {"id": i, "n": 0, "history": hist}) for i in range(3)] == await replies(node)

        report = await h.install("2")  # the down section of 3's relup
        assert ("down", "3") == (report.direction, report.previous)
        down = {"id": 0, "n": 0, "down_from": ("down", "2")}
        assert ("2", down) == (await replies(node))[0]
        assert {"3": "old", "2": "current", "1": "permanent"} == statuses(h)
        assert {"3": "unpacked", "2": "unpacked", "1": "permanent"} == on_disk(root)

        h.make_permanent("2")  # writes what the node knows: 3 old (spec §4.8)
        assert {"3": "old", "2": "permanent", "1": "old"} == on_disk(root)

    run(main)


def test_a_restart_after_an_install_never_made_permanent_boots_the_permanent_release(
    root: ReleaseRoot, packages: Packages
) -> None:
    """Install 2 without make_permanent, restart: the node boots 1 and 2 shows as unpacked."""

    async def first(node: Node) -> None:
        h = ReleaseHandler(node, root)
        await h.boot()
        h.unpack(packages["2"])
        await h.install("2")

    async def second(node: Node) -> None:
        h = ReleaseHandler(node, root)
        assert "1" == await h.boot()
        assert {"2": "unpacked", "1": "permanent"} == statuses(h)
        assert [("1", {"id": i, "n": 0}) for i in range(3)] == await replies(node)

    run(first)
    run(second)


def test_failed_install_leaves_the_release_unpacked_and_the_node_on_old_code(
    root: ReleaseRoot, packages: Packages, tmp_path: Path
) -> None:
    """A code_change that raises: InstallError, statuses and environment unchanged."""
    bad = tmp_path / "root" / "lib" / "kv-2" / "kv_srv.py"

    async def main(node: Node) -> None:
        h = ReleaseHandler(node, root)
        await h.boot()
        h.unpack(packages["2"])
        # The unpacked file is the release's; break its code_change for server 1.
        text = bad.read_text(encoding="utf-8").replace(
            'if extra == ["boom", state["id"]]:', 'if state["id"] == 1:'
        )
        write_module(tmp_path / "root", "2", "kv_srv", text)
        with pytest.raises(InstallError) as info:
            await h.install("2")
        assert "boom in 1" in str(info.value)
        assert {"2": "unpacked", "1": "permanent"} == statuses(h)
        assert "1" == node.apps.loaded["kv"].vsn
        assert "hello 1" == node.apps.get_env("kv", "greeting")
        assert [("1", {"id": i, "n": 0}) for i in range(3)] == await replies(node)

    run(main)


def test_config_change_is_called_with_the_changed_environment(
    root: ReleaseRoot, packages: Packages
) -> None:
    """kv's env changes between 1 and 2: config_change(changed, new, removed) is called."""

    async def main(node: Node) -> None:
        h = ReleaseHandler(node, root)
        await h.boot()
        h.unpack(packages["2"])
        report = await h.install("2")
        assert ["kv"] == report.config_changed
        seen = node.apps.get_env("kv", "seen_config_change")
        assert ({"greeting": "hello 2"}, {}, []) == seen

    run(main)


def test_no_matching_relup_and_installing_the_running_release_are_refused(
    root: ReleaseRoot, packages: Packages
) -> None:
    """1 → 3 has no relup (3's is from 2); installing 1 while it runs is refused."""

    async def main(node: Node) -> None:
        h = ReleaseHandler(node, root)
        await h.boot()
        h.unpack(packages["3"])
        with pytest.raises(ReleaseError) as info:
            await h.install("3")
        assert NoMatchingRelup("3", "1") == info.value.reason
        with pytest.raises(ReleaseError) as info:
            await h.install("1")
        assert AlreadyInstalled("1") == info.value.reason

    run(main)


def test_a_second_install_while_one_runs_is_refused(root: ReleaseRoot, packages: Packages) -> None:
    """An install waiting for a busy server to suspend: a concurrent install names it."""

    async def main(node: Node) -> None:
        h = ReleaseHandler(node, root)
        await h.boot()
        h.unpack(packages["2"])
        node.spawn(gen_server.call, (await servers(node))[0], "slow")
        await asyncio.sleep(0.01)
        first = node.spawn(h.install, "2")
        await asyncio.sleep(0.01)
        assert "2" == h.installing
        with pytest.raises(ReleaseError) as info:
            await h.install("2")
        assert InstallInProgress("2") == info.value.reason
        while h.installing is not None:
            await asyncio.sleep(0.05)
        assert Status.CURRENT == {r.vsn: r.status for r in h.which_releases()}["2"]
        del first

    run(main)


def test_plan_gives_direction_entry_and_script_and_refuses_as_install_does(
    root: ReleaseRoot, packages: Packages
) -> None:
    """plan(vsn) is the install's first steps: it changes nothing and refuses the same way."""

    async def main(node: Node) -> None:
        h = ReleaseHandler(node, root)
        await h.boot()
        h.unpack(packages["2"])
        h.unpack(packages["3"])
        direction, entry, script = h.plan("2")
        assert ("up", "1") == (direction, entry.vsn)
        assert len(entry.instructions) == len(script) > 0
        assert ("1", "1") == (h.running, node.code.current("kv_srv").vsn)
        for vsn, reason in (("3", NoMatchingRelup("3", "1")), ("1", AlreadyInstalled("1"))):
            with pytest.raises(ReleaseError) as info:
                h.plan(vsn)
            assert reason == info.value.reason

    run(main)


def test_check_install_runs_the_part_before_the_point_of_no_return(
    root: ReleaseRoot, packages: Packages, tmp_path: Path
) -> None:
    """check_install loads the new modules (and changes nothing); a broken one is reported."""

    async def main(node: Node) -> None:
        h = ReleaseHandler(node, root)
        await h.boot()
        h.unpack(packages["2"])
        assert ("up", "1") == await h.check_install("2")
        assert "1" == node.code.current("kv_srv").vsn
        write_module(tmp_path / "root", "2", "kv_srv", "raise ImportError('nope')\n")
        with pytest.raises(InstallError) as info:
            await h.check_install("2")
        assert ("kv_srv", 1) == (info.value.module, info.value.step)

    run(main)


@pytest.mark.parametrize(
    ("options", "instruction"),
    [
        ({"python": {"2": "3.12"}}, "restart_new_emulator"),
        ({"restart_emulator": True}, "restart_emulator"),
    ],
)
def test_restart_instructions_reboot_the_node_into_the_release_once(
    tmp_path: Path, options: dict[str, Any], instruction: str
) -> None:
    """A restart instruction re-executes the node into 2 once; the next boot is the permanent 1."""
    tree = write_tree(tmp_path / "tree", ("1", "2"), **options)
    root = init_root(tmp_path / "root", pack(tree, "1", tmp_path / "pkg"))
    package = pack(tree, "2", tmp_path / "pkg")
    restarts: list[str] = []

    async def install(node: Node) -> None:
        h = ReleaseHandler(node, root)
        await h.boot()
        h.unpack(package)
        with pytest.raises(ReleaseError) as info:  # no service to restart the node: refused
            await h.install("2")
        assert RestartNeeded("2", instruction) == info.value.reason
        h.restart = lambda: restarts.append(h.running or "")
        report = await h.install("2")
        assert instruction == report.outcome.restart

    async def after_restart(node: Node) -> None:
        h = ReleaseHandler(node, root)
        assert "2" == await h.boot()
        assert {"2": "current", "1": "permanent"} == statuses(h)
        assert "2" == (await replies(node))[0][0]

    async def after_another_restart(node: Node) -> None:
        assert "1" == await ReleaseHandler(node, root).boot()

    run(install)
    assert 1 == len(restarts)
    run(after_restart)
    run(after_another_restart)


def test_a_config_only_release_is_an_upgrade(tmp_path: Path) -> None:
    """Same application versions, a new [config.kv]: applied, and config_change is called."""
    from relup.plan import Base, make_relup
    from relup.plan.python_tree import PythonTree
    from relup.spec.rel import RelApp
    from relup.spec.toml_release import ReleaseManifest

    tree = write_tree(tmp_path / "tree", ("1",))
    rel = tree / "releases" / "1-conf"
    rel.mkdir()
    manifest = ReleaseManifest(
        "kvrel", "1-conf", "3.11", (RelApp("kv", "1"),), config={"kv": {"greeting": "hi"}}
    )
    (rel / "release.toml").write_text(manifest.dumps(), encoding="utf-8")
    base = [Base(str(tree / "releases" / "1"))]
    plan = make_relup(PythonTree(), str(rel), base, base)
    (rel / "relup").write_text(plan.relup.to_text(), encoding="utf-8")
    root = init_root(tmp_path / "root", pack(tree, "1", tmp_path / "pkg"))
    package = pack(tree, "1-conf", tmp_path / "pkg")

    async def main(node: Node) -> None:
        h = ReleaseHandler(node, root)
        await h.boot()
        h.unpack(package)
        report = await h.install("1-conf")
        assert (["kv"], 0) == (report.config_changed, report.outcome.upgraded)
        assert "hi" == node.apps.get_env("kv", "greeting")
        assert ({"greeting": "hi"}, {}, []) == node.apps.get_env("kv", "seen_config_change")
        await h.install("1")  # and back
        assert "hello 1" == node.apps.get_env("kv", "greeting")

    run(main)
