"""greeter's start module: the application controller calls start to boot it."""

from relup.runtime import supervisor


async def start(start_type, start_args):
    return ("ok", await supervisor.start_link("greeter_sup", None, name="greeter_sup"))


def stop(state):
    """Nothing left to clean up: the supervision tree has already stopped."""
