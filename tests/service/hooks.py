"""Boot hooks for the tests' node processes (loaded with ``--boot tests.service.hooks:NAME``).

``with_apps`` starts two applications, ``alpha`` then ``beta``; each application's
start and stop is appended to ``<root>/events`` so that tests can check the order.
It also returns extra control ops: ``reexec``, ``boom`` (raises), ``sleep``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from relup import service
from relup.control import Handler
from relup.runtime import AppSpec, ChildSpec, Node, gen_server, supervisor


def _event(root: Path, text: str) -> None:
    with open(root / "events", "a", encoding="utf-8") as f:
        f.write(text + "\n")


class Idle:
    """A gen_server that does nothing, so that the node has processes to count."""

    @staticmethod
    def init(args: Any) -> Any:
        return ("ok", args)

    @staticmethod
    async def start_link(name: str) -> Any:
        return await gen_server.start_link(Idle, None, name=name)


class TopSup:
    @staticmethod
    def init(app: str) -> Any:
        return ({}, [ChildSpec(id="w", start=(Idle, "start_link", (f"{app}_worker",)))])


class App:
    """Application callback module: logs its start and stop to the events file."""

    @staticmethod
    async def start(start_type: str, args: tuple[str, str]) -> Any:
        root, name = args
        _event(Path(root), f"start {name}")
        return ("ok", await supervisor.start_link(TopSup, name), args)

    @staticmethod
    def stop(state: tuple[str, str]) -> None:
        root, name = state
        _event(Path(root), f"stop {name}")


async def with_apps(node: Node, root: Path) -> dict[str, Handler]:
    """Start alpha, then beta (which depends on alpha); return the tests' extra ops."""
    node.apps.load(AppSpec(name="alpha", vsn="1.0", mod=(App, (str(root), "alpha"))))
    node.apps.load(
        AppSpec(name="beta", vsn="2.0", applications=("alpha",), mod=(App, (str(root), "beta")))
    )
    await node.apps.ensure_all_started("beta")

    async def reexec(args: dict[str, Any]) -> dict[str, Any]:
        service.reexec()
        return {"reexec": True}

    async def boom(args: dict[str, Any]) -> None:
        raise ValueError(f"boom: {args.get('why', 'no reason')}")

    async def sleep(args: dict[str, Any]) -> str:
        await asyncio.sleep(float(args["seconds"]))
        return "slept"

    return {"reexec": reexec, "boom": boom, "sleep": sleep}


def fails(node: Node, root: Path) -> None:
    """A boot hook that fails, as a release that cannot start would."""
    raise RuntimeError("cannot boot: the database is unreachable")


async def hangs(node: Node, root: Path) -> None:
    """A boot hook that never finishes, as a release stuck connecting somewhere would."""
    await asyncio.sleep(3600)
