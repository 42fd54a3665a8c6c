"""TCP as messages: a connection process upgrades with its connection open."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from relup.runtime import Node, gen_server, process, tcp
from relup.testing import run, run_until_idle

ECHO = """
    def init(sock):
        return ("ok", {{"sock": sock, "n": 0}})

    def handle_call(request, from_, state):
        return ("reply", state["n"], state)

    def handle_cast(msg, state):
        return ("noreply", state)

    def handle_info(msg, state):
        match msg:
            case ("tcp", sock, data):
                sock.send({transform})
                return ("noreply", {{**state, "n": state["n"] + 1}})
            case ("tcp_closed", _):
                return ("stop", "normal", state)
"""


def test_connection_process_upgrades_with_connection_open(
    write: Callable[[str, str], Path],
) -> None:
    v1 = write("echo_1.py", ECHO.format(transform='b"v1:" + data'))
    v2 = write("echo_2.py", ECHO.format(transform='b"V2:" + data.upper()'))

    async def main(node: Node) -> None:
        node.code.load("echo", v1)
        listener = await tcp.listen(0)
        reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
        msg = await process.receive(lambda m: m[0] == "tcp_accept", timeout=2)
        sock = msg[2]
        conn = await gen_server.start("echo", sock)
        assert conn is not None
        sock.controlling_process(conn)
        sock.set_active(True)
        ref = process.monitor(conn)

        writer.write(b"hi")
        assert b"v1:hi" == await asyncio.wait_for(reader.read(100), 2)
        await run_until_idle(node)
        node.code.load("echo", v2)
        writer.write(b"there")
        assert b"V2:THERE" == await asyncio.wait_for(reader.read(100), 2)
        assert 2 == await gen_server.call(conn, "n")  # same process, state kept

        writer.close()
        down = await process.receive(lambda m: m[0] == "DOWN", timeout=2)
        assert ("DOWN", ref, "process", conn, "normal") == down
        listener.close()

    run(main)


def test_passive_socket_holds_data_until_activated_and_owner_death_closes() -> None:
    async def main(node: Node) -> None:
        listener = await tcp.listen(0)
        client = await tcp.connect("127.0.0.1", listener.port, active="once")
        _, _, server_side = await process.receive(lambda m: m[0] == "tcp_accept", timeout=2)
        client.send(b"one")
        await asyncio.sleep(0.01)
        assert 0 == len(node.process(process.self()).mailbox)  # passive: held, not delivered
        server_side.set_active(True)
        assert ("tcp", server_side, b"one") == await process.receive(timeout=2)
        server_side.send(b"a")
        assert ("tcp", client, b"a") == await process.receive(timeout=2)
        server_side.send(b"b")  # client is now passive ("once" was used up)
        await asyncio.sleep(0.01)
        assert 0 == len(node.process(process.self()).mailbox)
        client.set_active(True)
        assert ("tcp", client, b"b") == await process.receive(timeout=2)

        async def holder() -> None:
            await process.receive()

        owner = process.spawn(holder)
        server_side.controlling_process(owner)
        process.send_exit(owner, "kill")  # the owner's death closes its socket
        assert ("tcp_closed", client) == await process.receive(timeout=2)
        listener.close()

    run(main)
