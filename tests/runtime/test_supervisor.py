"""Supervisors: strategies, restart types, intensity, child operations, code_change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from relup.runtime import (
    ChildSpec,
    Exit,
    GetModulesFailed,
    Node,
    Pid,
    StartError,
    SupervisorError,
    SuspendedSupervisor,
    gen_server,
    process,
    supervisor,
    sys_ops,
)
from relup.runtime._child_specs import which
from relup.testing import ManualClock, run, run_until_idle


class Worker:
    """A gen_server child: answers its name, crashes or stops on request."""

    @staticmethod
    async def start_link(name: str, trap: bool = False) -> Pid | None:
        return await gen_server.start_link(Worker, (name, trap))

    @staticmethod
    def init(args: tuple[str, bool]) -> Any:
        name, trap = args
        if name == "bad":
            raise RuntimeError("cannot start")
        process.trap_exit(trap)
        return ("ok", name)

    @staticmethod
    def handle_call(request: Any, from_: Any, state: str) -> Any:
        if request == "crash":
            raise RuntimeError("crash")
        if request == "stop_normal":
            return ("stop", "normal", "ok", state)
        return ("reply", state, state)

    @staticmethod
    def handle_cast(msg: Any, state: str) -> Any:
        return ("noreply", state)

    @staticmethod
    async def terminate(reason: Any, state: str) -> None:
        if state == "stubborn":
            await process.receive(lambda m: False)  # never finishes: the supervisor kills it


def spec(name: str, **kw: Any) -> ChildSpec:
    return ChildSpec(id=name, start=(Worker, "start_link", (name, kw.pop("trap", False))), **kw)


class Sup:
    """A supervisor module whose init returns what the test put in ``args``."""

    @staticmethod
    def init(args: Any) -> Any:
        return args


async def pids(sup: Pid) -> dict[Any, Any]:
    return {cid: pid for cid, pid, _, _ in await supervisor.which_children(sup)}


async def crash(pid: Pid) -> None:
    with pytest.raises(gen_server.CallError):
        await gen_server.call(pid, "crash")


class TestStrategies:
    @pytest.mark.parametrize(
        ("strategy", "restarted"),
        [
            ("one_for_one", {"b"}),
            ("one_for_all", {"a", "b", "c"}),
            ("rest_for_one", {"b", "c"}),
        ],
    )
    def test_which_children_are_restarted(self, strategy: str, restarted: set[str]) -> None:
        """A crash of b restarts b only, all three, or b and those started after it."""

        async def main(node: Node) -> None:
            flags = {"strategy": strategy, "intensity": 5, "period": 5}
            sup = await supervisor.start_link(Sup, (flags, [spec("a"), spec("b"), spec("c")]))
            assert sup is not None
            before = await pids(sup)
            await crash(before["b"])
            await run_until_idle(node)
            after = await pids(sup)
            assert restarted == {k for k in before if before[k] is not after[k]}
            assert all(process.is_alive(p) for p in after.values())
            for k in restarted:
                assert not process.is_alive(before[k])

        run(main)

    def test_children_start_in_order_and_stop_in_reverse(self) -> None:
        """Children start in spec order; the supervisor's exit stops them last-first."""
        order: list[str] = []

        class Rec(Worker):
            @staticmethod
            async def start_link(name: str, trap: bool = False) -> Pid | None:
                order.append(f"start {name}")
                return await gen_server.start_link(Rec, (name, True))

            @staticmethod
            async def terminate(reason: Any, state: str) -> None:
                order.append(f"stop {state}")

        async def main(node: Node) -> None:
            specs = [ChildSpec(id=n, start=(Rec, "start_link", (n,))) for n in "abc"]
            sup = await supervisor.start(Sup, ({"strategy": "one_for_one"}, specs))
            assert sup is not None
            ref = process.monitor(sup)
            process.send_exit(sup, "shutdown")
            await process.receive(lambda m: m[0] == "DOWN" and m[1] is ref, timeout=2)
            assert ["start a", "start b", "start c", "stop c", "stop b", "stop a"] == order

        run(main)


class TestRestartTypes:
    def test_permanent_transient_temporary(self) -> None:
        """After a normal exit only permanent restarts; temporary children are forgotten."""

        async def main(node: Node) -> None:
            specs = [
                spec("p", restart="permanent"),
                spec("t", restart="transient"),
                spec("x", restart="temporary"),
            ]
            sup = await supervisor.start_link(Sup, ({"intensity": 10}, specs))
            assert sup is not None
            before = await pids(sup)
            for k in "ptx":
                await gen_server.call(before[k], "stop_normal")
            await run_until_idle(node)
            after = await pids(sup)
            assert ["p", "t"] == list(after)
            assert isinstance(after["p"], Pid) and after["p"] is not before["p"]
            assert after["t"] is None

        run(main)

    def test_transient_restarts_after_crash(self) -> None:
        async def main(node: Node) -> None:
            sup = await supervisor.start_link(Sup, ({}, [spec("t", restart="transient")]))
            assert sup is not None
            old = (await pids(sup))["t"]
            await crash(old)
            await run_until_idle(node)
            new = (await pids(sup))["t"]
            assert isinstance(new, Pid) and new is not old

        run(main)


