"""tally's counter (1.0.0): a registered gen_server whose state is {"count": n}."""

import tally_fmt

from relup.runtime import gen_server

__vsn__ = "1.0.0"


async def start_link():
    return await gen_server.start_link("tally_srv", None, name="tally_srv")


def init(args):
    return ("ok", {"count": 0})


def handle_call(request, from_, state):
    if request == "add":
        state = {**state, "count": state["count"] + 1}
    return ("reply", tally_fmt.show(state["count"]), state)


def handle_cast(msg, state):
    return ("noreply", state)
