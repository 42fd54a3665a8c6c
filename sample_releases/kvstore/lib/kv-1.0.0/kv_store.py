"""The store (kv 1.0.0): one registered gen_server holding every key.

State: a dict of key -> value. It is plain data so that a later version's
code_change can rebuild it.
"""

from relup.runtime import gen_server

__vsn__ = "1.0.0"


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


def init(args):
    return ("ok", {})


def handle_call(request, from_, data):
    match request:
        case ("get", key):
            return ("reply", data.get(key), data)
        case ("put", key, value):
            data[key] = value
            return ("reply", "ok", data)
        case ("delete", key):
            return ("reply", data.pop(key, None) is not None, data)
    return ("reply", ("error", "unknown_call"), data)


def handle_cast(msg, data):
    return ("noreply", data)