class TestIntensity:
    def test_too_many_restarts_stop_the_supervisor(self) -> None:
        """More than ``intensity`` restarts within ``period`` end the supervisor (shutdown)."""
        clock = ManualClock()

        async def main(node: Node) -> None:
            flags = {"strategy": "one_for_one", "intensity": 2, "period": 10}
            sup = await supervisor.start(Sup, (flags, [spec("a"), spec("b")]))
            assert sup is not None
            ref = process.monitor(sup)
            b = (await pids(sup))["b"]
            for _ in range(2):
                await crash((await pids(sup))["a"])
                await run_until_idle(node)
                clock.advance(4)
            assert process.is_alive(sup)
            await crash((await pids(sup))["a"])  # third restart within 10 s
            down = await process.receive(lambda m: m[0] == "DOWN", timeout=2)
            assert ("DOWN", ref, "process", sup, "shutdown") == down
            assert not process.is_alive(b)

        run(main, clock=clock)

    def test_restarts_older_than_period_do_not_count(self) -> None:
        clock = ManualClock()

        async def main(node: Node) -> None:
            flags = {"intensity": 1, "period": 5}
            sup = await supervisor.start(Sup, (flags, [spec("a")]))
            assert sup is not None
            for _ in range(5):
                await crash((await pids(sup))["a"])
                await run_until_idle(node)
                clock.advance(6)
            assert process.is_alive(sup)

        run(main, clock=clock)


class TestChildOperations:
    def test_terminate_restart_delete(self) -> None:
        async def main(node: Node) -> None:
            sup = await supervisor.start_link(Sup, ({}, [spec("a")]))
            assert sup is not None
            with pytest.raises(SupervisorError) as info:
                await supervisor.delete_child(sup, "a")
            assert "running" == info.value.reason
            old = (await pids(sup))["a"]
            await supervisor.terminate_child(sup, "a")
            assert not process.is_alive(old)
            assert {"a": None} == await pids(sup)
            new = await supervisor.restart_child(sup, "a")
            assert new is not None and process.is_alive(new)
            await supervisor.terminate_child(sup, "a")
            await supervisor.delete_child(sup, "a")
            assert {} == await pids(sup)
            with pytest.raises(SupervisorError) as info:
                await supervisor.restart_child(sup, "a")
            assert "not_found" == info.value.reason

        run(main)

    def test_start_child_and_duplicates(self) -> None:
        async def main(node: Node) -> None:
            sup = await supervisor.start_link(Sup, ({}, []))
            assert sup is not None
            pid = await supervisor.start_child(sup, spec("a"))
            with pytest.raises(SupervisorError) as info:
                await supervisor.start_child(sup, spec("a"))
            assert ("already_started", pid) == info.value.reason
            with pytest.raises(SupervisorError) as info:
                await supervisor.start_child(sup, spec("bad"))
            assert isinstance(info.value.reason, RuntimeError)
            assert {"specs": 1, "active": 1, "supervisors": 0, "workers": 1} == (
                await supervisor.count_children(sup)
            )

        run(main)

    def test_stubborn_child_is_killed_after_shutdown_timeout(self) -> None:
        async def main(node: Node) -> None:
            stubborn = spec("stubborn", trap=True, shutdown=0.05)
            sup = await supervisor.start_link(Sup, ({}, [stubborn]))
            assert sup is not None
            pid = (await pids(sup))["stubborn"]
            ref = process.monitor(pid)
            await supervisor.terminate_child(sup, "stubborn")
            assert ("DOWN", ref, "process", pid, "killed") == await process.receive(timeout=2)

        run(main)

    def test_failing_child_fails_the_supervisor_start(self) -> None:
        async def main(node: Node) -> None:
            with pytest.raises(StartError) as info:
                await supervisor.start_link(Sup, ({}, [spec("a"), spec("bad")]))
            reason = info.value.reason
            assert ("shutdown", "failed_to_start_child", "bad") == (
                reason[0],
                reason[1][0],
                reason[1][1],
            )
            await run_until_idle(node)
            assert [process.self()] == node.processes()  # "a" was stopped again

        run(main)


