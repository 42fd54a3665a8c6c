"""kv's top supervisor: the store, the connection supervisor, then the listener.

Children start in this order (and stop in reverse), so the listener accepts
clients only once there is a store to serve them and a supervisor to own them.
"""


def init(args):
    flags = {"strategy": "one_for_one", "intensity": 5, "period": 10}
    children = [
        {"id": "kv_store", "start": ("kv_store", "start_link", ()), "modules": ("kv_store",)},
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
