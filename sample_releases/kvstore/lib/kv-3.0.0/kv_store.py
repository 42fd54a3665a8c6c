"""The store (kv 3.0.0): requests now say which client sent them.

Requests were tuples such as ("put", key, value) up to 2.0.0; they are now dicts
such as {"op": "put", "key": key, "value": value, "client": "127.0.0.1:50123"}, so
that writes can be audited (kv_audit) and counted (kv_stats). A request in the
old format can still arrive after the upgrade (one queued while the store was
suspended for it), so handle_call still accepts one.

State: unchanged since 2.0.0, a dict of key -> {"value": value, "hits": reads}.
"""

import kv_stats

from relup.runtime import gen_server

__vsn__ = "3.0.0"


async def start_link():
    return await gen_server.start_link("kv_store", None, name="kv_store")


# The API. Callers reach it through the module (kv_store.get), so the request is
# always built by the current version: the message format is this module's business.
async def get(key, client):
    return await gen_server.call("kv_store", {"op": "get", "key": key, "client": client})


async def put(key, value, client):
    request = {"op": "put", "key": key, "value": value, "client": client}
    return await gen_server.call("kv_store", request)


async def delete(key, client):
    """True if the key was there."""
    return await gen_server.call("kv_store", {"op": "delete", "key": key, "client": client})


async def hits(key, client):
    """How often the key was read, None if it is not there."""
    return await gen_server.call("kv_store", {"op": "hits", "key": key, "client": client})


def init(args):
    return ("ok", {})


def handle_call(request, from_, data):
    if isinstance(request, tuple):
        request = from_2_0_0(request)
    kv_stats.count(request["op"])
    key = request["key"]
    match request["op"]:
        case "get":
            entry = data.get(key)
            if entry is None:
                return ("reply", None, data)
            entry["hits"] += 1
            return ("reply", entry["value"], data)
        case "put":
            hits = data[key]["hits"] if key in data else 0
            data[key] = {"value": request["value"], "hits": hits}
            audit("put", key, request["client"])
            return ("reply", "ok", data)
        case "delete":
            found = data.pop(key, None) is not None
            if found:
                audit("delete", key, request["client"])
            return ("reply", found, data)
        case "hits":
            return ("reply", data[key]["hits"] if key in data else None, data)
    return ("reply", ("error", "unknown_call"), data)


def handle_cast(msg, data):
    return ("noreply", data)


def from_2_0_0(request):
    """A request in 2.0.0's format, as 3.0.0 writes it (its sender is not known)."""
    op, key, *value = request
    return {"op": op, "key": key, "client": "unknown", **({"value": value[0]} if value else {})}


def audit(op, key, client):
    """Tell kv_audit about a write; a cast to a name nobody holds is dropped, so the
    store does not depend on the kv_audit application running."""
    gen_server.cast("kv_audit_log", ("write", op, key, client))
