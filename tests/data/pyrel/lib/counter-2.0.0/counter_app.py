"""counter's start module: the three callbacks the application controller calls."""

from relup.runtime import supervisor


async def start(start_type, start_args):
    """Start the top supervisor: ("ok", its pid, the state later given to stop)."""
    return ("ok", await supervisor.start_link("counter_sup", None), None)


def stop(state):
    """Called once the supervision tree has stopped."""


def config_change(changed, new, removed):
    """After an install changed the environment: dicts of key -> value, a list of keys."""
