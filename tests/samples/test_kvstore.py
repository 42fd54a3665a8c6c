"""sample_releases/kvstore: a TCP key-value service, live-upgraded while clients talk to it.

Clients are plain asyncio streams on 127.0.0.1, one connection each, never
reconnecting; every wait on the network is bounded (:data:`REPLY_TIMEOUT`).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from relup.runtime import Node, Pid, gen_server, process, supervisor, sys_ops
from relup.terms import equal
from relup.testing import run, run_until_idle
from tests.samples.harness import (
    Installer,
    SampleTree,
    appup_modules,
    boot,
    committed_relup,
    generate,
)

TREE = SampleTree.named("kvstore")
#: The protocol version that each release's replies start with.
PROTOCOL = {"1.0.0": "1", "2.0.0": "2", "3.0.0": "3"}
REPLY_TIMEOUT = 5.0
CLIENTS = 4


class Client:
    """One TCP connection: lines out, lines back."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int) -> Client:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    @property
    def address(self) -> str:
        """host:port of this end, as the server sees the client."""
        host, port = self.writer.get_extra_info("sockname")[:2]
        return f"{host}:{port}"

    async def ask(self, line: str) -> str:
        self.writer.write(line.encode() + b"\n")
        return await self.reply()

    async def reply(self) -> str:
        line = await asyncio.wait_for(self.reader.readline(), REPLY_TIMEOUT)
        assert line.endswith(b"\n"), "the server closed the connection"
        return line.decode().removesuffix("\n")

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


class Talker:
    """A client that keeps asking until told to stop: it sets keys of its own and reads
    each one back, so that every reply can be checked, and notes each reply's version."""

    def __init__(self, client: Client, name: str) -> None:
        self.client = client
        self.name = name
        self.versions: list[str] = []
        self.wrong: list[tuple[str, str]] = []

    async def run(self, stop: asyncio.Event) -> None:
        for n in itertools.count():
            if stop.is_set():
                return
            key, value = f"{self.name}-{n % 3}", f"value {n}"
            await self.ask(f"SET {key} {value}", "OK")
            await self.ask(f"GET {key}", f"VALUE {value}")

    async def ask(self, request: str, expected: str) -> None:
        reply = await self.client.ask(request)
        version, _, rest = reply.partition(" ")
        self.versions.append(version)
        if expected != rest:
            self.wrong.append((request, reply))

    def seen(self) -> list[str]:
        """The versions of the replies in order, repeats left out."""
        return [v for i, v in enumerate(self.versions) if i == 0 or self.versions[i - 1] != v]


@dataclass
class Conversation:
    """What the talkers saw while releases were installed under them."""

    talkers: list[Talker]
    connections_before: set[Pid]
    connections_after: set[Pid]

    def check(self, versions: list[str]) -> None:
        """Every reply was right, every talker saw ``versions`` in that order, and each
        kept its connection process."""
        assert [] == [wrong for t in self.talkers for wrong in t.wrong]
        assert [versions] * CLIENTS == [t.seen() for t in self.talkers]
        assert CLIENTS == len(self.connections_before)
        assert self.connections_before == self.connections_after


