"""gen_server: calls, casts, infos, deferred replies, timeouts, errors, stop."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from relup.runtime import (
    CallError,
    CallTimeout,
    CodeChangeError,
    Node,
    NoProc,
    StartError,
    gen_server,
    process,
    supervisor,
    sys_ops,
)
from relup.runtime._calls import call_process
from relup.runtime._process import SystemCall
from relup.testing import run, run_until_idle

LOG: list[Any] = []


class Srv:
    """Callbacks covering every return form; sync and async ones mixed."""

    @staticmethod
    def init(arg: Any) -> Any:
        match arg:
            case "stop":
                return ("stop", "no_way")
            case "ignore":
                return "ignore"
            case "crash":
                raise SystemExit(1)
            case ("timeout", t):
                return ("ok", {"pending": None}, t)
        return ("ok", {"pending": None})

    @staticmethod
    async def handle_call(request: Any, from_: Any, state: Any) -> Any:
        match request:
            case "defer":
                return ("noreply", {**state, "pending": from_})
            case "release":
                gen_server.reply(state["pending"], "released")
                return ("reply", "ok", state)
            case "hang":
                return ("noreply", state)
            case "stop":
                return ("stop", "normal", "stopping", state)
            case "crash":
                raise KeyError("crash")
            case "bad":
                return "nonsense"
            case ("timeout", t):
                return ("reply", "ok", state, t)
        return ("reply", request, state)

    @staticmethod
    def handle_cast(msg: Any, state: Any) -> Any:
        LOG.append(("cast", msg))
        if msg == "stop":
            return ("stop", "shutdown", state)
        return ("noreply", state)

    @staticmethod
    def handle_info(msg: Any, state: Any) -> Any:
        LOG.append(("info", msg))
        return ("noreply", state)

    @staticmethod
    def terminate(reason: Any, state: Any) -> None:
        LOG.append(("terminate", reason))
        if state.get("fail_terminate"):
            raise RuntimeError("terminate failed")


async def pause(seconds: float) -> None:
    """Wait in receive (at a message boundary), not in asyncio.sleep."""
    with pytest.raises(TimeoutError):
        await process.receive(lambda m: False, timeout=seconds)


@pytest.fixture(autouse=True)
def _clear() -> None:
    LOG.clear()


class TestStart:
    @pytest.mark.parametrize(("arg", "reason"), [("stop", "no_way")])
    def test_init_stop(self, arg: str, reason: str) -> None:
        async def main(node: Node) -> None:
            with pytest.raises(StartError) as info:
                await gen_server.start_link(Srv, arg)
            assert reason == info.value.reason
            assert process.is_alive(process.self())  # start_link unlinked before the exit

        run(main)

    def test_init_exceptions_and_ignore(self) -> None:
        async def main(node: Node) -> None:
            with pytest.raises(StartError) as info:
                await gen_server.start_link(Srv, "crash")
            assert isinstance(info.value.reason, SystemExit)
            assert None is await gen_server.start(Srv, "ignore")
            await run_until_idle(node)
            assert [process.self()] == node.processes()

        run(main)

    def test_name_registration(self) -> None:
        async def main(node: Node) -> None:
            pid = await gen_server.start(Srv, name="srv")
            assert pid is process.whereis("srv")
            assert "hi" == await gen_server.call("srv", "hi")
            with pytest.raises(StartError) as info:
                await gen_server.start(Srv, name="srv")
            assert ("already_started", pid) == info.value.reason

        run(main)

    def test_async_init(self) -> None:
        class Slow(Srv):
            @staticmethod
            async def init(arg: Any) -> Any:
                with pytest.raises(TimeoutError):
                    await process.receive(timeout=0.001)  # init runs in the new process
                return ("ok", {"me": process.self()})

        async def main(node: Node) -> None:
            pid = await gen_server.start(Slow)
            assert pid is not None
            assert {"me": pid} == await sys_ops.get_state(pid)

        run(main)


class TestCall:
    def test_deferred_reply(self) -> None:
        async def main(node: Node) -> None:
            pid = await gen_server.start(Srv)
            assert pid is not None
            me = process.self()

            async def client() -> None:
                process.send(me, await gen_server.call(pid, "defer"))

            process.spawn(client)
            await run_until_idle(node)
            assert "ok" == await gen_server.call(pid, "release")
            assert "released" == await process.receive(timeout=1)

        run(main)

    def test_errors_noproc_timeout_crash(self) -> None:
        async def main(node: Node) -> None:
            with pytest.raises(CallError) as info:
                await gen_server.call("nobody", "x")
            assert "noproc" == info.value.reason
            pid = await gen_server.start(Srv)
            assert pid is not None
            with pytest.raises(CallTimeout):
                await gen_server.call(pid, "hang", timeout=0.02)
            assert "later" == await gen_server.call(pid, "later", timeout=5)  # timer re-armed
            with pytest.raises(CallError) as info:
                await gen_server.call(pid, "crash")
            assert isinstance(info.value.reason, KeyError)
            assert ("terminate", info.value.reason) in LOG
            with pytest.raises(CallError) as info:
                await gen_server.call(pid, "x")
            assert "noproc" == info.value.reason

        run(main)

    def test_pending_callers_learn_of_the_death(self) -> None:
        """Every caller waiting on a server gets its exit reason, not a hang."""

        async def main(node: Node) -> None:
            pid = await gen_server.start(Srv)
            assert pid is not None
            me = process.self()

            async def client() -> None:
                try:
                    await gen_server.call(pid, "hang", timeout=None)
                except CallError as e:
                    process.send(me, e.reason)

            for _ in range(3):
                process.spawn(client)
            await run_until_idle(node)
            process.send_exit(pid, "kill")
            assert ["killed"] * 3 == [await process.receive(timeout=1) for _ in range(3)]

        run(main)

    def test_bad_return_value_crashes_the_server(self) -> None:
        async def main(node: Node) -> None:
            pid = await gen_server.start(Srv)
            assert pid is not None
            with pytest.raises(CallError):
                await gen_server.call(pid, "bad")
            assert not process.is_alive(pid)

        run(main)

    def test_stop_reply(self) -> None:
        async def main(node: Node) -> None:
            pid = await gen_server.start(Srv)
            assert pid is not None
            ref = process.monitor(pid)
            assert "stopping" == await gen_server.call(pid, "stop")
            assert ("DOWN", ref, "process", pid, "normal") == await process.receive(timeout=1)
            assert [("terminate", "normal")] == LOG

        run(main)


class TestCastInfoTimeout:
    def test_cast_info_and_stop(self) -> None:
        async def main(node: Node) -> None:
            pid = await gen_server.start(Srv)
            assert pid is not None
            ref = process.monitor(pid)
            gen_server.cast(pid, "c1")
            process.send(pid, "i1")
            gen_server.cast(pid, "stop")
            assert "shutdown" == (await process.receive(timeout=1))[4]
            assert [
                ("cast", "c1"),
                ("info", "i1"),
                ("cast", "stop"),
                ("terminate", "shutdown"),
            ] == LOG
            gen_server.cast(pid, "ignored")  # a cast to a dead server is not an error
            assert ref is not None

        run(main)

    def test_timeouts_from_init_and_callbacks(self) -> None:
        """A returned timeout delivers "timeout" to handle_info unless a message comes first."""

        async def main(node: Node) -> None:
            pid = await gen_server.start(Srv, ("timeout", 0.01))
            assert pid is not None
            await pause(0.05)
            assert [("info", "timeout")] == LOG
            await gen_server.call(pid, ("timeout", 0.03))
            gen_server.cast(pid, "first")  # arrives before the timeout: cancels it
            await pause(0.06)
            assert [("info", "timeout"), ("cast", "first")] == LOG

        run(main)

    def test_terminate_failure_becomes_the_reason(self) -> None:
        async def main(node: Node) -> None:
            pid = await gen_server.start(Srv)
            assert pid is not None
            await sys_ops.replace_state(pid, lambda s: {**s, "fail_terminate": True})
            ref = process.monitor(pid)
            gen_server.cast(pid, "stop")
            down = await process.receive(timeout=1)
            assert ref is down[1] and isinstance(down[4], RuntimeError)

        run(main)


#: What a callback may raise that is not an Exception; each must end only its server.
BASE_EXCEPTIONS = [SystemExit(2), KeyboardInterrupt(), asyncio.CancelledError(), GeneratorExit()]


def fragile(where: str, exc: BaseException) -> type:
    """A callback module that raises ``exc`` in the callback named by ``where``."""

    def hit(name: str) -> None:
        if where == name:
            raise exc

    class Fragile:
        @staticmethod
        def init(arg: Any) -> Any:
            hit("init")
            return ("ok", {})

        @staticmethod
        async def handle_call(request: Any, from_: Any, state: Any) -> Any:
            await asyncio.sleep(0)
            hit("async handle_call")
            return ("reply", "ok", state)

        @staticmethod
        def handle_cast(msg: Any, state: Any) -> Any:
            hit("handle_cast")
            return ("stop", "normal", state) if msg == "stop" else ("noreply", state)

        @staticmethod
        def handle_info(msg: Any, state: Any) -> Any:
            hit("handle_info")
            return ("noreply", state)

        @staticmethod
        def terminate(reason: Any, state: Any) -> None:
            LOG.append(("terminate", reason))
            hit("terminate")

    return Fragile


class TestNoServerTakesTheNodeDown:
    @pytest.mark.parametrize("exc", BASE_EXCEPTIONS, ids=lambda e: type(e).__name__)
    @pytest.mark.parametrize("where", ["async handle_call", "handle_cast", "handle_info"])
    def test_base_exception_in_a_callback_ends_only_that_server(
        self, where: str, exc: BaseException
    ) -> None:
        """The server runs terminate and exits with the exception; a bystander lives on."""

        async def main(node: Node) -> None:
            pid = await gen_server.start(fragile(where, exc))
            bystander = await gen_server.start(Srv)
            assert pid is not None and bystander is not None
            ref = process.monitor(pid)
            if where == "async handle_call":
                with pytest.raises(CallError) as info:
                    await gen_server.call(pid, "go")
                assert exc is info.value.reason
            elif where == "handle_cast":
                gen_server.cast(pid, "go")
            else:
                process.send(pid, "go")
            assert ("DOWN", ref, "process", pid, exc) == await process.receive(timeout=1)
            assert [("terminate", exc)] == LOG
            assert "still here" == await gen_server.call(bystander, "still here")

        run(main)

    @pytest.mark.parametrize("exc", BASE_EXCEPTIONS, ids=lambda e: type(e).__name__)
    def test_base_exception_in_init_is_a_failed_start(self, exc: BaseException) -> None:
        """start raises StartError with the exception; no process is left behind."""

        async def main(node: Node) -> None:
            with pytest.raises(StartError) as info:
                await gen_server.start_link(fragile("init", exc))
            assert exc is info.value.reason
            await run_until_idle(node)
            assert [process.self()] == node.processes()

        run(main)

    @pytest.mark.parametrize("exc", BASE_EXCEPTIONS, ids=lambda e: type(e).__name__)
    def test_base_exception_in_terminate_becomes_the_reason(self, exc: BaseException) -> None:
        """terminate raising anything replaces the exit reason; the node runs on."""

        async def main(node: Node) -> None:
            pid = await gen_server.start(fragile("terminate", exc))
            assert pid is not None
            ref = process.monitor(pid)
            gen_server.cast(pid, "stop")
            assert ("DOWN", ref, "process", pid, exc) == await process.receive(timeout=1)

        run(main)

    def test_killed_server_that_swallows_the_cancel_runs_no_more_callbacks(self) -> None:
        """Dead is dead: queued messages are not handled and terminate does not run."""

        class Swallower(Srv):
            @staticmethod
            async def handle_call(request: Any, from_: Any, state: Any) -> Any:
                try:
                    await process.receive(lambda m: m == "never")
                except asyncio.CancelledError:
                    LOG.append("swallowed")
                return ("reply", "late", state)

        async def main(node: Node) -> None:
            pid = await gen_server.start(Swallower)
            assert pid is not None
            task = node.process(pid).task
            me = process.self()

            async def client() -> None:
                try:
                    await gen_server.call(pid, "wait")
                except CallError as e:
                    process.send(me, ("client", e.reason))

            process.spawn(client)
            await run_until_idle(node)
            gen_server.cast(pid, "queued")  # waits behind the callback in progress
            process.send(pid, "info")
            ref = process.monitor(pid)
            process.send_exit(pid, "kill")
            assert ("DOWN", ref, "process", pid, "killed") == await process.receive(timeout=1)
            assert ("client", "killed") == await process.receive(timeout=1)
            await run_until_idle(node)
            assert ["swallowed"] == LOG  # no ("cast", "queued"), no ("info", ...), no terminate
            assert task is not None and task.done()

        run(main)

    def test_killed_async_init_that_swallows_the_cancel_does_not_serve(self) -> None:
        """A server killed inside its async init never starts serving, whatever init returns."""

        class SlowInit(Srv):
            @staticmethod
            async def init(arg: Any) -> Any:
                try:
                    await process.receive(lambda m: m == "never")
                except asyncio.CancelledError:
                    LOG.append("swallowed")
                return ("ok", {"pending": None})

        async def main(node: Node) -> None:
            me = process.self()

            async def starter() -> None:
                try:
                    await gen_server.start(SlowInit, name="slow")
                except StartError as e:
                    process.send(me, ("start", e.reason))

            process.spawn(starter)
            for _ in range(100):  # until init waits in its receive (the starter is not idle)
                await asyncio.sleep(0)
                proc = node.lookup("slow")
                if proc is not None and proc.status == "waiting":
                    break
            slow = process.whereis("slow")
            assert slow is not None
            process.send_exit(slow, "kill")
            assert ("start", "killed") == await process.receive(timeout=1)
            await run_until_idle(node)
            assert ["swallowed"] == LOG
            assert [process.self()] == node.processes()

        run(main)

    def test_killed_terminate_that_swallows_the_cancel_ends(self) -> None:
        """A terminate stuck and then killed ends the process with "killed"."""

        class Stuck(Srv):
            @staticmethod
            async def terminate(reason: Any, state: Any) -> None:
                try:
                    await process.receive(lambda m: m == "never")
                except asyncio.CancelledError:
                    LOG.append("swallowed")

        async def main(node: Node) -> None:
            pid = await gen_server.start(Stuck)
            assert pid is not None
            task = node.process(pid).task
            ref = process.monitor(pid)
            gen_server.cast(pid, "stop")
            await run_until_idle(node)
            process.send_exit(pid, "kill")
            assert ("DOWN", ref, "process", pid, "killed") == await process.receive(timeout=1)
            await run_until_idle(node)
            assert [("cast", "stop"), "swallowed"] == LOG
            assert task is not None and task.done()

        run(main)


class TestSystemCallbacksDoNotEndTheServer:
    """code_change, replace_state's function and get_modules fail the request, not the server."""

    @pytest.mark.parametrize("exc", [*BASE_EXCEPTIONS, ValueError("no")], ids=repr)
    def test_code_change_raising_anything_keeps_state_and_server(self, exc: BaseException) -> None:
        class Changer(Srv):
            @staticmethod
            def code_change(old_vsn: Any, state: Any, extra: Any) -> Any:
                raise exc

        async def main(node: Node) -> None:
            pid = await gen_server.start(Changer)
            assert pid is not None
            await sys_ops.suspend(pid)
            with pytest.raises(CodeChangeError) as info:
                await sys_ops.change_code(pid, "Changer", "1")
            assert exc is info.value.reason
            proc = node.process(pid)
            await run_until_idle(node)
            change = sys_ops.prepare_code_change(proc, "1")  # the direct form
            assert (False, exc) == (change.ok, change.result)
            saved: list[tuple[Any, Any]] = []  # the release handler's batch of the direct form
            assert (0, proc, exc) == sys_ops.change_states([proc], "1", None, saved)
            assert [] == saved
            await sys_ops.resume(pid)
            assert {"pending": None} == await sys_ops.get_state(pid)

        run(main)

    def test_code_change_bad_return_is_reported_the_same_both_ways(self) -> None:
        """A return that is neither ("ok", s) nor ("error", r) is ("bad_return_value", r)."""

        class Odd(Srv):
            @staticmethod
            def code_change(old_vsn: Any, state: Any, extra: Any) -> Any:
                return ("okay", state)

        async def main(node: Node) -> None:
            pid = await gen_server.start(Odd)
            assert pid is not None
            await sys_ops.suspend(pid)
            with pytest.raises(CodeChangeError) as info:
                await sys_ops.change_code(pid, "Odd", "1")
            bad = ("bad_return_value", ("okay", {"pending": None}))
            assert bad == info.value.reason
            await run_until_idle(node)
            proc = node.process(pid)
            assert bad == sys_ops.prepare_code_change(proc, "1").result
            assert (0, proc, bad) == sys_ops.change_states([proc], "1", None, [])

        run(main)

    def test_replace_state_function_raising_anything_keeps_the_server(self) -> None:
        async def main(node: Node) -> None:
            pid = await gen_server.start(Srv)
            assert pid is not None
            exc = KeyboardInterrupt()

            def boom(state: Any) -> Any:
                raise exc

            with pytest.raises(CallError) as info:
                await sys_ops.replace_state(pid, boom)
            assert exc is info.value.reason
            assert {"pending": None} == await sys_ops.get_state(pid)

        run(main)


