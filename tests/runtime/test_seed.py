"""The chapter's hot code loading examples, in Python form, on a real node.

Each module version is a source file in tmp_path loaded through the code server;
application code does ``import counter`` and gets the module's stable handle.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from relup.runtime import OldProcesses, Pid, gen_server, process, sys_ops
from relup.runtime.node import Node
from relup.testing import run, run_until_idle

Write = Callable[[str, str], Path]

COUNTER = """
    import counter                      # the stable handle: counter.loop is the current version
    from relup.runtime import process

    __vsn__ = "{vsn}"

    def start():
        return process.spawn_mfa("counter", "loop", (0,))

    async def loop(n):
        match await process.receive():
            case "increment":
                return process.then(loop, n + 1)           # local call: stays on this version
            case ("get", sender):
                process.send(sender, {reply})
                return process.then(counter.loop, n)       # fully qualified: moves to current
"""


def counter_v(write: Write, vsn: str, reply: str) -> Path:
    return write(f"counter_{vsn}.py", COUNTER.format(vsn=vsn, reply=reply))


@pytest.fixture
def counter_versions(write: Write) -> tuple[Path, Path, Path]:
    return (
        counter_v(write, "1", '("count", n)'),
        counter_v(write, "2", '("count", n, "v2")'),
        counter_v(write, "3", '("count", n, "v3")'),
    )


def running(node: Node, pid: Pid) -> tuple[tuple[str, Any, str], ...]:
    info = node.info(pid)
    assert info is not None
    return info.running


class TestCounter:
    def test_stays_on_v1_through_increments_and_moves_at_first_get(
        self, counter_versions: tuple[Path, Path, Path]
    ) -> None:
        """(a) After v2 loads, increments (local calls) stay on v1; a get moves to v2."""
        v1, v2, _ = counter_versions

        async def main(node: Node) -> None:
            node.code.load("counter", v1)
            import counter  # type: ignore[import-not-found]

            pid = counter.start()
            for _ in range(3):
                process.send(pid, "increment")
            await run_until_idle(node)
            assert (("counter", "1", "current"),) == running(node, pid)

            node.code.load("counter", v2)
            assert node.code.check_process_code(pid, "counter")
            for _ in range(2000):  # many local calls: no stack growth, no version change
                process.send(pid, "increment")
            await run_until_idle(node)
            assert (("counter", "1", "old"),) == running(node, pid)

            process.send(pid, ("get", process.self()))
            assert ("count", 2003) == await process.receive(timeout=2)  # v1 answered it
            await run_until_idle(node)
            assert (("counter", "2", "current"),) == running(node, pid)
            assert not node.code.check_process_code(pid, "counter")

            process.send(pid, "increment")
            process.send(pid, ("get", process.self()))
            assert ("count", 2004, "v2") == await process.receive(timeout=2)

        run(main)

    def test_spawn_after_load_starts_on_current(
        self, counter_versions: tuple[Path, Path, Path]
    ) -> None:
        """spawn(M, F, A) resolves F through the handle at spawn time."""
        v1, v2, _ = counter_versions

        async def main(node: Node) -> None:
            node.code.load("counter", v1)
            node.code.load("counter", v2)
            import counter

            pid = counter.start()
            process.send(pid, ("get", process.self()))
            assert ("count", 0, "v2") == await process.receive(timeout=2)

        run(main)


GREETER = """
    import greeter
    from relup.runtime import process

    def start():
        process.register("greeter", process.spawn_mfa("greeter", "loop"))
        return True

    async def loop():
        match await process.receive():
            case ("greet", name, reply_to):
                process.send(reply_to, {text})
                return process.then(greeter.loop)          # fully qualified for hot reloading
