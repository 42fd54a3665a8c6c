"""kv's top supervisor: the store, its statistics, the connection supervisor, the listener.

Children start in this order (and stop in reverse), so the listener accepts
clients only once there is a store to serve them and a supervisor to own them.
kv_stats is new in 3.0.0: the upgrade re-reads this init ({update, kv_sup,
supervisor}), which adds its spec without starting it, then starts it.
"""


def init(args):
    flags = {"strategy": "one_for_one", "intensity": 5, "period": 10}
    children = [
        {"id": "kv_store", "start": ("kv_store", "start_link", ()), "modules": ("kv_store",)},
        {"id": "kv_stats", "start": ("kv_stats", "start_link", ()), "modules": ("kv_stats",)},
        {
            "id": "kv_conn_sup",
            "start": ("kv_conn_sup", "start_link", ()),
            "type": "supervisor",
            "shutdown": "infinity",
            "modules": ("kv_conn_sup",),
        },
        {
            "id": "kv_listener",
            "start": ("kv_listener", "start_link", ()),
            "modules": ("kv_listener",),
        },
    ]
    return (flags, children)
