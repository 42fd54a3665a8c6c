"""One client connection (kv 3.0.0): the protocol helpers of kv_proto now live here.

The socket is active: the runtime delivers ("tcp", sock, data) to handle_info, and
writes are plain calls. This process never waits on the network, so between two
chunks it is at a message boundary, where an upgrade can suspend it.

New in 3.0.0: each request tells the store which client sent it (the state's
``client``), and STATS and AUDIT show what kv_stats and kv_audit recorded.
"""

import kv_stats
import kv_store

from relup.runtime import CallError, gen_server

__vsn__ = "3.0.0"

VERSION = "3"


async def start_link(sock):
    return await gen_server.start_link("kv_conn", sock)


def init(sock):
    return ("ok", {"sock": sock, "buffer": b"", "requests": 0, "client": client_of(sock)})


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
                    sock.send(await serve(*parse(line), state))
            return ("noreply", state)
        case ("tcp_closed", _):
            return ("stop", "normal", state)
    return ("noreply", state)  # ("tcp_error", ...) is followed by tcp_closed


async def serve(command, args, state):
    """The reply line to one command."""
    client = state["client"]
    match command, args:
        case "PING", []:
            return reply("PONG")
        case "GET", [key]:
            value = await kv_store.get(key, client)
            return reply("NOT_FOUND") if value is None else reply("VALUE", value)
        case "SET", [key, value]:
            await kv_store.put(key, value, client)
            return reply("OK")
        case "DEL", [key]:
            return reply("DELETED" if await kv_store.delete(key, client) else "NOT_FOUND")
        case "HITS", [key]:
            hits = await kv_store.hits(key, client)
            return reply("NOT_FOUND") if hits is None else reply("HITS", str(hits))
        case "INFO", []:
            return reply("INFO", f"requests={state['requests']}")
        case "STATS", []:
            return await stats()
        case "AUDIT", [key]:
            return await audit(key)
    return reply("ERROR", "unknown command")


async def stats():
    """The store's operations so far, as kv_stats counted them (if it is running)."""
    try:
        counts = await kv_stats.report()
    except CallError:
        return reply("ERROR", "stats unavailable")
    return reply("STATS", *(f"{op}={n}" for op, n in sorted(counts.items())))


async def audit(key):
    """The last write of ``key`` as kv_audit saw it (if that application is running)."""
    try:
        last = await gen_server.call("kv_audit_log", ("last", key))
    except CallError:
        return reply("ERROR", "audit unavailable")
    if last is None:
        return reply("AUDIT", "none")
    op, client = last
    return reply("AUDIT", op, "by", client)


def parse(line):
    """b"SET k some value" -> ("SET", ["k", "some value"]); the last argument may hold spaces."""
    command, *args = line.decode("utf-8", "replace").strip().split(" ", 2)
    return command.upper(), args


def reply(*words):
    """Every reply starts with the protocol version, so a client sees which release served it."""
    return " ".join((VERSION, *words)).encode() + b"\n"


def client_of(sock):
    host, port = sock.peername[:2]
    return f"{host}:{port}"


def code_change(old_vsn, state, extra):
    """3.0.0 remembers the client's address, for the store's requests; dropped going down."""
    match old_vsn:
        case "2.0.0":
            return ("ok", {**state, "client": client_of(state["sock"])})
        case ("down", "2.0.0"):
            return ("ok", {key: value for key, value in state.items() if key != "client"})
    return ("error", ("unknown_version", old_vsn))
