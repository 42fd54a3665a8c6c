"""Remembers who last wrote each key.

kv's store sends ("write", op, key, client) casts to the registered name
kv_audit_log; nothing in kv imports this module, so kv runs with or without it.
"""

from relup.runtime import current_node, gen_server

__vsn__ = "1.0.0"


async def start_link():
    return await gen_server.start_link("kv_audit_log", None, name="kv_audit_log")


def init(args):
    limit = current_node().apps.get_env("kv_audit", "max_keys", 10_000)
    return ("ok", {"limit": limit, "last": {}})


def handle_call(request, from_, state):
    match request:
        case ("last", key):
            return ("reply", state["last"].get(key), state)
    return ("reply", ("error", "unknown_call"), state)


def handle_cast(msg, state):
    match msg:
        case ("write", op, key, client):
            last = state["last"]
            last.pop(key, None)  # re-inserted last: the dict stays in write order
            last[key] = (op, client)
            if len(last) > state["limit"]:
                del last[next(iter(last))]  # forget the key written longest ago
    return ("noreply", state)