async def until(condition: Callable[[], bool], what: str) -> None:
    """Let the loop run until ``condition`` holds, for at most REPLY_TIMEOUT."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + REPLY_TIMEOUT
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.001)


async def connections() -> set[Pid]:
    """The connection processes that kv_conn_sup supervises."""
    return {pid for _, pid, _, _ in await supervisor.which_children("kv_conn_sup")}


async def listening_port() -> int:
    port: int = await gen_server.call("kv_listener", "port")
    return port


async def talk_through(node: Node, start: str, steps: list[str]) -> Conversation:
    """Boot ``start``, then install each release of ``steps`` in turn while CLIENTS talkers
    keep asking. Each install waits for some traffic first; the next one waits until every
    talker got a reply from the release just installed."""
    await boot(node, TREE, start)
    port = await listening_port()
    talkers = [Talker(await Client.connect(port), f"client{i}") for i in range(CLIENTS)]
    stop = asyncio.Event()
    tasks = [asyncio.ensure_future(t.run(stop)) for t in talkers]
    installer = Installer(node, TREE)
    try:
        await until(lambda: all(t.versions for t in talkers), "the first replies")
        before = await connections()
        current = start
        for target in steps:
            goals = {t: len(t.versions) + 20 for t in talkers}
            await until(
                lambda goals=goals: all(len(t.versions) >= n for t, n in goals.items()),
                f"traffic before installing {target}",
            )
            await installer.install(current, target)
            await until(
                lambda vsn=PROTOCOL[target]: all(t.versions[-1] == vsn for t in talkers),
                f"replies from {target}",
            )
            current = target
        stop.set()
        await asyncio.gather(*tasks)
        return Conversation(talkers, before, await connections())
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for t in talkers:
            await t.client.close()


def serve_one(vsn: str, body: Callable[[Node, Client], Awaitable[None]], **env: object) -> None:
    """Boot ``vsn`` (with environment overrides for kv), connect a client, run ``body``."""

    async def main(node: Node) -> None:
        await boot(node, TREE, vsn, kv=env)
        client = await Client.connect(await listening_port())
        try:
            await body(node, client)
        finally:
            await client.close()

    run(main)


# ---------------------------------------------------------------------- each release
def test_1_0_0_protocol() -> None:
    """1.0.0 answers PING, SET, GET and DEL (values may hold spaces), one reply per line."""

    async def body(node: Node, client: Client) -> None:
        assert "1 PONG" == await client.ask("PING")
        assert "1 OK" == await client.ask("SET greeting hello there")
        assert "1 VALUE hello there" == await client.ask("GET greeting")
        assert "1 VALUE hello there" == await client.ask("get greeting")
        assert "1 DELETED" == await client.ask("DEL greeting")
        assert "1 NOT_FOUND" == await client.ask("DEL greeting")
        assert "1 NOT_FOUND" == await client.ask("GET greeting")
        assert "1 ERROR unknown command" == await client.ask("GET")
        assert "1 ERROR unknown command" == await client.ask("HITS greeting")
        client.writer.write(b"\n\r\nSET a 1\r\nGET a\nGE")  # blank lines get no reply
        assert ["1 OK", "1 VALUE 1"] == [await client.reply(), await client.reply()]
        assert "1 VALUE 1" == await client.ask("T a")  # "GE" waited for the rest of its line

    serve_one("1.0.0", body)


def test_2_0_0_protocol() -> None:
    """2.0.0 adds HITS (reads per key, kept across SET) and INFO (this connection's requests)."""

    async def body(node: Node, client: Client) -> None:
        assert "2 OK" == await client.ask("SET k v")
        assert "2 HITS 0" == await client.ask("HITS k")
        for _ in range(3):
            assert "2 VALUE v" == await client.ask("GET k")
        assert "2 OK" == await client.ask("SET k w")
        assert "2 HITS 3" == await client.ask("HITS k")
        assert "2 NOT_FOUND" == await client.ask("HITS nothing")
        assert "2 INFO requests=9" == await client.ask("INFO")  # INFO counts itself
        other = await Client.connect(await listening_port())
        try:
            assert "2 INFO requests=1" == await other.ask("INFO")
        finally:
            await other.close()
        assert "2 ERROR unknown command" == await client.ask("STATS")

    serve_one("2.0.0", body)


def test_3_0_0_protocol() -> None:
    """3.0.0 adds STATS (kv_stats) and AUDIT (kv_audit: the last writer's client address)."""

    async def body(node: Node, client: Client) -> None:
        assert ["kv", "kv_audit"] == [name for name, _, _ in node.apps.which_applications()]
        assert "3 AUDIT none" == await client.ask("AUDIT k")
        assert "3 OK" == await client.ask("SET k v")
        assert "3 VALUE v" == await client.ask("GET k")
        assert "3 NOT_FOUND" == await client.ask("DEL missing")
        assert f"3 AUDIT put by {client.address}" == await client.ask("AUDIT k")
        assert "3 STATS delete=1 get=1 put=1" == await client.ask("STATS")
        assert "3 HITS 1" == await client.ask("HITS k")
        assert "3 INFO requests=8" == await client.ask("INFO")
        assert not node.code.is_loaded("kv_proto")  # folded into kv_conn

    serve_one("3.0.0", body)


def test_3_0_0_store_still_serves_requests_in_2_0_0_format() -> None:
    """Requests in 2.0.0's format (tuples, no client) are served by the 3.0.0 store."""

    async def body(node: Node, client: Client) -> None:
        assert "ok" == await gen_server.call("kv_store", ("put", "k", "old style"))
        assert "old style" == await gen_server.call("kv_store", ("get", "k"))
        assert 1 == await gen_server.call("kv_store", ("hits", "k"))
        assert "3 AUDIT put by unknown" == await client.ask("AUDIT k")
        assert True is await gen_server.call("kv_store", ("delete", "k"))
        assert "3 NOT_FOUND" == await client.ask("GET k")

    serve_one("3.0.0", body)


def test_3_0_0_without_kv_audit_and_kv_stats_says_so() -> None:
    """Without kv_audit and kv_stats, AUDIT and STATS answer an error; the store serves on."""

    async def body(node: Node, client: Client) -> None:
        await node.apps.stop("kv_audit")
        await supervisor.terminate_child("kv_sup", "kv_stats")
        assert "3 OK" == await client.ask("SET k v")
        assert "3 ERROR audit unavailable" == await client.ask("AUDIT k")
        assert "3 ERROR stats unavailable" == await client.ask("STATS")
        assert "3 VALUE v" == await client.ask("GET k")

    serve_one("3.0.0", body)


def test_port_comes_from_the_application_environment(caplog: pytest.LogCaptureFixture) -> None:
    """The listener listens on kv's ``port``, logs it and tells it when asked."""
    caplog.set_level(logging.INFO, logger="kv_listener")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]

    async def body(node: Node, client: Client) -> None:
        assert free == await listening_port()
        assert free == client.writer.get_extra_info("peername")[1]
        assert "1 PONG" == await client.ask("PING")

    serve_one("1.0.0", body, port=free)
    assert [f"kv listening on port {free}"] == [r.getMessage() for r in caplog.records]


