"""The release ops the control channel serves, called in-process on a booted node."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from relup.control.server import OpError
from relup.release.ops import boot
from relup.release.package import pack
from relup.release.root import init_root
from relup.runtime import Node, sys_ops
from relup.spec.toml_release import AppManifest, ReleaseManifest
from relup.testing import run
from tests.conftest import REPO
from tests.release.kvapp import write_module, write_tree


@pytest.fixture
def root(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    tree = write_tree(tmp_path / "tree", ("1", "2"))
    packages = {v: pack(tree, v, tmp_path / "packages") for v in ("1", "2")}
    init_root(tmp_path / "root", packages["1"])
    return tmp_path / "root", packages


def test_dry_run_then_install_then_ps(root: tuple[Path, dict[str, Path]]) -> None:
    """A dry run names the servers it would suspend and changes nothing; the install does."""
    path, packages = root

    async def main(node: Node) -> None:
        ops = await boot(node, path)
        assert {"vsn": "2"} == await ops["unpack"]({"package": str(packages["2"])})
        plan = await ops["install"]({"vsn": "2", "dry_run": True})
        assert ("up", "1", ["kv_srv"]) == (plan["direction"], plan["previous"], plan["modules"])
        assert 3 == len([s for s in plan["suspend"] if s["module"] == "kv_srv"])
        assert "1" == node.code.current("kv_srv").vsn
        report = await ops["install"]({"vsn": "2", "permanent": True})
        assert (3, True) == (report["upgraded"], report["permanent"])
        phases = [p["phase"] for p in report["phases"]]
        assert ["load_object_code", "point_of_no_return", "suspend", "load"] == phases[:4]
        listing = await ops["releases"]({})
        assert ("2", {"2": "permanent", "1": "old"}) == (
            listing["running"],
            {r["vsn"]: r["status"] for r in listing["releases"]},
        )
        ps = (await ops["ps"]({}))["processes"]
        servers = [p for p in ps if p["module"] == "kv_srv"]
        assert [[{"module": "kv_srv", "vsn": "2", "which": "current"}]] * 3 == [
            p["versions"] for p in servers
        ]

    run(main)


def test_call_cast_and_term_text(root: tuple[Path, dict[str, Path]]) -> None:
    """call and cast take and give Erlang term text; a bad term names its column."""
    path, _ = root

    async def main(node: Node) -> None:
        ops = await boot(node, path)
        pid = next(p["pid"] for p in (await ops["ps"]({}))["processes"] if p["module"] == "kv_srv")
        await ops["cast"]({"dest": pid, "message": "inc"})
        reply = await ops["call"]({"dest": pid, "request": "get", "timeout": 2})
        assert "{'1',#{id => 0,n => 1}}" == reply["reply"]
        with pytest.raises(OpError) as info:
            await ops["call"]({"dest": pid, "request": "{get,", "timeout": 2})
        assert "TermSyntaxError" == info.value.kind

    run(main)


def test_hand_loaded_code_blocks_an_install_until_forced(
    root: tuple[Path, dict[str, Path]], tmp_path: Path
) -> None:
    """After `load` of a private file, install is refused naming it; --force installs."""
    path, packages = root
    private = tmp_path / "kv_srv_debug.py"

    async def main(node: Node) -> None:
        ops = await boot(node, path)
        await ops["unpack"]({"package": str(packages["2"])})
        src = (path / "lib" / "kv-1" / "kv_srv.py").read_text(encoding="utf-8")
        private.write_text(src.replace('__vsn__ = "1"', '__vsn__ = "1-debug"'), "utf-8")
        loaded: dict[str, Any] = await ops["load"]({"module": "kv_srv", "file": str(private)})
        assert "1-debug" == loaded["vsn"]
        assert {"kv_srv": str(private)} == (await ops["releases"]({}))["hand_loaded"]
        with pytest.raises(OpError) as info:
            await ops["install"]({"vsn": "2"})
        assert ("HandLoadedCode", True) == (info.value.kind, "kv_srv" in info.value.message)
        await ops["load"]({"module": "kv_srv", "file": str(path / "lib/kv-1/kv_srv.py")})
        assert {} == (await ops["releases"]({}))["hand_loaded"]
        assert "2" == (await ops["install"]({"vsn": "2"}))["vsn"]

    run(main)


# ------------------------------------------------------------------ rehearsal ops
DRIVE = """
    import asyncio

    from relup.runtime import current_node

    async def drive():
        apps = current_node().apps
        apps.set_env("kv", "driven", apps.get_env("kv", "driven", 0) + 1)

    def fail():
        raise ValueError("no reply from kv_srv")

    async def hang():
        await asyncio.sleep(30)
