"""One client connection (kv 2.0.0): also counts the requests it served (INFO).

The socket is active: the runtime delivers ("tcp", sock, data) to handle_info, and
writes are plain calls. This process never waits on the network, so between two
chunks it is at a message boundary, where an upgrade can suspend it.
"""

import kv_proto
import kv_store

from relup.runtime import gen_server

__vsn__ = "2.0.0"


async def start_link(sock):
    return await gen_server.start_link("kv_conn", sock)


def init(sock):
    return ("ok", {"sock": sock, "buffer": b"", "requests": 0})


def handle_call(request, from_, state):
    return ("reply", ("error", "unknown_call"), state)


def handle_cast(msg, state):
    return ("noreply", state)


async def handle_info(msg, state):
    match msg:
        case ("tcp", sock, data):
            *lines, rest = (state["buffer"] + data).split(b"\n")
            state = {**state, "buffer": rest}
            for line in lines:
                if line.strip():
                    state = {**state, "requests": state["requests"] + 1}
                    sock.send(await serve(*kv_proto.parse(line), state))
            return ("noreply", state)
        case ("tcp_closed", _):
            return ("stop", "normal", state)
    return ("noreply", state)  # ("tcp_error", ...) is followed by tcp_closed


async def serve(command, args, state):
    """The reply line to one command."""
    match command, args:
        case "PING", []:
            return kv_proto.reply("PONG")
        case "GET", [key]:
            value = await kv_store.get(key)
            return kv_proto.reply("NOT_FOUND") if value is None else kv_proto.reply("VALUE", value)
        case "SET", [key, value]:
            await kv_store.put(key, value)
            return kv_proto.reply("OK")
        case "DEL", [key]:
            return kv_proto.reply("DELETED" if await kv_store.delete(key) else "NOT_FOUND")
        case "HITS", [key]:
            hits = await kv_store.hits(key)
            return (
                kv_proto.reply("NOT_FOUND") if hits is None else kv_proto.reply("HITS", str(hits))
            )
        case "INFO", []:
            return kv_proto.reply("INFO", f"requests={state['requests']}")
    return kv_proto.reply("ERROR", "unknown command")


def code_change(old_vsn, state, extra):
    """2.0.0 counts each connection's requests: from 0 at the upgrade; dropped going down."""
    match old_vsn:
        case "1.0.0":
            return ("ok", {**state, "requests": 0})
        case ("down", "1.0.0"):
            return ("ok", {key: value for key, value in state.items() if key != "requests"})
    return ("error", ("unknown_version", old_vsn))
