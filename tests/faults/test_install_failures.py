"""Installs that fail on a real node roll back in place: nothing changed, no call lost.

Each test runs a real node (``relup.service.start``) on a kvrel root and drives it
over its control socket only: ``unpack``, ``install``, ``releases``, ``ps``, and the
``call`` op to read every server's code version and state before and after.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from relup.control import Client, RemoteError
from relup.spec.toml_release import AppManifest
from tests.conftest import REPO
from tests.faults.live import Kv, Live, appup, server_id, vsn_of
from tests.release.kvapp import BROKEN

pytestmark = pytest.mark.slow

#: Servers in the code_change test, and the one whose code_change raises.
N = 50
BOOM = 37


class Background:
    """Runs ``fn`` in a thread; ``result()`` joins it (bounded) and returns or re-raises."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._out: list[Any] = []
        self._err: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self._out.append(fn())
        except BaseException as e:
            self._err.append(e)

    def result(self, timeout: float = 15.0) -> Any:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the background request did not finish"
        if self._err:
            raise self._err[0]
        return self._out[0]


def _wait_for(client: Client, pid: str, status: str, queue: int = 0) -> None:
    """Wait (5 s at most) until ``ps`` shows ``pid`` with ``status`` and ``queue`` queued."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        ps = client.request("ps")["processes"]
        if (status, queue) == next((p["status"], p["queue"]) for p in ps if p["pid"] == pid):
            return
    pytest.fail(f"{pid} never reached status {status} with {queue} queued")


@contextmanager
def _connected(live: Live, n: int) -> Iterator[list[Client]]:
    """``n`` clients of the node, each connected and authenticated (no handshake later)."""
    with ExitStack() as stack:
        clients = [stack.enter_context(live.client()) for _ in range(n)]
        for client in clients:
            client.ping()
        yield clients


def test_code_change_raising_in_one_of_n_rolls_back(live: Live, tmp_path: Path) -> None:
    """code_change raises in 1 of 50 servers: refused naming step and pid; old code and state."""
    kv = Kv.build(tmp_path, ("1", "2", "3"), servers=N)
    kv.set_appup("2", appup("2", {"1": f"[boom, {BOOM}]"}), bases=("1",))
    kv.set_appup("3", appup("3", {"1": "[to3]", "2": "[to3]"}), bases=("1", "2"))
    kv.init(live.root)
    live.start()
    pids = live.servers()
    assert N == len(pids)
    with live.client() as client:
        for i, pid in enumerate(pids):  # distinct states: server i got i % 4 casts
            for _ in range(i % 4):
                client.request("cast", {"dest": pid, "message": "inc"})
        assert {"vsn": "2"} == client.request("unpack", {"package": str(kv.package("2"))})
    before = live.replies(pids)
    boom = next(pid for pid, reply in before.items() if server_id(reply) == BOOM)
    plan = live.request("install", {"vsn": "2", "dry_run": True})["instructions"]
    step = 1 + next(i for i, text in enumerate(plan) if text.startswith("{code_change,"))

    with pytest.raises(RemoteError) as info:
        live.request("install", {"vsn": "2"})

    assert "InstallError" == info.value.remote_kind  # rolled back, whatever the cause
    message = info.value.remote_message
    assert f"step {step} ({plan[step - 1]})" in message
    assert f"code_change of {boom} for kv_srv failed: ValueError: boom in {BOOM}" in message
    assert before == live.replies(pids)  # every server: old code, old state
    assert {"1"} == {vsn_of(r) for r in before.values()}
    assert ({"2": "unpacked", "1": "permanent"}, "1") == live.releases()
    # a later good install (3, up from 1) migrates every state
    live.request("unpack", {"package": str(kv.package("3"))})
    assert "3" == live.request("install", {"vsn": "3"})["vsn"]
    after = live.replies(pids)
    assert {
        pid: reply.replace("{'1',", "{'3',").replace("}}", ",history => [{up,'1',[to3]}]}}")
        for pid, reply in before.items()
    } == after
    live.stop()


def test_process_missing_its_suspend_timeout_rolls_back(live: Live, tmp_path: Path) -> None:
    """An awaiting callback past suspend_timeout fails the install naming it; no call is lost.

    The server is inside kvapp's ``slow`` request (``await asyncio.sleep(0.5)``), so it
    reaches no message boundary within the 0.1 s ``suspend_timeout``. A callback that
    blocks *synchronously* (``time.sleep``, a blocking socket read) cannot be waited
    for at all: the node is one event loop, so it freezes the whole node — every
    process, the control channel and the install — until the callback returns.
    """
    kv = Kv.build(tmp_path)
    kv.init(live.root)
    live.start()
    live.request("unpack", {"package": str(kv.package("2"))})
    pids = live.servers()
    busy = pids[0]
    before = live.replies(pids)

    def call(client: Client, request: str) -> Any:
        return client.request("call", {"dest": busy, "request": request, "timeout": 5})

    # connected beforehand: from the slow request to the install takes a few round trips
    with _connected(live, 3) as (control, first, second):
        slow = Background(lambda: call(first, "slow"))
        _wait_for(control, busy, "running")
        queued = Background(lambda: call(second, "get"))  # waits behind the slow request
        _wait_for(control, busy, "running", queue=1)
        control.request("cast", {"dest": busy, "message": "inc"})  # queued behind the get
        with pytest.raises(RemoteError) as info:
            control.request("install", {"vsn": "2", "suspend_timeout": 0.1})
        slept, got = slow.result(), queued.result()

    assert "InstallError" == info.value.remote_kind
    assert re.match(
        rf"step 3 \(\{{suspend,\[kv_srv\]\}}\): {re.escape(busy)} did not reach a message "
        r"boundary within 0\.1 s",
        info.value.remote_message,
    ), info.value.remote_message
    assert {"reply": "slept"} == slept
    assert {"reply": before[busy]} == got  # old code, old state
    after = live.replies(pids)
    assert {**before, busy: before[busy].replace("n => 0", "n => 1")} == after  # the cast too
    assert ({"2": "unpacked", "1": "permanent"}, "1") == live.releases()
    assert "2" == live.request("install", {"vsn": "2"})["vsn"]  # nothing left suspended
    live.stop()


def test_docs_say_a_blocking_callback_freezes_the_node() -> None:
    """docs/differences-from-otp.md says a synchronously blocking callback freezes the node."""
    text = (REPO / "docs" / "differences-from-otp.md").read_text(encoding="utf-8")
    paragraphs = re.split(r"\n\s*\n", text)
    assert any(
        re.search(r"block", p, re.I) and re.search(r"freez|whole node", p, re.I) for p in paragraphs
    )


def _broken_version(kv: Kv) -> None:
    kv.set_module("2", "kv_srv", BROKEN)


def _broken_new_module(kv: Kv) -> None:
    kv.set_module("2", "kv_extra", BROKEN)
    app_toml = kv.tree / "lib" / "kv-2" / "app.toml"
    manifest = AppManifest.read(app_toml)
    modules = tuple(sorted((*manifest.modules, "kv_extra")))
    app_toml.write_text(replace(manifest, modules=modules).dumps(), encoding="utf-8")
    kv.set_appup(
        "2",
        '{"2", [{"1", [{add_module, kv_extra}, {update, kv_srv, {advanced, [to2]}}]}],'
        ' [{"1", [{delete_module, kv_extra}, {update, kv_srv, {advanced, []}}]}]}.\n',
        bases=("1",),
    )


@pytest.mark.parametrize(
    ("change", "module"),
    [(_broken_version, "kv_srv"), (_broken_new_module, "kv_extra")],
    ids=["new-version-of-kv_srv", "added-module-kv_extra"],
)
def test_module_failing_to_import_is_refused_before_the_point_of_no_return(
    live: Live, tmp_path: Path, change: Callable[[Kv], None], module: str
) -> None:
    """A new module that raises on import: check and install refuse it before PONR; no change."""
    kv = Kv.build(tmp_path)
    change(kv)
    kv.init(live.root)
    live.start()
    live.request("unpack", {"package": str(kv.package("2"))})
    pids = live.servers()
    before = live.replies(pids)
    plan = live.request("install", {"vsn": "2", "dry_run": True})["instructions"]
    ponr = 1 + plan.index("point_of_no_return")
    load = 1 + next(i for i, t in enumerate(plan) if module in t and "load_object_code" in t)
    assert load < ponr

    for op in ("check", "install"):
        with pytest.raises(RemoteError) as info:
            live.request(op, {"vsn": "2"})
        assert "InstallError" == info.value.remote_kind
        assert info.value.remote_message.startswith(
            f"step {load} ({plan[load - 1]}): module {module} does not load: "
        ), info.value.remote_message
        assert "this version does not import" in info.value.remote_message

    assert before == live.replies(pids)
    assert {"1"} == {vsn_of(r) for r in before.values()}
    assert ({"2": "unpacked", "1": "permanent"}, "1") == live.releases()
    ps = live.request("ps")["processes"]
    assert [] == [p for p in ps if any(v["module"] == module and v["vsn"] != "1"
                                       for v in p["versions"])]  # fmt: skip
    live.stop()


def test_two_installs_at_once_one_is_refused(live: Live, tmp_path: Path) -> None:
    """A second install while one runs is refused naming the one in progress, which succeeds."""
    kv = Kv.build(tmp_path, ("1", "2", "3"))
    kv.init(live.root)
    live.start()
    for vsn in ("2", "3"):
        live.request("unpack", {"package": str(kv.package(vsn))})
    pids = live.servers()
    busy = pids[0]

    with _connected(live, 3) as (control, first, second):
        slow = Background(
            lambda: first.request("call", {"dest": busy, "request": "slow", "timeout": 5})
        )
        _wait_for(control, busy, "running")
        # the first install waits (up to 5 s) for the busy server's boundary: in progress
        install = Background(lambda: second.request("install", {"vsn": "2", "suspend_timeout": 5}))
        deadline = time.monotonic() + 5
        while control.request("releases")["installing"] is None and time.monotonic() < deadline:
            pass
        assert "2" == control.request("releases")["installing"]
        with pytest.raises(RemoteError) as info:
            control.request("install", {"vsn": "3"})
        slept, report = slow.result(), install.result()

    assert "InstallInProgress" == info.value.remote_kind
    assert info.value.remote_message.startswith("an install of release 2 is in progress")
    assert {"reply": "slept"} == slept
    assert ("2", "1", len(pids)) == (report["vsn"], report["previous"], report["upgraded"])
    assert {"2"} == {vsn_of(r) for r in live.replies(pids).values()}
    assert ({"3": "unpacked", "2": "current", "1": "permanent"}, "2") == live.releases()
    live.stop()