"""


def exercise_root(tmp_path: Path, exercise: str) -> Path:
    """A root on kvrel 1 whose release names `exercise`, with module kv_drive in its app."""
    tree = write_tree(tmp_path / "tree", ("1",))
    write_module(tree, "1", "kv_drive", DRIVE)
    app_toml = tree / "lib" / "kv-1" / "app.toml"
    app = AppManifest.read(app_toml)
    app_toml.write_text(replace(app, modules=(*app.modules, "kv_drive")).dumps(), "utf-8")
    release_toml = tree / "releases" / "1" / "release.toml"
    release = ReleaseManifest.read(release_toml)
    release_toml.write_text(replace(release, exercise=exercise).dumps(), "utf-8")
    init_root(tmp_path / "root", pack(tree, "1", tmp_path / "packages"))
    return tmp_path / "root"


def test_exercise_runs_the_running_release_function(tmp_path: Path) -> None:
    """exercise calls the release's function (async here) once per request."""
    path = exercise_root(tmp_path, "kv_drive:drive")

    async def main(node: Node) -> None:
        ops = await boot(node, path)
        assert {"ran": True, "vsn": "1"} == await ops["exercise"]({})
        assert {"ran": True, "vsn": "1"} == await ops["exercise"]({"timeout": 2})
        assert 2 == node.apps.get_env("kv", "driven")

    run(main)


@pytest.mark.parametrize(
    ("exercise", "args", "kind", "message"),
    [
        (
            "kv_drive:fail",
            {},
            "ExerciseFailed",
            "the exercise function kv_drive:fail raised ValueError: no reply from kv_srv",
        ),
        (
            "kv_drive:hang",
            {"timeout": 0.05},
            "ExerciseTimeout",
            "the exercise function kv_drive:hang did not return within 0.05 s",
        ),
        (
            "kv_drive:missing",
            {},
            "ExerciseFailed",
            "the exercise function kv_drive:missing raised AttributeError: ",
        ),
        (
            "kv_gone:drive",
            {},
            "ExerciseNotInRelease",
            "release 1 names the exercise function kv_gone:drive, but no application of the "
            "release has a module kv_gone",
        ),
        ("kv_drive:drive", {"timeout": "soon"}, "bad-request", "'timeout' must be a positive"),
        ("kv_drive:drive", {"timeout": 0}, "bad-request", "'timeout' must be a positive"),
    ],
)
def test_exercise_refusals(
    tmp_path: Path, exercise: str, args: dict[str, Any], kind: str, message: str
) -> None:
    """A function that raises or hangs, one the release lacks, a bad timeout: an OpError each."""
    path = exercise_root(tmp_path, exercise)

    async def main(node: Node) -> None:
        ops = await boot(node, path)
        with pytest.raises(OpError) as info:
            await ops["exercise"](args)
        assert (kind, True) == (info.value.kind, info.value.message.startswith(message))

    run(main)


def test_exercise_without_function_does_not_run(root: tuple[Path, dict[str, Path]]) -> None:
    """A release that names no exercise function: ran is false, nothing fails."""
    path, _ = root

    async def main(node: Node) -> None:
        ops = await boot(node, path)
        assert {"ran": False, "vsn": "1"} == await ops["exercise"]({})

    run(main)


def test_states_by_path_as_sorted_term_text(root: tuple[Path, dict[str, Path]]) -> None:
    """Each supervised gen_server's state under its path; an install's code_change shows."""
    path, packages = root

    async def main(node: Node) -> None:
        ops = await boot(node, path)
        states = (await ops["states"]({}))["states"]
        assert ["kv_sup/0", "kv_sup/1", "kv_sup/2"] == sorted(states)
        first = states["kv_sup/0"]
        assert ("kv_srv", False, "#{id => 0,n => 0}") == (
            first["module"],
            first["dynamic"],
            first["state"],
        )
        await ops["unpack"]({"package": str(packages["2"])})
        await ops["install"]({"vsn": "2"})
        after = (await ops["states"]({}))["states"]["kv_sup/0"]
        assert (first["pid"], "#{history => [{up,'1',[to2]}],id => 0,n => 0}") == (
            after["pid"],
            after["state"],
        )

    run(main)


class Opaque:
    def __repr__(self) -> str:
        return "<opaque>"


def test_states_show_a_value_without_term_form_as_its_repr(
    root: tuple[Path, dict[str, Path]],
) -> None:
    """Keys are sorted whatever their order; a value with no term form is its repr, a string."""
    path, _ = root

    async def main(node: Node) -> None:
        ops = await boot(node, path)
        pid = next(p["pid"] for p in (await ops["ps"]({}))["processes"] if p["module"] == "kv_srv")
        target = next(p for p in node.procs if repr(p) == pid)
        await sys_ops.replace_state(target, lambda _: {"z": [Opaque()], "a": (1, b"x")})
        states = (await ops["states"]({}))["states"]
        assert ['#{a => {1,<<"x">>},z => ["<opaque>"]}'] == [
            s["state"] for s in states.values() if s["pid"] == pid
        ]

    run(main)


