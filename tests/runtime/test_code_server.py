"""The code server: versions, handles, prepare/make_current/revert, purge, delete."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from relup.runtime import (
    LoadError,
    ModuleHandle,
    Node,
    NotLoaded,
    NotPurged,
    OldProcesses,
    gen_server,
    process,
)
from relup.testing import run, run_until_idle

Write = Callable[[str, str], Path]

MOD = """
    import m
    SELF = m                      # the handle exists before the version executes
    {vsn}
    def who():
        return WHO

    WHO = "{who}"
    def call_local():
        return who()

    def call_qualified():
        return m.who()
"""


def mod(write: Write, who: str, vsn: str = "") -> Path:
    return write(f"m_{who}.py", MOD.format(who=who, vsn=vsn))


def test_handle_is_registered_before_execution_and_follows_current(write: Write) -> None:
    async def main(node: Node) -> None:
        v1 = node.code.load("m", mod(write, "one", '__vsn__ = "1.0"'))
        import m  # type: ignore[import-not-found]

        assert isinstance(m, ModuleHandle)
        assert m is v1.namespace["SELF"]
        assert "1.0" == v1.vsn
        from m import call_local, call_qualified  # type: ignore[import-not-found]

        v2 = node.code.load("m", mod(write, "two"))
        source = mod(write, "two").read_bytes()
        assert int.from_bytes(hashlib.md5(source).digest(), "big") == v2.vsn
        assert "two" == m.who()
        assert "one" == call_local()  # v1's function keeps v1's globals: a local call
        assert "two" == call_qualified()  # ...but a qualified call reaches current
        assert v2 is node.code.current("m") and v1 is node.code.old("m")

    run(main)


def test_prepare_does_not_change_current_and_bad_versions_are_refused(write: Write) -> None:
    async def main(node: Node) -> None:
        node.code.load("m", mod(write, "one"))
        import m

        prepared = node.code.prepare("m", mod(write, "two"))
        assert "one" == m.who()
        assert not node.code.is_current(prepared)
        bad = write("m_bad.py", "import m\nraise RuntimeError('broken at import')\n")
        with pytest.raises(LoadError) as info:
            node.code.prepare("m", bad)
        assert isinstance(info.value.__cause__, RuntimeError)
        with pytest.raises(LoadError):
            node.code.load("m", write("m_syntax.py", "def (:\n"))
        assert "one" == m.who()
        node.code.make_current(prepared)
        assert "two" == m.who()
        node.code.revert("m")
        assert "one" == m.who()
        assert prepared is node.code.old("m")

    run(main)


def test_load_without_purge_delete_and_not_loaded(write: Write) -> None:
    async def main(node: Node) -> None:
        node.code.load("m", mod(write, "one"))
        node.code.load("m", mod(write, "two"))
        with pytest.raises(NotPurged):
            node.code.load("m", mod(write, "three"), purge=False)
        with pytest.raises(NotPurged):
            node.code.delete("m")
        assert [] == node.code.purge("m")  # nothing ran old code: nobody killed
        assert node.code.purge("m") is None  # no old code left to purge
        node.code.delete("m")
        import m

        with pytest.raises(AttributeError):
            m.who()
        with pytest.raises(NotLoaded):
            node.code.current("m")
        assert [] == node.code.loaded()

    run(main)


HOLDER = """
    def helper():
        return "v{n}"

    def init(_):
        return ("ok", {{"callback": helper}})       # a function of this version, held in state

    def handle_call(request, from_, state):
        return ("reply", state["callback"](), state)

    def handle_cast(msg, state):
        return ("noreply", {{"callback": None}})
"""


def test_state_holding_old_functions_counts_as_running_old_code(write: Write) -> None:
    """A gen_server whose state holds a v1 function runs v1: soft purge refuses, purge kills."""
    v1, v2 = (write(f"holder_{n}.py", HOLDER.format(n=n)) for n in (1, 2))

    async def main(node: Node) -> None:
        node.code.load("holder", v1)
        holding = await gen_server.start("holder")
        clean = await gen_server.start("holder")
        assert holding is not None and clean is not None
        gen_server.cast(clean, "drop")
        await run_until_idle(node)
        new = node.code.load("holder", v2)
        assert "v1" == await gen_server.call(holding, "x")
        info = process.info(holding)
        assert info is not None
        assert ("holder", new.vsn) == (info.callback_module, info.callback_vsn)
        assert (("holder", node.code.old("holder").vsn, "old"),) == info.running  # type: ignore[union-attr]
        with pytest.raises(OldProcesses) as refused:
            node.code.soft_purge("holder")
        assert [holding] == refused.value.pids
        assert [holding] == node.code.purge("holder")
        assert not process.is_alive(holding)
        assert process.is_alive(clean)

    run(main)


def test_shutdown_restores_sys_modules(write: Write) -> None:
    async def main(node: Node) -> None:
        node.code.load("m", mod(write, "one"))
        assert "m" in sys.modules

    run(main)
    assert "m" not in sys.modules


DATA = """
    from dataclasses import dataclass

    @dataclass
    class Point:
        x: int

    def init(kind):
        return ("ok", {"held": Point(1) if kind == "instance" else Point if kind == "class" else 1})

    def handle_call(request, from_, state):
        return ("reply", None, state)

    def handle_cast(msg, state):
        return ("noreply", state)
"""


def test_instances_and_classes_of_a_version_pin_it(write: Write) -> None:
    """Holding an instance (or the class) of a v1 class means running v1; plain data does not."""
    v1 = write("data_1.py", DATA)
    v2 = write("data_2.py", DATA)

    async def main(node: Node) -> None:
        node.code.load("data", v1)
        servers = {k: await gen_server.start("data", k) for k in ("instance", "class", "plain")}
        node.code.load("data", v2)
        assert sorted([servers["instance"], servers["class"]], key=id) == sorted(
            node.code.old_processes("data"), key=id
        )
        assert not node.code.check_process_code(servers["plain"], "data")  # type: ignore[arg-type]

    run(main)
