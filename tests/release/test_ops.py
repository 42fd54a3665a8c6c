"""The release ops the control channel serves, called in-process on a booted node."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from relup.control.server import OpError
from relup.release.ops import boot
from relup.release.package import pack
from relup.release.root import init_root
from relup.runtime import Node
from relup.testing import run
from tests.release.kvapp import write_tree


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
