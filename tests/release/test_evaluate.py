"""The relup evaluator on a live node: each instruction, and rollback after every failure."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from typing import Any

import pytest

from relup.release.evaluate import Evaluator, InstallError, Outcome, parse_script
from relup.release.term_mapping import from_term
from relup.runtime import AppSpec, Node, Pid, gen_server, supervised_processes
from relup.terms import parse_term
from relup.testing import run, run_until_idle
from tests.release.kvapp import BROKEN, SRV, V2, write_app, write_module

UP = """[{load_object_code, {kv, "2", [kv_srv]}}, point_of_no_return,
         {suspend, [kv_srv]}, {load, {kv_srv, brutal_purge, brutal_purge}},
         {code_change, up, [{kv_srv, EXTRA}]}, {resume, [kv_srv]}]"""
DOWN = """[{load_object_code, {kv, "1", [kv_srv]}}, point_of_no_return,
           {suspend, [kv_srv]}, {code_change, down, [{kv_srv, []}]},
           {load, {kv_srv, brutal_purge, brutal_purge}}, {resume, [kv_srv]}]"""


class Tree:
    """Application versions on disk: ``lib/kv-<vsn>/<module>.py``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, vsn: str, module: str, source: str) -> Path:
        return write_module(self.root, vsn, module, source)

    def locate(self, app: str, vsn: str, module: str) -> Path:
        return self.root / "lib" / f"{app}-{vsn}" / f"{module}.py"


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    t = Tree(tmp_path)
    for vsn in ("1", "2"):
        write_app(tmp_path, vsn, servers=0)
    t.write("3", "kv_srv", BROKEN)
    return t


def script(text: str, extra: str = "[]") -> list[Any]:
    return parse_script(parse_term(text.replace("EXTRA", extra) + "."))


async def boot(node: Node, tree: Tree, n: int) -> list[Pid]:
    for mod in ("kv_app", "kv_sup", "kv_srv"):
        node.code.load(mod, tree.locate("kv", "1", mod))
    node.apps.load(AppSpec(name="kv", vsn="1", modules=("kv_app",), mod=("kv_app", [n])))
    await node.apps.start("kv")
    return [pid for sup, _, pid, _ in await supervised_processes(node) if sup is not None]


def evaluator(node: Node, tree: Tree, **kw: Any) -> Evaluator:
    calls: list[tuple[str, str, list[Any]]] = kw.pop("calls", [])

    def apply(m: str, f: str, a: list[Any]) -> Any:
        calls.append((m, f, a))
        if f == "fail":
            raise RuntimeError("apply failed")
        return None

    return Evaluator(node, tree.locate, apply=apply, to_python=from_term, **kw)


async def boot_pids(node: Node) -> list[Pid]:
    """The servers, in child order, as the supervisor now lists them."""
    rows = await supervised_processes(node)
    return [pid for sup, _, pid, _ in sorted(
        (r for r in rows if r[0] is not None), key=lambda r: r[1]
    )]  # fmt: skip


async def states(pids: list[Pid]) -> list[Any]:
    return [await gen_server.call(p, "get") for p in pids]


def test_update_advanced_migrates_every_state_with_the_new_code(tree: Tree) -> None:
    """Up: each code_change runs in v2 with old_vsn "1" and the extra; v2 replies."""

    async def main(node: Node) -> Outcome:
        pids = await boot(node, tree, 5)
        for p in pids:
            gen_server.cast(p, "inc")
        await run_until_idle(node)
        out = await evaluator(node, tree).run(script(UP, "[x]"))
        after = await states(pids)
        assert [
            ("2", {"id": i, "n": 1, "history": [("up", "1", ["x"])]}) for i in range(5)
        ] == after
        assert "2" == node.code.current("kv_srv").vsn
        assert node.code.old("kv_srv") is None  # soft-purged: no process runs v1
        return out

    out = run(main)
    assert (5, 5) == (out.suspended, out.upgraded)


def test_downgrade_calls_code_change_of_the_newer_code_before_loading(tree: Tree) -> None:
    """Down: code_change gets ("down", "1") in v2 code, then v1 is loaded."""

    async def main(node: Node) -> None:
        pids = await boot(node, tree, 3)
        await evaluator(node, tree).run(script(UP))
        await evaluator(node, tree).run(script(DOWN))
        after = await states(pids)
        assert [("1", {"id": i, "n": 0, "down_from": ("down", "1")}) for i in range(3)] == after

    run(main)