def test_a_closed_connection_ends_its_process_only() -> None:
    """A client hanging up ends its kv_conn normally, for good; other connections go on."""

    async def body(node: Node, client: Client) -> None:
        assert "1 PONG" == await client.ask("PING")
        first = await connections()
        other = await Client.connect(await listening_port())
        assert "1 PONG" == await other.ask("PING")
        (conn,) = await connections() - first
        ref = process.monitor(conn)
        await other.close()
        down = await process.receive(lambda m: m[0] == "DOWN", timeout=REPLY_TIMEOUT)
        assert ("DOWN", ref, "process", conn, "normal") == down
        assert first == await connections()
        assert "1 PONG" == await client.ask("PING")

    serve_one("1.0.0", body)


# ---------------------------------------------------------------------- upgrades
def test_state_is_converted_up_to_2_0_0_and_back() -> None:
    """code_change converts the store's and each connection's state both ways; no data lost."""

    async def body(node: Node, client: Client) -> None:
        installer = Installer(node, TREE)
        assert "1 OK" == await client.ask("SET kept hello world")
        (conn,) = await connections()
        assert {"kept": "hello world"} == await sys_ops.get_state("kv_store")
        assert {"sock", "buffer"} == set(await sys_ops.get_state(conn))

        await installer.install("1.0.0", "2.0.0")
        assert {"kept": {"value": "hello world", "hits": 0}} == await sys_ops.get_state("kv_store")
        assert "2 VALUE hello world" == await client.ask("GET kept")
        assert "2 HITS 1" == await client.ask("HITS kept")
        assert "2 INFO requests=3" == await client.ask("INFO")

        await installer.install("2.0.0", "1.0.0")
        assert {"kept": "hello world"} == await sys_ops.get_state("kv_store")
        assert {"sock", "buffer"} == set(await sys_ops.get_state(conn))
        assert "1 ERROR unknown command" == await client.ask("HITS kept")
        assert "1 VALUE hello world" == await client.ask("GET kept")
        assert {conn} == await connections()

    serve_one("1.0.0", body)


