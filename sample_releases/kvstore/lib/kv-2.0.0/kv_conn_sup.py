"""Supervises one kv_conn per client; children are added as clients connect."""

from relup.runtime import supervisor


async def start_link():
    return await supervisor.start_link("kv_conn_sup", None, name="kv_conn_sup")


def init(args):
    # temporary: a connection that ends is never restarted (its socket is gone).
    flags = {"strategy": "simple_one_for_one", "intensity": 10, "period": 1}
    conn = {
        "id": "kv_conn",
        "start": ("kv_conn", "start_link", ()),
        "restart": "temporary",
        "modules": ("kv_conn",),
    }
    return (flags, [conn])
