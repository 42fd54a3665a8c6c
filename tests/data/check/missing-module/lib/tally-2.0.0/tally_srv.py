"""tally's counter (2.0.0): the state counts calls too; code_change converts it both ways."""

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


def code_change(old_vsn, state, extra):
    """Up from 1.0.0 the state gains "calls" (none counted yet); down to 1.0.0 it loses it."""
    if old_vsn == ("down", "1.0.0"):
        return ("ok", {"count": state["count"]})
    return ("ok", {**state, "calls": 0})
