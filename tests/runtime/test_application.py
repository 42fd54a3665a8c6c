"""Applications: dependency order, stop order, environment, and the supervision walk."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from relup.runtime import (
    ApplicationError,
    AppSpec,
    ChildSpec,
    GetModulesFailed,
    Node,
    Pid,
    SuspendedSupervisor,
    process,
    supervised_processes,
    supervisor,
    sys_ops,
)
from relup.testing import run, run_until_idle
from tests.runtime.test_supervisor import Worker

EVENTS: list[str] = []


class TopSup:
    @staticmethod
    def init(app: str) -> Any:
        inner = ChildSpec(
            id="inner",
            start=(supervisor, "start_link", (InnerSup, app)),
            type="supervisor",
            modules=("inner_sup",),
        )
        worker = ChildSpec(id="w", start=(Worker, "start_link", (f"{app}-w",)), modules=("w_mod",))
        dyn = ChildSpec(id="d", start=(Worker, "start_link", ("d",)), modules="dynamic")
        return ({"strategy": "one_for_one"}, [worker, inner, dyn])


class InnerSup:
    @staticmethod
    def init(app: str) -> Any:
        return ({}, [ChildSpec(id="leaf", start=(Worker, "start_link", (f"{app}-leaf",)))])


class App:
    """Application callback module: start returns the top supervisor."""

    @staticmethod
    async def start(start_type: str, app: str) -> Any:
        EVENTS.append(f"start {app}")
        return ("ok", await supervisor.start_link(TopSup, app), f"state-{app}")

    @staticmethod
    def stop(state: str) -> None:
        EVENTS.append(f"stop {state}")


def spec(name: str, deps: tuple[str, ...] = ()) -> AppSpec:
    return AppSpec(
        name=name,
        vsn="1.0",
        description=name.upper(),
        applications=deps,
        mod=(App, name),
        env={"port": 80},
    )


@pytest.fixture(autouse=True)
def _clear() -> None:
    EVENTS.clear()


def test_start_in_dependency_order_stop_in_reverse() -> None:
    async def main(node: Node) -> None:
        for s in (spec("web", ("db", "log")), spec("db", ("log",)), spec("log")):
            node.apps.load(s)
        with pytest.raises(ApplicationError) as info:
            await node.apps.start("web")
        assert ("not_started", "db") == info.value.reason
        assert ["log", "db", "web"] == await node.apps.ensure_all_started("web")
        assert ["start log", "start db", "start web"] == EVENTS
        assert [("web", "WEB", "1.0"), ("db", "DB", "1.0"), ("log", "LOG", "1.0")] == (
            node.apps.which_applications()
        )
        with pytest.raises(ApplicationError):
            await node.apps.stop("db")  # web still needs it
        await node.apps.stop_all()
        assert ["stop state-web", "stop state-db", "stop state-log"] == EVENTS[3:]
        assert [] == node.apps.which_applications()
        await run_until_idle(node)
        assert [process.self()] == node.processes()

    run(main)


def test_environment() -> None:
    async def main(node: Node) -> None:
        node.apps.load(spec("log"))
        assert 80 == node.apps.get_env("log", "port")
        node.apps.set_env("log", "port", 81)
        assert {"port": 81} == node.apps.get_all_env("log")
        assert None is node.apps.get_env("log", "missing")

    run(main)


def test_top_supervisor_death_stops_the_application() -> None:
    async def main(node: Node) -> None:
        node.apps.load(spec("log"))
        await node.apps.start("log")
        sup = node.apps.top_supervisor("log")
        assert sup is not None
        process.send_exit(sup, "kill")
        await run_until_idle(node)
        assert [] == node.apps.which_applications()

    run(main)


def test_supervised_processes_walks_every_tree() -> None:
    """(sup, child_id, pid, modules) for each running application's tree, spec §5.2."""

    async def main(node: Node) -> None:
        node.apps.load(spec("log"))
        await node.apps.start("log")
        top = node.apps.top_supervisor("log")
        assert top is not None
        rows = await supervised_processes(node)
        inner = next(r[2] for r in rows if r[1] == "inner")
        shape = [
            (r[0] if r[0] is None else ("top" if r[0] is top else "inner"), r[1], r[3])
            for r in rows
        ]
        assert [
            (None, None, ("TopSup",)),
            ("top", "w", ("w_mod",)),
            ("top", "inner", ("inner_sup",)),
            ("inner", "leaf", ("Worker",)),
            ("top", "d", ("Worker",)),  # "dynamic": the gen_server was asked
        ] == shape
        assert all(isinstance(r[2], Pid) and process.is_alive(r[2]) for r in rows)
        await sys_ops.suspend(inner)
        with pytest.raises(SuspendedSupervisor):
            await supervised_processes(node)

    run(main)


@pytest.mark.parametrize(
    "exc",
    [SystemExit(1), KeyboardInterrupt(), asyncio.CancelledError(), ValueError("no")],
    ids=lambda e: type(e).__name__,
)
def test_a_start_callback_raising_anything_fails_the_start(exc: BaseException) -> None:
    """start raises ApplicationError with the exception (it never waits forever)."""

    class Crashing:
        @staticmethod
        async def start(start_type: str, args: Any) -> Any:
            raise exc

    async def main(node: Node) -> None:
        node.apps.load(AppSpec(name="crashing", mod=(Crashing, None)))
        with pytest.raises(ApplicationError) as info:
            await asyncio.wait_for(node.apps.start("crashing"), 2)
        assert exc is info.value.reason
        assert [] == node.apps.which_applications()
        await run_until_idle(node)
        assert [process.self()] == node.processes()

    run(main)


def test_a_dynamic_child_that_does_not_answer_fails_the_walk() -> None:
    """supervised_processes raises GetModulesFailed naming the silent pid (spec §5.2)."""

    class Silent:
        @staticmethod
        async def start_link() -> Pid:
            return process.spawn_link(process.receive, lambda m: False)

    class SilentSup:
        @staticmethod
        def init(_: Any) -> Any:
            return ({}, [ChildSpec(id="s", start=(Silent, "start_link", ()), modules="dynamic")])

    class SilentApp:
        @staticmethod
        async def start(start_type: str, args: Any) -> Any:
            return ("ok", await supervisor.start_link(SilentSup))

    async def main(node: Node) -> None:
        node.apps.load(AppSpec(name="silent", mod=(SilentApp, None)))
        await node.apps.start("silent")
        top = node.apps.top_supervisor("silent")
        assert top is not None
        silent = (await supervisor.which_children(top))[0][1]
        with pytest.raises(GetModulesFailed) as info:
            await supervised_processes(node, timeout=0.02)
        assert silent is info.value.pid

    run(main)
