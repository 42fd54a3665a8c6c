"""tally's start module: starts the top supervisor, registered as tally_sup."""

from relup.runtime import supervisor


async def start(start_type, start_args):
    return ("ok", await supervisor.start_link("tally_sup", None, name="tally_sup"))


def stop(state):
    """Nothing to clean up: the supervision tree has stopped."""