class TestSimpleOneForOne:
    def test_dynamic_children(self) -> None:
        async def main(node: Node) -> None:
            template = ChildSpec(id="w", start=(Worker, "start_link", ()), restart="transient")
            sup = await supervisor.start_link(Sup, ({"strategy": "simple_one_for_one"}, [template]))
            assert sup is not None
            a = await supervisor.start_child(sup, ["a"])
            b = await supervisor.start_child(sup, ["b"])
            assert a is not None and b is not None
            assert "b" == await gen_server.call(b, "who")
            await crash(a)
            await run_until_idle(node)
            kids = await supervisor.which_children(sup)
            assert 2 == len(kids) and a not in [k[1] for k in kids]
            new_a = next(k[1] for k in kids if k[1] is not b)
            assert "a" == await gen_server.call(new_a, "who")  # restarted with its args
            await supervisor.terminate_child(sup, b)
            assert [new_a] == [k[1] for k in await supervisor.which_children(sup)]

        run(main)


SUP_MODULE = """
    from relup.runtime import ChildSpec
    from tests.runtime.test_supervisor import Worker

    def init(_):
        specs = [ChildSpec(id=n, start=(Worker, "start_link", (n,)), shutdown={shutdown})
                 for n in {names!r}]
        return ({{"strategy": "one_for_one", "intensity": {intensity}}}, specs)
"""


def test_supervisor_code_change_rereads_specs(write: Callable[[str, str], Path]) -> None:
    """{update, Mod, supervisor}: init runs again; specs update; nothing starts or stops."""
    v1 = write("my_sup_1.py", SUP_MODULE.format(names=["a", "b"], shutdown=5, intensity=1))
    v2 = write("my_sup_2.py", SUP_MODULE.format(names=["a", "c"], shutdown=1, intensity=7))

    async def main(node: Node) -> None:
        node.code.load("my_sup", v1)
        sup = await supervisor.start_link("my_sup")
        assert sup is not None
        before = await pids(sup)
        node.code.load("my_sup", v2)
        proc = node.process(sup)
        assert [] == await sys_ops.await_suspended([proc], timeout=1)
        change = sys_ops.prepare_code_change(proc, "1", None)
        assert change.ok
        assert ["a", "b"] == [c[0] for c in which(proc.state)]  # not committed
        change.commit()
        sys_ops.resume_process(proc)
        after = await pids(sup)
        assert ["a", "c", "b"] == list(after)
        assert before["a"] is after["a"] and before["b"] is after["b"]
        assert after["c"] is None
        assert 1 == proc.state.children[0].spec.shutdown
        assert 7 == proc.state.intensity
        c = await supervisor.restart_child(sup, "c")
        assert c is not None and process.is_alive(c)

    run(main)


class RawChild:
    """A raw (non-gen_server) child: it never answers system messages, unless told to."""

    @staticmethod
    async def start_link(answer: bool = False) -> Pid:
        return process.spawn_link(RawChild.loop, answer)

    @staticmethod
    async def loop(answer: bool) -> Any:
        msg = await process.receive()
        if answer and getattr(msg, "request", None) == ("get_modules",):
            gen_server.reply(msg, ["raw_mod"])
        return process.then(RawChild.loop, answer)