"""


def test_registered_greeter_answers_with_new_greeting(write: Write) -> None:
    """(b) After a reload the same pid and name answer with the new greeting.

    As in Erlang, the greeting that arrives first after the reload is handled by the
    v1 code the process was parked in; its qualified call then enters v2. (The
    chapter's transcript skips that one message.)
    """
    v1 = write("greeter_1.py", GREETER.format(text='f"Hello, {name}!"'))
    v2 = write("greeter_2.py", GREETER.format(text='f"Howdy, {name}! Welcome to Erlang!"'))

    async def main(node: Node) -> None:
        node.code.load("greeter", v1)
        import greeter  # type: ignore[import-not-found]

        assert greeter.start() is True
        pid = process.whereis("greeter")
        me = process.self()
        process.send("greeter", ("greet", "Alice", me))
        assert "Hello, Alice!" == await process.receive(timeout=2)

        node.code.load("greeter", v2)
        process.send("greeter", ("greet", "Alice", me))
        assert "Hello, Alice!" == await process.receive(timeout=2)
        process.send("greeter", ("greet", "Alice", me))
        assert "Howdy, Alice! Welcome to Erlang!" == await process.receive(timeout=2)
        assert pid == process.whereis("greeter")
        await run_until_idle(node)
        assert pid is not None
        assert [("greeter", "current")] == [(m, w) for m, _, w in running(node, pid)]

    run(main)


MY_SERVER_V1 = """
    from relup.runtime import gen_server

    __vsn__ = "1.0.0"

    async def start_link(name):
        return await gen_server.start_link("my_server", name, name="my_server")

    def init(name):
        return ("ok", {"name": name, "count": 0})

    def handle_call(request, from_, state):
        match request:
            case ("add", k):
                state = {**state, "count": state["count"] + k}
                return ("reply", state["count"], state)
            case "vsn":
                return ("reply", __vsn__, state)

    def handle_cast(msg, state):
        return ("noreply", state)
"""

MY_SERVER_V2 = """
    from relup.runtime import gen_server

    __vsn__ = "2.0.0"

    def init(name):
        return ("ok", {"name": name, "count": 0, "history": []})

    def handle_call(request, from_, state):
        match request:
            case ("add", k):
                state = {**state, "count": state["count"] + k, "history": [*state["history"], k]}
                return ("reply", state["count"], state)
            case "vsn":
                return ("reply", __vsn__, state)

    def handle_cast(msg, state):
        return ("noreply", state)

    def code_change(old_vsn, state, extra):
        # Example: adding a field to state
        match state:
            case {"name": name, "count": count}:
                new = {"name": name, "count": count, "history": []}
                return ("ok", {**new, "from": (old_vsn, extra)})
        {failure}
"""


class TestGenServerCodeChange:
    def test_v2_code_change_adds_history(self, write: Write) -> None:
        """(c) code_change of v2 adds ``history``; calls queued while suspended run on v2."""
        v1 = write("my_server_1.py", MY_SERVER_V1)
        v2 = write("my_server_2.py", MY_SERVER_V2.replace("{failure}", ""))

        async def main(node: Node) -> None:
            node.code.load("my_server", v1)
            import my_server  # type: ignore[import-not-found]

            pid = await my_server.start_link("alice")
            assert 2 == await gen_server.call("my_server", ("add", 2))

            await sys_ops.suspend(pid)
            me = process.self()

            async def client() -> None:
                process.send(me, await gen_server.call("my_server", ("add", 3)))

            process.spawn(client)
            await run_until_idle(node)
            assert 1 == (node.info(pid) or pytest.fail()).message_queue_len  # queued, unhandled

            node.code.load("my_server", v2)
            await sys_ops.change_code(pid, "my_server", "1.0.0", "up_extra")
            await sys_ops.resume(pid)
            assert 5 == await process.receive(timeout=2)
            state = await sys_ops.get_state(pid)
            assert {
                "name": "alice",
                "count": 5,
                "history": [3],
                "from": ("1.0.0", "up_extra"),
            } == state
            assert "2.0.0" == await gen_server.call(pid, "vsn")

        run(main)

    def test_failed_code_change_keeps_old_state(self, write: Write) -> None:
        """A code_change that raises leaves the state as it was and reports the error."""
        v1 = write("my_server_1.py", MY_SERVER_V1)
        v2 = write(
            "my_server_2.py",
            MY_SERVER_V2.replace("{failure}", 'raise ValueError("cannot migrate")'),
        )

        async def main(node: Node) -> None:
            node.code.load("my_server", v1)
            import my_server

            pid = await my_server.start_link("bob")
            await gen_server.call(pid, ("add", 1))
            await sys_ops.replace_state(pid, lambda s: {"count": s["count"]})  # no clause matches
            node.code.load("my_server", v2)
            await sys_ops.suspend(pid)
            with pytest.raises(sys_ops.CodeChangeError) as info:
                await sys_ops.change_code(pid, "my_server", "1.0.0", None)
            assert isinstance(info.value.reason, ValueError)
            assert {"count": 1} == await sys_ops.get_state(pid)
            await sys_ops.resume(pid)
            assert process.is_alive(pid)

        run(main)

    def test_change_code_needs_suspension(self, write: Write) -> None:
        """change_code is refused unless the process is suspended (spec §5.3)."""
        v1 = write("my_server_1.py", MY_SERVER_V1)

        async def main(node: Node) -> None:
            node.code.load("my_server", v1)
            import my_server

            pid = await my_server.start_link("carol")
            with pytest.raises(sys_ops.CodeChangeError) as info:
                await sys_ops.change_code(pid, "my_server", "1.0.0", None)
            assert "not_suspended" == info.value.reason

        run(main)


class TestThirdVersion:
    def test_loading_v3_kills_v1_processes_and_no_other(
        self, counter_versions: tuple[Path, Path, Path]
    ) -> None:
        """(d) v3 purges v1: its process dies (killed), the v2 one and others live."""
        v1, v2, v3 = counter_versions

        async def main(node: Node) -> None:
            node.code.load("counter", v1)
            import counter

            lingering, moved = counter.start(), counter.start()
            bystander = process.spawn(_wait_forever)
            node.code.load("counter", v2)
            process.send(moved, ("get", process.self()))
            assert ("count", 0) == await process.receive(timeout=2)
            await run_until_idle(node)
            refs = {process.monitor(p): p for p in (lingering, moved, bystander)}

            killed = node.code.make_current(node.code.prepare("counter", v3))
            assert [lingering] == killed
            down = await process.receive(lambda m: m[0] == "DOWN", timeout=2)
            assert ("DOWN", lingering, "killed") == (down[0], refs[down[1]], down[4])
            assert not process.is_alive(lingering)
            assert process.is_alive(moved)
            assert process.is_alive(bystander)
            await run_until_idle(node)
            assert 0 == (node.info(process.self()) or pytest.fail()).message_queue_len
            assert (("counter", "2", "old"),) == running(node, moved)

        run(main)


async def _wait_forever() -> None:
    await process.receive(lambda m: False)


def test_soft_purge_refuses_while_a_process_lingers(
    counter_versions: tuple[Path, Path, Path],
) -> None:
    """(e) soft_purge names the process still on old code; after it moves, it succeeds."""
    v1, v2, _ = counter_versions

    async def main(node: Node) -> None:
        node.code.load("counter", v1)
        import counter

        pid = counter.start()
        node.code.load("counter", v2)
        with pytest.raises(OldProcesses) as info:
            node.code.soft_purge("counter")
        assert [pid] == info.value.pids
        assert node.code.check_old_code("counter")

        process.send(pid, ("get", process.self()))
        await process.receive(timeout=2)
        await run_until_idle(node)
        node.code.soft_purge("counter")
        assert not node.code.check_old_code("counter")
        assert process.is_alive(pid)

    run(main)


A_SERVER = """
    import b

    def init(_):
        return ("ok", None)

    def handle_call(request, from_, state):
        return ("reply", {body}, state)

    def handle_cast(msg, state):
        return ("noreply", state)
"""
B_LIB = """
    def name():
        return "b1"
    {more}
"""


class TestLoadOrder:
    @pytest.fixture
    def versions(self, write: Write) -> dict[str, Path]:
        return {
            "a1": write("a_1.py", A_SERVER.format(body='"a1+" + b.name()')),
            "a2": write("a_2.py", A_SERVER.format(body='"a2+" + b.label()')),
            "b1": write("b_1.py", B_LIB.format(more="")),
            "b2": write("b_2.py", B_LIB.format(more="def label():\n        return 'b2'")),
        }

    def test_b_before_a_works(self, versions: dict[str, Path]) -> None:
        """(f) B (which A v2 needs) loaded first: A v2's first call succeeds."""

        async def main(node: Node) -> None:
            node.code.load("b", versions["b1"])
            node.code.load("a", versions["a1"])
            pid = await gen_server.start("a")
            assert "a1+b1" == await gen_server.call(pid, "go")
            node.code.load("b", versions["b2"])
            node.code.load("a", versions["a2"])
            assert "a2+b2" == await gen_server.call(pid, "go")

        run(main)

    def test_a_before_b_crashes_the_server(self, versions: dict[str, Path]) -> None:
        """(f) A v2 loaded before B v2: the server calls a function B does not have yet."""

        async def main(node: Node) -> None:
            node.code.load("b", versions["b1"])
            node.code.load("a", versions["a1"])
            pid = await gen_server.start("a")
            node.code.load("a", versions["a2"])
            with pytest.raises(gen_server.CallError) as info:
                await gen_server.call(pid, "go")
            assert isinstance(info.value.reason, AttributeError)
            assert not process.is_alive(pid)

        run(main)


WORKER = """
    from relup.runtime import process

    __vsn__ = "{vsn}"

    def init(_):
        return ("ok", {{"hits": 0}})

    def handle_call(request, from_, state):
        state = {{"hits": state["hits"] + 1}}
        return ("reply", (__vsn__, state["hits"]), state)

    def handle_cast(msg, state):
        return ("noreply", state)

    async def park():
        msg = await process.receive()          # parked in this version's frame
        return msg
"""


def test_idle_gen_server_survives_two_loads_raw_process_does_not(write: Write) -> None:
    """(g) A gen_server idle in receive survives v2 and v3; a raw process parked in v1 dies."""
    paths = [write(f"worker_{v}.py", WORKER.format(vsn=v)) for v in ("1", "2", "3")]

    async def main(node: Node) -> None:
        node.code.load("worker", paths[0])
        import worker  # type: ignore[import-not-found]

        server = await gen_server.start("worker")
        assert server is not None
        raw = process.spawn(worker.park)
        ref = process.monitor(raw)
        assert ("1", 1) == await gen_server.call(server, "hit")
        await run_until_idle(node)
        assert () == running(node, server)

        node.code.load("worker", paths[1])
        assert (("worker", "1", "old"),) == running(node, raw)
        assert ("2", 2) == await gen_server.call(server, "hit")

        node.code.load("worker", paths[2])
        assert ("DOWN", ref, "process", raw, "killed") == await process.receive(timeout=2)
        assert ("3", 3) == await gen_server.call(server, "hit")
        assert process.is_alive(server)

    run(main)
