"""sys operations, by message and directly on the loop (the release handler's path)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from relup.runtime import CodeChangeError, Node, Pid, gen_server, process, sys_ops, timers
from relup.runtime._process import Process
from relup.testing import run, run_until_idle

Write = Callable[[str, str], Path]

SRV = """
    from relup.runtime import process

    __vsn__ = "{vsn}"

    def init(_):
        return ("ok", {{"seen": []}})

    async def handle_call(request, from_, state):
        if request == "wait_for_go":
            await process.receive(lambda m: m == "go")      # inside a callback
        return ("reply", (__vsn__, state), state)

    def handle_cast(msg, state):
        return ("noreply", {{**state, "seen": [*state["seen"], msg]}})

    def code_change(old_vsn, state, extra):
        if extra == "fail":
            raise ValueError("no")
        return ("ok", {{**state, "migrated": (old_vsn, __vsn__)}})
"""


@pytest.fixture
def srv(write: Write) -> tuple[Path, Path]:
    return write("srv_1.py", SRV.format(vsn="1")), write("srv_2.py", SRV.format(vsn="2"))


def test_message_suspend_keeps_later_messages_queued_in_order(srv: tuple[Path, Path]) -> None:
    async def main(node: Node) -> None:
        node.code.load("srv", srv[0])
        pid = await gen_server.start("srv")
        assert pid is not None
        gen_server.cast(pid, "before")
        await sys_ops.suspend(pid)  # handled after "before"
        for m in ("a", "b", "c"):
            gen_server.cast(pid, m)
        assert {"seen": ["before"]} == await sys_ops.get_state(pid)  # system calls still work
        status = await sys_ops.get_status(pid)
        assert ("suspended", 3) == (status["status"], status["message_queue_len"])
        await sys_ops.resume(pid)
        await run_until_idle(node)
        assert {"seen": ["before", "a", "b", "c"]} == await sys_ops.get_state(pid)

    run(main)


def test_direct_suspend_change_commit_resume_many(srv: tuple[Path, Path]) -> None:
    """Thousands of servers: suspend, compute, commit and resume without messages."""

    async def main(node: Node) -> None:
        node.code.load("srv", srv[0])
        pids = [await gen_server.start("srv") for _ in range(2000)]
        procs = [node.process(p) for p in pids if p is not None]
        for p in pids[:10]:
            assert p is not None
            gen_server.cast(p, "queued")  # stays queued: the flag wins at the boundary
        assert [] == await sys_ops.await_suspended(procs, timeout=1)
        await run_until_idle(node)
        assert all(sys_ops.is_suspended(p) for p in procs)
        node.code.load("srv", srv[1])
        changes = [sys_ops.prepare_code_change(p, "1") for p in procs]
        assert all(c.ok for c in changes)
        assert {"seen": []} == procs[0].state  # nothing committed yet
        for c in changes:
            c.commit()
        for p in procs:
            sys_ops.resume_process(p)
        await run_until_idle(node)
        assert {"seen": ["queued"], "migrated": ("1", "2")} == procs[0].state
        assert {"seen": [], "migrated": ("1", "2")} == procs[-1].state

    run(main)


def test_suspension_waits_for_the_callback_in_progress(srv: tuple[Path, Path]) -> None:
    async def main(node: Node) -> None:
        node.code.load("srv", srv[0])
        pid = await gen_server.start("srv")
        assert pid is not None
        me = process.self()

        async def client() -> None:
            process.send(me, await gen_server.call(pid, "wait_for_go"))

        process.spawn(client)
        await run_until_idle(node)
        proc = node.process(pid)
        assert [proc] == await sys_ops.await_suspended([proc], timeout=0.02)  # still busy
        timers.send_after(0.01, pid, "go")
        assert [] == await sys_ops.await_suspended([proc], timeout=1)
        assert ("1", {"seen": []}) == await process.receive(timeout=1)  # callback finished
        assert sys_ops.is_suspended(proc)
        sys_ops.resume_process(proc)

    run(main)


def test_failed_change_rolls_back(srv: tuple[Path, Path]) -> None:
    """A transaction: a failed code_change → revert code, discard states, resume on v1."""

    async def main(node: Node) -> None:
        node.code.load("srv", srv[0])
        pids = [await gen_server.start("srv") for _ in range(3)]
        procs = [node.process(p) for p in pids if p is not None]
        new = node.code.prepare("srv", srv[1])  # before the point of no return
        assert [] == await sys_ops.await_suspended(procs, timeout=1)
        node.code.make_current(new)
        changes = [
            sys_ops.prepare_code_change(p, "1", "fail" if i == 1 else None)
            for i, p in enumerate(procs)
        ]
        assert [True, False, True] == [c.ok for c in changes]
        assert isinstance(changes[1].result, ValueError)
        with pytest.raises(CodeChangeError):
            changes[1].commit()
        node.code.revert("srv")
        for c in changes:
            c.discard()
        for p in procs:
            sys_ops.resume_process(p)
        for pid in pids:
            assert pid is not None
            assert ("1", {"seen": []}) == await gen_server.call(pid, "x")

    run(main)


def test_prepare_needs_a_suspended_gen_server(srv: tuple[Path, Path]) -> None:
    async def main(node: Node) -> None:
        node.code.load("srv", srv[0])
        pid = await gen_server.start("srv")
        assert pid is not None
        change = sys_ops.prepare_code_change(node.process(pid), "1")
        assert (False, "not_suspended") == (change.ok, change.result)

        async def raw() -> Any:
            return await process.receive()

        r = process.spawn(raw)
        await run_until_idle(node)
        assert [] == await sys_ops.await_suspended([node.process(r)], timeout=1)
        change = sys_ops.prepare_code_change(node.process(r), "1")
        assert (False, "not_a_gen_server") == (change.ok, change.result)
        process.send(r, "held")  # a suspended raw process does not receive it
        await run_until_idle(node)
        assert process.is_alive(r)
        sys_ops.resume_process(node.process(r))
        await run_until_idle(node)
        assert not process.is_alive(r)

    run(main)


def test_replace_state_failure_keeps_state(srv: tuple[Path, Path]) -> None:
    async def main(node: Node) -> None:
        node.code.load("srv", srv[0])
        pid = await gen_server.start("srv")
        assert pid is not None
        with pytest.raises(gen_server.CallError):
            await sys_ops.replace_state(pid, lambda s: 1 / 0)
        assert {"seen": []} == await sys_ops.get_state(pid)
        assert {"x": 1} == await sys_ops.replace_state(pid, lambda s: {"x": 1})

    run(main)


OTHER = """
    __vsn__ = "{vsn}"

    def init(_):
        return ("ok", 0)

    def handle_call(request, from_, state):
        return ("reply", (__vsn__, state), state)

    def code_change(old_vsn, state, extra):
        if extra == "error":
            return ("error", "refused")
        if extra == "bad":
            return "ok"
        return ("ok", state + 1)
