"""The counter (1.0.0): a gen_server whose state is the count."""

from relup.runtime import gen_server


async def start_link():
    return await gen_server.start_link("counter_srv", 0, name="counter_srv")


def init(count):
    return ("ok", count)


def handle_call(request, from_, count):
    if request == "bump":
        count += 1
    return ("reply", count, count)


def handle_cast(msg, count):
    return ("noreply", count)
