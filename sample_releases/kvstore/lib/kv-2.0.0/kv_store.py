"""The store (kv 2.0.0): every key now counts how often it was read.

State: a dict of key -> {"value": value, "hits": reads}. 1.0.0 kept bare values;
code_change converts between the two shapes in both directions.
"""

from relup.runtime import gen_server

__vsn__ = "2.0.0"


async def start_link():
    return await gen_server.start_link("kv_store", None, name="kv_store")


# The API. Callers reach it through the module (kv_store.get), so the request is
# always built by the current version: the message format is this module's business.
async def get(key):
    return await gen_server.call("kv_store", ("get", key))


async def put(key, value):
    return await gen_server.call("kv_store", ("put", key, value))


async def delete(key):
    """True if the key was there."""
    return await gen_server.call("kv_store", ("delete", key))


async def hits(key):
    """How often the key was read, None if it is not there."""
    return await gen_server.call("kv_store", ("hits", key))


def init(args):
    return ("ok", {})


def handle_call(request, from_, data):
    match request:
        case ("get", key):
            entry = data.get(key)
            if entry is None:
                return ("reply", None, data)
            entry["hits"] += 1
            return ("reply", entry["value"], data)
        case ("put", key, value):
            hits = data[key]["hits"] if key in data else 0
            data[key] = {"value": value, "hits": hits}
            return ("reply", "ok", data)
        case ("delete", key):
            return ("reply", data.pop(key, None) is not None, data)
        case ("hits", key):
            return ("reply", data[key]["hits"] if key in data else None, data)
    return ("reply", ("error", "unknown_call"), data)


def handle_cast(msg, data):
    return ("noreply", data)


def code_change(old_vsn, data, extra):
    """Up from 1.0.0 each value gains a hit count (0: none were counted); down, it is dropped.

    Builds new dicts rather than editing ``data``: if the install fails, the old
    state is put back as it was.
    """
    match old_vsn:
        case "1.0.0":
            return ("ok", {key: {"value": value, "hits": 0} for key, value in data.items()})
        case ("down", "1.0.0"):
            return ("ok", {key: entry["value"] for key, entry in data.items()})
    return ("error", ("unknown_version", old_vsn))