"""


async def suspended_servers(
    node: Node, srv: tuple[Path, Path], write: Write, *modules: str
) -> tuple[list[Pid], list[Process]]:
    """One suspended server per name in ``modules`` ("srv" v1 or "other" v1)."""
    node.code.load("srv", srv[0])
    node.code.load("other", write("other_1.py", OTHER.format(vsn="1")))
    pids = [await gen_server.start(m) for m in modules]
    live = [p for p in pids if p is not None]
    procs = [node.process(p) for p in live]
    assert [] == await sys_ops.await_suspended(procs, timeout=1)
    return live, procs


def test_change_states_installs_each_state_and_keeps_the_old_ones(
    srv: tuple[Path, Path], write: Write
) -> None:
    """Two callback modules in one batch: each server gets its own module's code_change."""

    async def main(node: Node) -> None:
        pids, procs = await suspended_servers(node, srv, write, "srv", "other", "srv", "other")
        dead = procs.pop()
        node.terminate(dead, "killed")
        node.code.load("srv", srv[1])
        before = [p.state for p in procs]
        saved: list[tuple[Any, Any]] = []
        assert (3, None, None) == sys_ops.change_states([*procs, dead], "1", None, saved)
        assert [(p, s) for p, s in zip(procs, before, strict=True)] == saved
        assert [{"seen": [], "migrated": ("1", "2")}, 1] == [p.state for p in procs[:2]]
        sys_ops.resume_all(procs, lagged=())
        assert ("2", {"seen": [], "migrated": ("1", "2")}) == await gen_server.call(pids[0], "x")
        assert ("1", 1) == await gen_server.call(pids[1], "x")

    run(main)


