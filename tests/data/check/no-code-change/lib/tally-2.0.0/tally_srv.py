"""BROKEN on purpose (variant no-code-change): the state gains "calls", but there is no
code_change, so after the upgrade handle_call reads a key the old state lacks."""

import tally_fmt
import tally_log

from relup.runtime import gen_server

__vsn__ = "2.0.0"


async def start_link():
    return await gen_server.start_link("tally_srv", None, name="tally_srv")


def init(args):
    return ("ok", {"count": 0, "calls": 0})


def handle_call(request, from_, state):
    state = {**state, "calls": state["calls"] + 1}
    if request == "add":
        state = {**state, "count": state["count"] + 1}
        tally_log.note("add", state["count"])
    return ("reply", tally_fmt.show(state["count"]), state)


def handle_cast(msg, state):
    return ("noreply", state)
