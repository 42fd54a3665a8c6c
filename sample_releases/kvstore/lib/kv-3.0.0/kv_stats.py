"""Counts the store's operations by kind (new in kv 3.0.0; STATS shows them).

The store reports each operation with a cast, so a missing or restarting
kv_stats never slows down or fails a request.
"""

from relup.runtime import gen_server

__vsn__ = "3.0.0"


async def start_link():
    return await gen_server.start_link("kv_stats", None, name="kv_stats")


def count(op):
    """Record one operation ("get", "put", "delete", "hits"); never fails."""
    gen_server.cast("kv_stats", ("count", op))


async def report():
    """Operations counted so far, by kind."""
    return await gen_server.call("kv_stats", "report")


def init(args):
    return ("ok", {})


def handle_call(request, from_, counts):
    if request == "report":
        return ("reply", dict(counts), counts)
    return ("reply", ("error", "unknown_call"), counts)


def handle_cast(msg, counts):
    match msg:
        case ("count", op):
            counts[op] = counts.get(op, 0) + 1
    return ("noreply", counts)
