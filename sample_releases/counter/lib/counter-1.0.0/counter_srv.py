"""The chapter's gen_server (its my_server): a named count.

2.0.0 adds a history to the state; its code_change is the chapter's example.
"""

from relup.runtime import gen_server

__vsn__ = "1.0.0"


async def start_link():
    return await gen_server.start_link("counter_srv", "clicks", name="counter_srv")


def init(name):
    return ("ok", {"name": name, "count": 0})


def handle_call(request, from_, state):
    match request:
        case ("add", k):
            state = {**state, "count": state["count"] + k}
            return ("reply", state["count"], state)
        case "state":
            return ("reply", state, state)
    return ("reply", ("error", "unknown_call"), state)


def handle_cast(msg, state):
    return ("noreply", state)