@pytest.mark.parametrize(
    ("extra", "reason"),
    [("fail", ValueError), ("error", "refused"), ("bad", ("bad_return_value", "ok"))],
)
def test_change_states_stops_at_the_first_failure(
    srv: tuple[Path, Path], write: Write, extra: str, reason: Any
) -> None:
    """What changed before the failure is in ``saved``; nothing after it is touched."""

    async def main(node: Node) -> None:
        _, procs = await suspended_servers(node, srv, write, "other", "other", "srv", "other")
        saved: list[tuple[Any, Any]] = []
        # "other" fails on "error"/"bad", "srv" on "fail": the first failing one stops it
        first_bad = 2 if extra == "fail" else 0
        done, failed, why = sys_ops.change_states(procs, "1", extra, saved)
        assert (first_bad, procs[first_bad]) == (done, failed)
        if isinstance(reason, type):
            assert isinstance(why, reason)
        else:
            assert reason == why
        assert [(p, 0) for p in procs[:first_bad]] == saved
        assert [1] * first_bad + [0] == [p.state for p in procs[:first_bad]] + [procs[3].state]

    run(main)


def test_change_states_refuses_a_running_or_raw_process(srv: tuple[Path, Path]) -> None:
    async def main(node: Node) -> None:
        node.code.load("srv", srv[0])
        pid = await gen_server.start("srv")
        assert pid is not None
        proc = node.process(pid)
        saved: list[tuple[Any, Any]] = []
        assert (0, proc, "not_suspended") == sys_ops.change_states([proc], "1", None, saved)

        async def raw() -> Any:
            return await process.receive()

        r = node.process(process.spawn(raw))
        await run_until_idle(node)
        assert [] == await sys_ops.await_suspended([r], timeout=1)
        assert (0, r, "not_a_gen_server") == sys_ops.change_states([r], "1", None, saved)
        assert [] == saved
        sys_ops.resume_all([r], lagged=())

    run(main)


def test_resume_all_wakes_who_has_mail_and_leaves_idle_ones_parked(
    srv: tuple[Path, Path],
) -> None:
    async def main(node: Node) -> None:
        node.code.load("srv", srv[0])
        pids = [await gen_server.start("srv") for _ in range(3)]
        procs = [node.process(p) for p in pids if p is not None]
        assert [] == await sys_ops.await_suspended(procs, timeout=1)
        assert pids[0] is not None
        gen_server.cast(pids[0], "held")
        await run_until_idle(node)
        assert {"seen": []} == procs[0].state  # held while suspended
        sys_ops.resume_all(procs, lagged=())
        assert not any(p.suspended for p in procs)
        # woken to take its mail; the others stay parked (the next delivery wakes them)
        assert ["running", "waiting", "waiting"] == [p.status for p in procs]
        await run_until_idle(node)
        assert {"seen": ["held"]} == procs[0].state
        assert pids[1] is not None
        gen_server.cast(pids[1], "later")  # the next delivery wakes a parked one
        await run_until_idle(node)
        assert {"seen": ["later"]} == procs[1].state

    run(main)
