"""The counter (2.0.0): the state is now a dict, and replies are formatted by counter_fmt.

counter_srv calls counter_fmt, so the appup names counter_fmt in counter_srv's
DepMods: the new counter_fmt is loaded before the new counter_srv can call it. The
import is made at call time, not when the module loads, so that preparing this
module's code does not depend on the order modules are prepared in.
"""

from relup.runtime import gen_server


async def start_link():
    return await gen_server.start_link("counter_srv", 0, name="counter_srv")


def init(count):
    return ("ok", {"count": count, "calls": 0})


def handle_call(request, from_, state):
    state = {**state, "calls": state["calls"] + 1}
    if request == "bump":
        state["count"] += 1
    if request == "show":
        import counter_fmt

        return ("reply", counter_fmt.render(state["count"]), state)
    return ("reply", state["count"], state)


def handle_cast(msg, state):
    return ("noreply", state)


def code_change(old_vsn, state, extra):
    """Up from 1.0.0 an int becomes a dict; down to 1.0.0 (old_vsn ("down", "1.0.0")) back."""
    if isinstance(old_vsn, tuple) and old_vsn[0] == "down":
        return ("ok", state["count"])
    return ("ok", {"count": state, "calls": 0})