class TestGetModules:
    def test_default_answer_is_the_callback_module(self) -> None:
        """A gen_server without get_modules answers with the name of its callback module."""

        async def main(node: Node) -> None:
            pid = await gen_server.start(Srv)
            assert pid is not None
            assert ("Srv",) == await supervisor.get_modules(pid)

        run(main)

    def test_get_modules_callback_reads_the_state_even_when_suspended(self) -> None:
        """The optional callback answers from the current state; suspension does not stop it."""

        class Host(Srv):
            @staticmethod
            def init(arg: Any) -> Any:
                return ("ok", {"plugins": ["plug_a"]})

            @staticmethod
            def handle_cast(msg: Any, state: Any) -> Any:
                return ("noreply", {"plugins": [*state["plugins"], msg]})

            @staticmethod
            def get_modules(state: Any) -> Any:
                return [*state["plugins"], gen_server]  # a module object counts by its name

        async def main(node: Node) -> None:
            pid = await gen_server.start(Host)
            assert pid is not None
            gen_server.cast(pid, "plug_b")
            names = ("plug_a", "plug_b", "relup.runtime.gen_server")
            assert names == await supervisor.get_modules(pid)
            await sys_ops.suspend(pid)
            gen_server.cast(pid, "plug_c")  # queued: the suspended server does not take it
            assert names == await supervisor.get_modules(pid, timeout=1)

        run(main)

    def test_failing_get_modules_gives_no_modules_and_keeps_the_server(self) -> None:
        """A crash in get_modules is OTP's 'other exit': no modules, the server lives on."""

        class Broken(Srv):
            @staticmethod
            def get_modules(state: Any) -> Any:
                raise SystemExit(1)

        async def main(node: Node) -> None:
            pid = await gen_server.start(Broken)
            assert pid is not None
            assert () == await supervisor.get_modules(pid)
            assert process.is_alive(pid)

        run(main)


