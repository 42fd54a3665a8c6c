"""The chapter's gen_server (its my_server): a named count, and since 2.0.0 its history.

The history is a new field of the state; code_change adds it on the way up (the
chapter's example) and drops it on the way down.
"""

from relup.runtime import gen_server

__vsn__ = "2.0.0"


async def start_link():
    return await gen_server.start_link("counter_srv", "clicks", name="counter_srv")


def init(name):
    return ("ok", {"name": name, "count": 0, "history": []})


def handle_call(request, from_, state):
    match request:
        case ("add", k):
            state = {**state, "count": state["count"] + k, "history": [*state["history"], k]}
            return ("reply", state["count"], state)
        case "state":
            return ("reply", state, state)
    return ("reply", ("error", "unknown_call"), state)


def handle_cast(msg, state):
    return ("noreply", state)


def code_change(old_vsn, state, extra):
    """Adding a field to the state (and taking it away again on a downgrade)."""
    match old_vsn, state:
        case ("down", _), {"name": name, "count": count}:
            return ("ok", {"name": name, "count": count})
        case _, {"name": name, "count": count}:
            return ("ok", {"name": name, "count": count, "history": []})
    return ("error", ("unexpected_state", state))