def test_upgrade_to_2_0_0_and_back_while_clients_talk() -> None:
    """Under traffic, 1→2→1: every request answered right, same connections, versions 1, 2, 1."""

    async def main(node: Node) -> None:
        talk = await talk_through(node, "1.0.0", ["2.0.0", "1.0.0"])
        talk.check(["1", "2", "1"])

    run(main, timeout=30)


def test_round_trip_through_3_0_0_while_clients_talk() -> None:
    """Under traffic, 1→2→3→2→1: every request answered right, same connections throughout."""

    async def main(node: Node) -> None:
        talk = await talk_through(node, "1.0.0", ["2.0.0", "3.0.0", "2.0.0", "1.0.0"])
        talk.check(["1", "2", "3", "2", "1"])
        assert ["kv"] == [name for name, _, _ in node.apps.which_applications()]
        assert not node.code.is_loaded("kv_stats")

    run(main, timeout=60)


def test_downgrade_from_3_0_0_while_clients_talk() -> None:
    """Booted on 3.0.0, down to 2.0.0 and 1.0.0 under traffic; kv_audit and kv_stats go."""

    async def main(node: Node) -> None:
        talk = await talk_through(node, "3.0.0", ["2.0.0", "1.0.0"])
        talk.check(["3", "2", "1"])
        assert ["kv"] == [name for name, _, _ in node.apps.which_applications()]
        assert ["kv_conn_sup", "kv_listener", "kv_store"] == sorted(
            child for child, _, _, _ in await supervisor.which_children("kv_sup")
        )

    run(main, timeout=60)


def test_request_queued_in_2_0_0_format_is_served_by_3_0_0() -> None:
    """A 2.0.0-format request queued in the store at the switch is served by 3.0.0."""

    async def main(node: Node) -> None:
        await boot(node, TREE, "2.0.0")
        store = process.whereis("kv_store")
        assert store is not None
        await sys_ops.suspend(store)  # from now on requests queue, as during an install
        api = node.code.resolve("kv_store")
        me = process.self()

        async def writer() -> None:
            process.send(me, await api.put("queued", "by 2.0.0"))

        process.spawn(writer)
        await run_until_idle(node)
        info = node.info(store)
        assert info is not None
        assert 1 == info.message_queue_len

        await Installer(node, TREE).install("2.0.0", "3.0.0")
        assert "ok" == await process.receive(timeout=REPLY_TIMEOUT)
        client = await Client.connect(await listening_port())
        try:
            assert "3 AUDIT put by unknown" == await client.ask("AUDIT queued")
            assert "3 VALUE by 2.0.0" == await client.ask("GET queued")
            # the put may have been served before kv_stats started: only the get is sure
            assert "get=1" in (await client.ask("STATS")).split()
        finally:
            await client.close()

    run(main, timeout=30)


# ---------------------------------------------------------------------- the files
@pytest.mark.parametrize(("vsn", "base"), [("2.0.0", "1.0.0"), ("3.0.0", "2.0.0")])
def test_committed_relup_is_what_generate_makes(vsn: str, base: str, tmp_path: Path) -> None:
    """Each releases/<vsn>/relup is up to date with the appups and release files."""
    assert equal(generate(TREE, vsn, base, tmp_path), committed_relup(TREE, vsn))


@pytest.mark.parametrize("direction", ["up", "down"])
@pytest.mark.parametrize(
    ("vsn", "base", "changed"),
    [
        ("2.0.0", "1.0.0", {"kv_store", "kv_conn", "kv_proto"}),
        ("3.0.0", "2.0.0", {"kv_store", "kv_conn", "kv_proto", "kv_stats", "kv_sup"}),
    ],
)
def test_appup_names_every_changed_module(
    vsn: str, base: str, changed: set[str], direction: str
) -> None:
    """Each appup section names exactly the modules added, removed or whose source differs."""
    assert changed == TREE.changed_modules("kv", base, vsn)
    assert changed == appup_modules(TREE, "kv", vsn, direction, base)


def test_releases_name_one_python_version() -> None:
    """All three releases run on the same Python, so no step restarts the node."""
    assert {"3.11"} == {TREE.release(v).python for v in PROTOCOL}