class TestWalk:
    """supervisor.walk: the rows the release handler reads, "dynamic" children asked."""

    def test_dynamic_children_are_asked(self) -> None:
        """Worker and supervisor children declared "dynamic" are listed with their answer."""

        async def main(node: Node) -> None:
            inner = ChildSpec(
                id="inner",
                start=(supervisor, "start_link", (Sup, ({}, [spec("leaf", modules="dynamic")]))),
                type="supervisor",
                modules="dynamic",
            )
            raw = ChildSpec(id="raw", start=(RawChild, "start_link", (True,)), modules="dynamic")
            kids = [spec("w", modules="dynamic"), inner, raw, spec("s", modules=("m1", "m2"))]
            top = await supervisor.start_link(Sup, ({}, kids))
            assert top is not None
            rows = await supervisor.walk(node, top)
            by_id = {row[1]: row for row in rows}
            assert (None, None, top, ("Sup",)) == rows[0]
            assert ("Worker",) == by_id["w"][3]
            assert ("Sup",) == by_id["inner"][3]  # a supervisor answers its user module
            assert ("Worker",) == by_id["leaf"][3] and by_id["inner"][2] is by_id["leaf"][0]
            assert ("raw_mod",) == by_id["raw"][3]  # a raw loop that chose to answer
            assert ("m1", "m2") == by_id["s"][3]
            assert [None, "w", "inner", "leaf", "raw", "s"] == [row[1] for row in rows]

        run(main)

    def test_no_answer_in_time_is_get_modules_failed_naming_the_pid(self) -> None:
        """A dynamic child that does not answer fails the walk after one timeout."""

        async def main(node: Node) -> None:
            silent = [
                ChildSpec(id=n, start=(RawChild, "start_link", ()), modules="dynamic")
                for n in ("quiet1", "quiet2")
            ]
            top = await supervisor.start_link(Sup, ({}, [spec("a"), *silent]))
            assert top is not None
            first = (await pids(top))["quiet1"]
            started = node.loop.time()
            with pytest.raises(GetModulesFailed) as info:
                await supervisor.walk(node, top, timeout=0.05)
            assert first is info.value.pid
            assert ("quiet1", "get_modules_failed") == (info.value.child_id, info.value.reason)
            assert repr(first) in str(info.value)
            assert node.loop.time() - started < 1.0  # one timeout, not one per process

        run(main)

    def test_children_gone_or_not_running_are_handled(self) -> None:
        """A child without a pid is skipped; one that is gone when asked has no modules."""

        async def main(node: Node) -> None:
            kids = [spec("a", modules="dynamic"), spec("b", restart="temporary")]
            top = await supervisor.start_link(Sup, ({}, kids))
            assert top is not None
            await supervisor.terminate_child(top, "a")
            assert [None, "b"] == [row[1] for row in await supervisor.walk(node, top)]
            gone = (await pids(top))["b"]
            await supervisor.terminate_child(top, "b")
            assert () == await supervisor.get_modules(gone)

        run(main)

    def test_a_suspended_supervisor_refuses_the_walk(self) -> None:
        async def main(node: Node) -> None:
            top = await supervisor.start_link(Sup, ({}, [spec("a")]))
            assert top is not None
            await sys_ops.suspend(top)
            with pytest.raises(SuspendedSupervisor):
                await supervisor.walk(node, top)

        run(main)


class TestStartFunctionFailures:
    @pytest.mark.parametrize(
        "exc",
        [SystemExit(1), KeyboardInterrupt(), asyncio.CancelledError(), Exit("quit")],
        ids=lambda e: type(e).__name__,
    )
    def test_anything_raised_by_a_start_function_is_a_failed_start(
        self, exc: BaseException
    ) -> None:
        """As under OTP's catch: start_child fails with the reason, the supervisor lives on."""

        class Bad:
            @staticmethod
            def start_link() -> Pid:
                raise exc

        async def main(node: Node) -> None:
            sup = await supervisor.start_link(Sup, ({}, [spec("a")]))
            assert sup is not None
            with pytest.raises(SupervisorError) as info:
                await supervisor.start_child(
                    sup, ChildSpec(id="bad", start=(Bad, "start_link", ()))
                )
            assert (exc.reason if isinstance(exc, Exit) else exc) == info.value.reason
            assert process.is_alive(sup)
            assert ["a"] == list(await pids(sup))

        run(main)


class Flaky:
    """A child whose next ``failures`` starts fail."""

    failures = 0

    @staticmethod
    async def start_link(name: str) -> Pid | None:
        if Flaky.failures:
            Flaky.failures -= 1
            raise RuntimeError("not yet")
        return await gen_server.start_link(Worker, (name, False))


class TestFailedRestarts:
    def test_a_failed_restart_is_retried_and_each_attempt_counts(self) -> None:
        """A restart that fails is tried again (child "restarting" meanwhile), as in OTP."""

        async def main(node: Node) -> None:
            Flaky.failures = 0
            flaky = ChildSpec(id="f", start=(Flaky, "start_link", ("f",)))
            sup = await supervisor.start_link(Sup, ({"intensity": 3, "period": 5}, [flaky]))
            assert sup is not None
            old = (await pids(sup))["f"]
            Flaky.failures = 2
            await crash(old)
            await run_until_idle(node)
            new = (await pids(sup))["f"]
            assert isinstance(new, Pid) and new is not old and process.is_alive(new)
            assert 0 == Flaky.failures
            assert 3 == len(node.process(sup).state.restarts)  # the crash and two retries

        run(main)

    def test_failing_retries_exhaust_the_intensity(self) -> None:
        """Retries count as restarts: too many of them stop the supervisor (shutdown)."""

        async def main(node: Node) -> None:
            Flaky.failures = 0
            flaky = ChildSpec(id="f", start=(Flaky, "start_link", ("f",)))
            sup = await supervisor.start(Sup, ({"intensity": 2, "period": 5}, [flaky]))
            assert sup is not None
            ref = process.monitor(sup)
            Flaky.failures = 10
            await crash((await pids(sup))["f"])
            assert ("DOWN", ref, "process", sup, "shutdown") == await process.receive(timeout=2)
            assert 8 == Flaky.failures  # two attempts fit the intensity; the third is one too many

        run(main)