def test_states_name_dynamic_children_by_pid(tmp_path: Path) -> None:
    """kvstore: a connection's kv_conn is a dynamic child, named by its pid; exercise runs."""
    package = pack(REPO / "sample_releases" / "kvstore", "1.0.0", tmp_path / "packages")
    init_root(tmp_path / "root", package)

    async def main(node: Node) -> None:
        ops = await boot(node, tmp_path / "root")
        assert {"ran": True, "vsn": "1.0.0"} == await ops["exercise"]({})
        port = int((await ops["call"]({"dest": "kv_listener", "request": "port"}))["reply"])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(b"PING\n")
            assert b"1 PONG\n" == await reader.readline()
            states = (await ops["states"]({}))["states"]
        finally:
            writer.close()
            await writer.wait_closed()
        assert "#{exercise => 'one round'}" == states["kv_sup/kv_store"]["state"]
        (conn,) = [p for p in states if p.startswith("kv_sup/kv_conn_sup/")]
        assert re.fullmatch(r"kv_sup/kv_conn_sup/<0\.\d+\.0>", conn)
        assert ("kv_conn", True, True) == (
            states[conn]["module"],
            states[conn]["dynamic"],
            states[conn]["state"].startswith('#{buffer => <<>>,sock => "<TcpSocket '),
        )
        assert False is states["kv_sup/kv_listener"]["dynamic"]

    run(main)


def test_load_of_a_broken_file_kills_nobody(
    root: tuple[Path, dict[str, Path]], tmp_path: Path
) -> None:
    """`load` of a file that fails to import is refused before old code is purged."""
    path, _ = root
    loop = "from relup.runtime import process\n\nasync def loop():\n    await process.receive()\n"
    v1, v2, broken = (tmp_path / f"helper_{n}.py" for n in ("1", "2", "broken"))
    v1.write_text(loop + "\n# 1\n", "utf-8")
    v2.write_text(loop + "\n# 2\n", "utf-8")
    broken.write_text("def (:\n", "utf-8")

    async def main(node: Node) -> None:
        ops = await boot(node, path)
        node.code.load("helper", v1)
        import helper  # type: ignore[import-not-found]

        lingering = node.spawn(helper.loop)
        node.code.load("helper", v2)  # the loop now runs old code
        with pytest.raises(OpError) as info:
            await ops["load"]({"module": "helper", "file": str(broken)})
        assert "LoadError" == info.value.kind
        assert node.lookup(lingering) is not None
        assert (str(v2), str(v1)) == (
            node.code.current("helper").path,
            node.code.old("helper").path,
        )  # type: ignore[union-attr]
        loaded = await ops["load"]({"module": "helper", "file": str(v1)})
        assert [repr(lingering)] == loaded["killed"]  # a third version purges the oldest

    run(main)


def test_load_of_a_module_not_loaded_hints_at_its_file(
    root: tuple[Path, dict[str, Path]],
) -> None:
    """`load` without --file of an unknown module: NotLoaded, and the hint names the command."""
    path, _ = root

    async def main(node: Node) -> None:
        ops = await boot(node, path)
        with pytest.raises(OpError) as info:
            await ops["load"]({"module": "nope"})
        assert "NotLoaded" == info.value.kind
        message, _, hint = info.value.message.partition("\nhint: ")
        assert "module nope is not loaded; give --file" == message
        assert "give the module's file: relup load nope --file PATH" == hint

    run(main)


def test_purge_soft_refuses_with_a_hint_and_brutal_purge_kills(
    root: tuple[Path, dict[str, Path]], tmp_path: Path
) -> None:
    """`purge`: nothing to purge, --soft refused (hint), then without --soft it kills."""
    path, _ = root
    loop = "from relup.runtime import process\n\nasync def loop():\n    await process.receive()\n"
    v1, v2 = (tmp_path / f"looper_{n}.py" for n in ("1", "2"))
    v1.write_text(loop + "\n# 1\n", "utf-8")
    v2.write_text(loop + "\n# 2\n", "utf-8")

    async def main(node: Node) -> None:
        ops = await boot(node, path)
        node.code.load("looper", v1)
        assert {"purged": False, "killed": []} == await ops["purge"]({"module": "looper"})
        import looper  # type: ignore[import-not-found]

        lingering = node.spawn(looper.loop)
        node.code.load("looper", v2)  # the loop now runs old code
        with pytest.raises(OpError) as info:
            await ops["purge"]({"module": "looper", "soft": True})
        assert "OldProcesses" == info.value.kind
        message, _, hint = info.value.message.partition("\nhint: ")
        assert repr(lingering) in message
        assert "relup ps shows them; relup purge MODULE without --soft kills them" == hint
        assert node.lookup(lingering) is not None
        purged = await ops["purge"]({"module": "looper"})
        assert {"purged": True, "killed": [repr(lingering)]} == purged
        assert node.lookup(lingering) is None
        assert node.code.old("looper") is None

    run(main)
