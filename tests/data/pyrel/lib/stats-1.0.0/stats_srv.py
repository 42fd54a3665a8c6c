"""Keeps the counter's call statistics."""


def init(period):
    return ("ok", {"period": period, "seen": 0})


def handle_call(request, from_, state):
    return ("reply", state["seen"], state)


def handle_cast(msg, state):
    return ("noreply", {**state, "seen": state["seen"] + 1})
