"""gen_server: calls, casts, infos, deferred replies, timeouts, errors, stop."""

from __future__ import annotations

from typing import Any

import pytest

from relup.runtime import (
    CallError,
    CallTimeout,
    Node,
    StartError,
    gen_server,
    process,
    sys_ops,
)
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
