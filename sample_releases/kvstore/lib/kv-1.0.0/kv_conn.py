"""One client connection (kv 1.0.0): a gen_server fed by its socket's messages.

The socket is active: the runtime delivers ("tcp", sock, data) to handle_info, and
writes are plain calls. This process never waits on the network, so between two
chunks it is at a message boundary, where an upgrade can suspend it.
"""

import kv_proto
import kv_store

from relup.runtime import gen_server

__vsn__ = "1.0.0"


async def start_link(sock):
    return await gen_server.start_link("kv_conn", sock)


def init(sock):
    return ("ok", {"sock": sock, "buffer": b""})


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
                    sock.send(await serve(*kv_proto.parse(line)))
            return ("noreply", state)
        case ("tcp_closed", _):
            return ("stop", "normal", state)
    return ("noreply", state)  # ("tcp_error", ...) is followed by tcp_closed


async def serve(command, args):
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
    return kv_proto.reply("ERROR", "unknown command")
