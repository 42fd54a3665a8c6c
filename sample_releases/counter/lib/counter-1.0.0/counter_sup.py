"""counter's top supervisor: the chapter's raw counter loop and its gen_server."""


def init(args):
    flags = {"strategy": "one_for_one", "intensity": 5, "period": 10}
    children = [
        {"id": "counter", "start": ("counter", "start_link", ()), "modules": ("counter",)},
        {
            "id": "counter_srv",
            "start": ("counter_srv", "start_link", ()),
            "modules": ("counter_srv",),
        },
    ]
    return (flags, children)