def test_messages_sent_during_install_are_answered_in_order_by_new_code(tree: Tree) -> None:
    """Casts queued while suspended are handled after resume, in order, on the migrated state."""

    async def main(node: Node) -> None:
        pids = await boot(node, tree, 2)

        def listener(phase: str, data: dict[str, Any]) -> None:
            if phase == "load":
                for _ in range(3):
                    gen_server.cast(pids[0], "inc")

        await evaluator(node, tree, listener=listener).run(script(UP))
        await run_until_idle(node)
        vsn, state = await gen_server.call(pids[0], "get")
        assert ("2", 3, [("up", "1", [])]) == (vsn, state["n"], state["history"])

    run(main)


def test_code_change_raising_in_one_process_rolls_everything_back(tree: Tree) -> None:
    """One failing code_change: all states and code are the old ones, all processes resumed."""

    async def main(node: Node) -> None:
        pids = await boot(node, tree, 5)
        for p in pids:
            gen_server.cast(p, "inc")
        await run_until_idle(node)
        before = await states(pids)
        with pytest.raises(InstallError) as info:
            await evaluator(node, tree).run(script(UP, "[boom, 3]"))
        err = info.value
        assert (5, "kv_srv", pids[3]) == (err.step, err.module, err.pid)
        assert "boom in 3" in str(err)
        assert before == await states(pids)
        assert "1" == node.code.current("kv_srv").vsn
        assert all(node.process(p).status == "waiting" for p in pids)

    run(main)


def test_suspend_timeout_rolls_back_and_names_the_process(tree: Tree) -> None:
    """A server inside a slow async callback misses its suspend timeout: rollback, pid named."""

    async def main(node: Node) -> None:
        pids = await boot(node, tree, 3)
        slow = node.spawn(gen_server.call, pids[1], "slow")
        await asyncio.sleep(0.01)
        with pytest.raises(InstallError) as info:
            await evaluator(node, tree, suspend_timeout=0.05).run(script(UP))
        assert (pids[1], "suspend_timeout") == (info.value.pid, info.value.reason)
        assert "1" == node.code.current("kv_srv").vsn
        assert [("1", {"id": i, "n": 0}) for i in range(3)] == await states(pids)
        del slow

    run(main)


def test_a_module_that_fails_to_import_changes_nothing(tree: Tree) -> None:
    """load_object_code of a version that raises at import: refused before anything moved."""

    async def main(node: Node) -> None:
        pids = await boot(node, tree, 2)
        bad = UP.replace('{kv, "2"', '{kv, "3"')
        with pytest.raises(InstallError) as info:
            await evaluator(node, tree).run(script(bad))
        assert (1, "kv_srv") == (info.value.step, info.value.module)
        assert "does not import" in str(info.value)
        assert [("1", {"id": i, "n": 0}) for i in range(2)] == await states(pids)

    run(main)


def test_check_leaves_no_handle_behind_whatever_fails(tree: Tree) -> None:
    """check() drops the handles it registered for new modules, even on an unexpected error."""

    def locate(app: str, vsn: str, module: str) -> Path:
        raise RuntimeError("no such file")

    async def main(node: Node) -> None:
        await boot(node, tree, 1)
        text = '[{load_object_code, {kv, "2", [fresh]}}, point_of_no_return].'
        ev = Evaluator(node, locate, apply=lambda m, f, a: None, to_python=from_term)
        with pytest.raises(RuntimeError):
            await ev.check(parse_script(parse_term(text)))
        assert not node.code.has_handle("fresh")

    run(main)


def test_third_version_kill_is_deferred_to_commit_and_undone_by_rollback(tree: Tree) -> None:
    """A raw process left on v1 survives a failed v2→v2' install and dies when one commits."""
    loop_src = """
        from relup.runtime import process
        __vsn__ = "{vsn}"
        async def loop():
            await process.receive()
            return process.then(loop)
    """

    async def main(node: Node) -> None:
        await boot(node, tree, 2)
        lib = tree.write("1", "helper", loop_src.format(vsn="1"))
        node.code.load("helper", lib)
        import helper  # type: ignore[import-not-found]

        lingering = node.spawn(helper.loop)  # stays on helper v1 forever
        node.code.load("helper", tree.write("2", "helper", loop_src.format(vsn="2")))
        tree.write("4", "helper", loop_src.format(vsn="4"))
        tree.write("4", "kv_srv", SRV.format(**V2))
        up = """[{load_object_code, {kv, "4", [helper, kv_srv]}}, point_of_no_return,
                 {load, {helper, brutal_purge, brutal_purge}},
                 {suspend, [kv_srv]}, {load, {kv_srv, brutal_purge, brutal_purge}},
                 {code_change, up, [{kv_srv, EXTRA}]}, {resume, [kv_srv]}]"""
        with pytest.raises(InstallError):
            await evaluator(node, tree).run(script(up, "[boom, 0]"))
        await run_until_idle(node)
        assert node.process(lingering).alive
        assert ("2", "1") == (node.code.current("helper").vsn, node.code.old("helper").vsn)  # type: ignore[union-attr]
        out = await evaluator(node, tree).run(script(up))
        assert [lingering] == out.killed
        assert node.lookup(lingering) is None

    run(main)


