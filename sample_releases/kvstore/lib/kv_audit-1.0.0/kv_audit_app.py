"""kv_audit's start module: an application of its own, added to the release in 3.0.0."""

from relup.runtime import supervisor


async def start(start_type, start_args):
    return ("ok", await supervisor.start_link("kv_audit_sup", None, name="kv_audit_sup"))


def stop(state):
    """Nothing left to clean up: the supervision tree has already stopped."""
