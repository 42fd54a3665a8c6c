"""kv's start module: the application controller calls start to boot the service."""

from relup.runtime import supervisor


async def start(start_type, start_args):
    """Start the top supervisor, registered so that appups can name it (kv_sup)."""
    return ("ok", await supervisor.start_link("kv_sup", None, name="kv_sup"))


def stop(state):
    """Nothing left to clean up: the supervision tree has already stopped."""