class TestStopAndSystemMessages:
    def test_stop_runs_terminate_and_ends_with_the_reason(self) -> None:
        """gen_server.stop: terminate(reason), the exit reason is the given one, then "ok"."""

        async def main(node: Node) -> None:
            pid = await gen_server.start(Srv)
            assert pid is not None
            ref = process.monitor(pid)
            await gen_server.stop(pid, ("shutdown", "bye"))
            assert [("terminate", ("shutdown", "bye"))] == LOG
            expected = ("DOWN", ref, "process", pid, ("shutdown", "bye"))
            assert expected == await process.receive(timeout=1)
            with pytest.raises(NoProc):
                await gen_server.stop(pid)

        run(main)

    def test_unknown_system_message_is_refused_and_the_server_runs_on(self) -> None:
        async def main(node: Node) -> None:
            pid = await gen_server.start(Srv)
            assert pid is not None
            with pytest.raises(CallError) as info:
                await call_process(node.process(pid), SystemCall, ("frobnicate",), pid, 1)
            assert "unknown_system_msg" == info.value.reason
            assert "alive" == await gen_server.call(pid, "alive")

        run(main)

    def test_async_code_change_needs_the_message_form(self) -> None:
        """sys.change_code awaits an async code_change; the direct form refuses it."""

        class AsyncChange(Srv):
            @staticmethod
            async def code_change(old_vsn: Any, state: Any, extra: Any) -> Any:
                await asyncio.sleep(0)
                return ("ok", {**state, "from": old_vsn})

        async def main(node: Node) -> None:
            pid = await gen_server.start(AsyncChange)
            assert pid is not None
            await sys_ops.suspend(pid)
            await run_until_idle(node)
            proc = node.process(pid)
            change = sys_ops.prepare_code_change(proc, "1")
            assert not change.ok and "async" in change.result
            assert (0, proc, change.result) == sys_ops.change_states([proc], "1", None, [])
            await sys_ops.change_code(pid, "AsyncChange", "1")
            assert {"pending": None, "from": "1"} == await sys_ops.get_state(pid)

        run(main)


@pytest.mark.parametrize("exc", BASE_EXCEPTIONS, ids=lambda e: type(e).__name__)
def test_base_exception_in_async_init_is_a_failed_start(exc: BaseException) -> None:
    """An async init raising anything fails the start; the caller and node live on."""

    class AsyncFragile(Srv):
        @staticmethod
        async def init(arg: Any) -> Any:
            await asyncio.sleep(0)
            raise exc

    async def main(node: Node) -> None:
        with pytest.raises(StartError) as info:
            await gen_server.start_link(AsyncFragile)
        assert exc is info.value.reason
        await run_until_idle(node)
        assert [process.self()] == node.processes()

    run(main)


def test_stop_reports_a_failing_terminate() -> None:
    """If terminate fails during stop, the caller gets that failure as the reason."""

    async def main(node: Node) -> None:
        pid = await gen_server.start(Srv)
        assert pid is not None
        await sys_ops.replace_state(pid, lambda s: {**s, "fail_terminate": True})
        with pytest.raises(CallError) as info:
            await gen_server.stop(pid)
        assert isinstance(info.value.reason, RuntimeError)
        assert not process.is_alive(pid)

    run(main)
