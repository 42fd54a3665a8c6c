"""The operator commands against real node processes, while TCP clients keep talking.

Each test creates a release root from the sample packages (``relup init``), starts
its node as an OS process (``relup node start``) and drives it with the ``relup``
commands, run in-process through typer's runner; the node itself answers over its
real control socket. Clients are threads on 127.0.0.1 (tests/e2e/kv.py). Every
test stops its node; the ``node_root`` fixture kills any node left behind and fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from relup.cli import app, exit_codes
from tests.e2e.kv import Talker, ask_once, wait_until_all_see

pytestmark = pytest.mark.slow

#: TCP clients talking through the whole upgrade path.
CLIENTS = 4
#: The protocol version each kvstore release puts at the start of its replies.
PROTOCOL = {"1.0.0": "1", "2.0.0": "2", "3.0.0": "3"}


def relup(*args: str, expect: int = exit_codes.OK) -> str:
    """``relup ARGS...`` in-process; fails unless it exits with ``expect``; its stdout."""
    result = CliRunner().invoke(app, list(args))
    assert expect == result.exit_code, (
        f"relup {' '.join(args)}: exit {result.exit_code}\n{result.stdout}{result.stderr}"
    )
    return result.stdout if expect == exit_codes.OK else result.stderr


def relup_json(*args: str) -> Any:
    """``relup ARGS... --json``, parsed."""
    return json.loads(relup(*args, "--json"))


@contextmanager
def running_node(root: Path, package: Path) -> Iterator[str]:
    """A root created from ``package`` with its node started; stopped on the way out."""
    relup("init", str(root), str(package))
    relup("node", "start", "--root", str(root), "--wait", "30")
    try:
        yield str(root)
    finally:
        relup("node", "stop", "--root", str(root))


def statuses(root: str) -> tuple[str | None, dict[str, str]]:
    """The running release and the status of each release, from ``relup releases --json``."""
    answer = relup_json("releases", "--root", root)
    return answer["running"], {r["vsn"]: r["status"] for r in answer["releases"]}


def processes(root: str) -> list[dict[str, Any]]:
    return list(relup_json("ps", "--root", root)["processes"])


def check_code(root: str, vsn: str, connections: set[str]) -> None:
    """``relup ps``: the store and every connection run release ``vsn``'s code, nothing old.

    A process also lists the modules it is executing at that moment (a connection
    inside a call to the store's API runs ``kv_store`` code): those must be current.
    """
    procs = processes(root)
    store = next(p for p in procs if p["name"] == "kv_store")
    assert {"module": "kv_store", "vsn": vsn, "which": "current"} in store["versions"]
    conns = {p["pid"]: p for p in procs if p["module"] == "kv_conn"}
    assert connections == set(conns), "the connection processes must be the same ones"
    for p in conns.values():
        assert {"module": "kv_conn", "vsn": vsn, "which": "current"} in p["versions"]
    assert [] == [p["pid"] for p in procs if any(v["which"] == "old" for v in p["versions"])]
    assert (vsn == "3.0.0") == any(p["name"] == "kv_stats" for p in procs)


class TestUpgradePath:
    def test_up_twice_and_down_twice_while_clients_talk(
        self, node_root: Path, kv_packages: dict[str, Path]
    ) -> None:
        """1.0.0 → 2.0.0 → 3.0.0 → 2.0.0 → 1.0.0 with clients on their connections: none drops,
        every request is answered, each sees the version go 1→2→3→2→1, ps and releases agree."""
        with running_node(node_root, kv_packages["1.0.0"]) as root:
            port = int(relup("call", "kv_listener", "port", "--root", root))
            talkers = [Talker(port, f"c{i}") for i in range(CLIENTS)]
            for t in talkers:
                t.start()
            try:
                wait_until_all_see(talkers, "1")
                conns = {p["pid"] for p in processes(root) if p["module"] == "kv_conn"}
                assert CLIENTS == len(conns)
                check_code(root, "1.0.0", conns)

                for vsn in ("2.0.0", "3.0.0"):
                    out = relup("unpack", str(kv_packages[vsn]), "--root", root)
                    assert f"unpacked release {vsn}" in out
                assert (
                    "1.0.0",
                    {"3.0.0": "unpacked", "2.0.0": "unpacked", "1.0.0": "permanent"},
                ) == statuses(root)

                out = relup("install", "2.0.0", "--root", root, "--timeout", "30")
                assert "installed 2.0.0: upgraded from 1.0.0" in out
                assert f"{CLIENTS + 1} upgraded by code_change" in out  # connections + store
                wait_until_all_see(talkers, "2")
                check_code(root, "2.0.0", conns)
                assert (
                    "2.0.0",
                    {"3.0.0": "unpacked", "2.0.0": "current", "1.0.0": "permanent"},
                ) == statuses(root)

                result = relup_json("install", "3.0.0", "--root", root, "--timeout", "30")
                assert ("3.0.0", "2.0.0", "up") == (
                    result["vsn"],
                    result["previous"],
                    result["direction"],
                )
                assert [] == result["killed"]
                wait_until_all_see(talkers, "3")
                check_code(root, "3.0.0", conns)
                assert (
                    "3.0.0",
                    {"3.0.0": "current", "2.0.0": "old", "1.0.0": "permanent"},
                ) == statuses(root)

                err = relup("downgrade", "3.0.0", "--root", root, expect=exit_codes.FAILED)
                assert "release 3.0.0 is the one running" in err

                plan = relup_json("downgrade", "2.0.0", "--dry-run", "--root", root)
                assert ("down", "3.0.0") == (plan["direction"], plan["previous"])
                suspended = {s["pid"] for s in plan["suspend"]}
                assert conns <= suspended
                check_code(root, "3.0.0", conns)  # a dry run changes nothing

                out = relup("downgrade", "2.0.0", "--root", root, "--timeout", "30")
                assert "installed 2.0.0: downgraded from 3.0.0" in out
                wait_until_all_see(talkers, "2")
                check_code(root, "2.0.0", conns)

                err = relup("downgrade", "3.0.0", "--root", root, expect=exit_codes.FAILED)
                assert "relup downgrade only goes down, and the node would go up" in err

                out = relup("downgrade", "1.0.0", "--root", root, "--timeout", "30")
                assert "installed 1.0.0: downgraded from 2.0.0" in out
                wait_until_all_see(talkers, "1")
                check_code(root, "1.0.0", conns)
                assert (
                    "1.0.0",
                    {"3.0.0": "old", "2.0.0": "old", "1.0.0": "permanent"},
                ) == statuses(root)
            finally:
                for t in talkers:
                    t.stop()
            for t in talkers:
                assert [] == t.errors, t.name
                assert not t.is_alive()
                assert t.sent == t.answered
                assert ["1", "2", "3", "2", "1"] == t.versions
                assert 30 < t.answered  # the clients talked all along


class TestRestart:
    def test_a_restart_boots_the_permanent_release(
        self, node_root: Path, kv_packages: dict[str, Path]
    ) -> None:
        """An install not made permanent is undone by a restart; a permanent one is kept."""
        root = str(node_root)
        with running_node(node_root, kv_packages["1.0.0"]):
            relup("unpack", str(kv_packages["2.0.0"]), "--root", root)
            relup("install", "2.0.0", "--root", root, "--timeout", "30")
            port = int(relup("call", "kv_listener", "port", "--root", root))
            assert "2 PONG" == ask_once(port, "PING")

            relup("node", "stop", "--root", root)
            relup("node", "start", "--root", root, "--wait", "30")
            assert ("1.0.0", {"2.0.0": "unpacked", "1.0.0": "permanent"}) == statuses(root)
            port = int(relup("call", "kv_listener", "port", "--root", root))
            assert "1 PONG" == ask_once(port, "PING")

            out = relup("install", "2.0.0", "--permanent", "--root", root, "--timeout", "30")
            assert "permanent yes: a restart of the node boots 2.0.0" in " ".join(out.split())
            relup("node", "stop", "--root", root)
            relup("node", "start", "--root", root, "--wait", "30")
            assert ("2.0.0", {"2.0.0": "permanent", "1.0.0": "old"}) == statuses(root)
            port = int(relup("call", "kv_listener", "port", "--root", root))
            assert "2 PONG" == ask_once(port, "PING")

            err = relup("remove", "2.0.0", "--root", root, expect=exit_codes.FAILED)
            assert "error: release 2.0.0 is the one running" in err
            relup("remove", "1.0.0", "--root", root)
            assert ("2.0.0", {"2.0.0": "permanent"}) == statuses(root)
            assert not (node_root / "releases" / "1.0.0").exists()


class TestProcesses:
    def test_call_cast_and_hand_loaded_code(
        self, node_root: Path, kv_packages: dict[str, Path], tmp_path: Path
    ) -> None:
        """call and cast round trips; a module loaded by hand is marked, blocks an install
        until loaded back, and a purge leaves the service working."""
        root = str(node_root)
        with running_node(node_root, kv_packages["1.0.0"]):
            relup("unpack", str(kv_packages["2.0.0"]), "--root", root)
            assert "ok\n" == relup("call", "kv_store", '{put, "k", "v"}', "--root", root)
            assert "v\n" == relup("call", "kv_store", '{get, "k"}', "--root", root)
            assert {"reply": "undefined"} == relup_json(
                "call", "kv_store", "{get, nokey}", "--root", root
            )
            err = relup("call", "nobody", "ping", "--root", root, expect=exit_codes.FAILED)
            assert "noproc" in err

            # a debugging version of the store that understands a cast
            release_file = node_root / "lib" / "kv-1.0.0" / "kv_store.py"
            debug = tmp_path / "kv_store.py"
            debug.write_text(
                release_file.read_text().replace('__vsn__ = "1.0.0"', '__vsn__ = "1.0.0-debug"')
                + "\n\ndef handle_cast(msg, data):\n    match msg:\n"
                + '        case ("put", key, value):\n            data[key] = value\n'
                + '    return ("noreply", data)\n'
            )
            loaded = relup_json("load", "kv_store", "--file", str(debug), "--root", root)
            assert ("1.0.0-debug", str(debug)) == (loaded["vsn"], loaded["path"])
            store = next(p for p in processes(root) if p["name"] == "kv_store")
            assert True is store["hand_loaded"]
            assert {"kv_store": str(debug)} == relup_json("releases", "--root", root)["hand_loaded"]

            assert "cast to kv_store" in relup(
                "cast", "kv_store", '{put, "c", "cast"}', "--root", root
            )
            assert "cast\n" == relup("call", "kv_store", '{get, "c"}', "--root", root)

            err = relup("install", "2.0.0", "--root", root, expect=exit_codes.FAILED)
            assert "modules loaded by hand are running: kv_store" in err
            assert "pass --force" in err

            relup("load", "kv_store", "--file", str(release_file), "--root", root)
            store = next(p for p in processes(root) if p["name"] == "kv_store")
            assert False is store["hand_loaded"]
            assert {} == relup_json("releases", "--root", root)["hand_loaded"]
            soft = relup_json("purge", "kv_store", "--soft", "--root", root)
            assert {"purged": True, "killed": []} == soft  # the debug version, now unused
            again = relup_json("purge", "kv_store", "--root", root)
            assert {"purged": False, "killed": []} == again  # nothing old is left
            assert "cast\n" == relup("call", "kv_store", '{get, "c"}', "--root", root)

    def test_purge_of_a_raw_loop_on_old_code(
        self, node_root: Path, counter_packages: dict[str, Path]
    ) -> None:
        """A raw loop left on old code by a load: a soft purge refuses naming it, a purge kills it
        and its supervisor restarts it on the current code."""
        root = str(node_root)
        with running_node(node_root, counter_packages["1.0.0"]):
            before = next(p for p in processes(root) if p["name"] == "counter")
            relup("load", "counter", "--root", root)  # the release's own file: not hand-loaded
            after = next(p for p in processes(root) if p["name"] == "counter")
            assert before["pid"] == after["pid"]
            assert ["old"] == [v["which"] for v in after["versions"] if v["module"] == "counter"]
            assert False is after["hand_loaded"]
            out = relup("ps", "--root", root)
            assert "1 on old code" in out

            err = relup("purge", "counter", "--soft", "--root", root, expect=exit_codes.FAILED)
            assert before["pid"] in err
            assert "relup purge MODULE without --soft kills them" in " ".join(err.split())

            purged = relup_json("purge", "counter", "--root", root)
            assert {"purged": True, "killed": [before["pid"]]} == purged
            restarted = next(p for p in processes(root) if p["name"] == "counter")
            assert before["pid"] != restarted["pid"]
            assert ["current"] == [v["which"] for v in restarted["versions"]]