def test_soft_purge_refuses_while_old_code_is_in_use(tree: Tree) -> None:
    """PrePurge soft_purge with a process on old code: refused, nothing evaluated."""
    loop_src = textwrap.dedent(
        """
        from relup.runtime import process
        async def loop():
            await process.receive()
            return process.then(loop)
        """
    )

    async def main(node: Node) -> None:
        node.code.load("helper", tree.write("1", "helper", loop_src + "# v1\n"))
        import helper  # type: ignore[import-not-found]

        node.spawn(helper.loop)
        node.code.load("helper", tree.write("2", "helper", loop_src + "# v2\n"))
        tree.write("4", "helper", loop_src + "# v4\n")
        calls: list[Any] = []
        up = """[{load_object_code, {kv, "4", [helper]}}, {apply, {m, f, []}}, point_of_no_return,
                 {load, {helper, soft_purge, soft_purge}}]"""
        with pytest.raises(InstallError) as info:
            await evaluator(node, tree, calls=calls).run(script(up))
        assert ("old_processes", "helper") == info.value.reason
        assert [] == calls

    run(main)


def test_apply_runs_and_is_not_undone(tree: Tree) -> None:
    """applies run in order; a failing one rolls the install back, not the earlier apply."""

    async def main(node: Node) -> None:
        await boot(node, tree, 1)
        calls: list[Any] = []
        up = UP[:-1] + ", {apply, {m, first, [1, two]}}, {apply, {m, fail, []}}]"
        with pytest.raises(InstallError) as info:
            await evaluator(node, tree, calls=calls).run(script(up))
        assert [("m", "first", [1, "two"]), ("m", "fail", [])] == calls
        assert 8 == info.value.step
        assert "1" == node.code.current("kv_srv").vsn

    run(main)


def test_illegal_instruction_is_refused_with_its_step() -> None:
    """A term that is no relup instruction: InstallError naming step and instruction."""
    with pytest.raises(InstallError) as info:
        parse_script(parse_term("[point_of_no_return, {frobnicate, x}]."))
    assert (2, "{frobnicate,x}") == (info.value.step, info.value.instruction)


def test_stop_load_start_restarts_the_children_on_the_new_code(tree: Tree) -> None:
    """{stop, [M]} ends the children running M, {start, [M]} brings them back on the new M."""
    script_text = """[{load_object_code, {kv, "2", [kv_srv]}}, point_of_no_return,
                      {stop, [kv_srv]}, {load, {kv_srv, brutal_purge, brutal_purge}},
                      {start, [kv_srv]}]"""

    async def main(node: Node) -> None:
        before = await boot(node, tree, 3)
        out = await evaluator(node, tree).run(script(script_text))
        after = await boot_pids(node)
        assert 0 == out.upgraded
        assert set() == set(before) & set(after)  # new processes...
        assert [("2", {"id": i, "n": 0, "history": []}) for i in range(3)] == await states(after)

    run(main)


def test_rollback_after_stop_restarts_the_children_on_the_old_code(tree: Tree) -> None:
    """A failure after {stop, [M]}: the stopped children come back, running the old M."""
    script_text = """[{load_object_code, {kv, "2", [kv_srv]}}, point_of_no_return,
                      {stop, [kv_srv]}, {load, {kv_srv, brutal_purge, brutal_purge}},
                      {apply, {m, fail, []}}, {start, [kv_srv]}]"""

    async def main(node: Node) -> None:
        await boot(node, tree, 3)
        with pytest.raises(InstallError):
            await evaluator(node, tree).run(script(script_text))
        await run_until_idle(node)
        after = await boot_pids(node)
        assert [("1", {"id": i, "n": 0}) for i in range(3)] == await states(after)

    run(main)


def test_remove_and_purge_kill_the_processes_in_the_removed_module_at_commit(
    tree: Tree,
) -> None:
    """{remove, M} then {purge, [M]}: M has no version left and its raw loop is killed."""
    loop_src = textwrap.dedent(
        """
        from relup.runtime import process
        async def loop():
            await process.receive()
            return process.then(loop)
        """
    )

    async def main(node: Node) -> None:
        await boot(node, tree, 1)
        node.code.load("helper", tree.write("1", "helper", loop_src))
        import helper  # type: ignore[import-not-found]

        looping = node.spawn(helper.loop)
        text = """[point_of_no_return, {sync_nodes, id, [other@host]},
                   {remove, {helper, brutal_purge, brutal_purge}}, {purge, [helper]}]"""
        out = await evaluator(node, tree).run(script(text))
        assert [looping] == out.killed
        assert (False, None) == (node.code.is_loaded("helper"), node.code.old("helper"))

    run(main)
