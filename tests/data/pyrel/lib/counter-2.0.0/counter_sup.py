"""counter's top supervisor: one counter_srv, restarted if it dies."""


def init(args):
    flags = {"strategy": "one_for_one", "intensity": 3, "period": 5}
    child = {
        "id": "counter_srv",
        "start": ("counter_srv", "start_link", ()),
        "modules": ("counter_srv",),
    }
    return (flags, [child])
