"""tally's start module: starts the top supervisor, registered as tally_sup.

exercise is the release's exercise function (release.toml): relup check's rehearsal
calls it, round after round, on a throwaway node that it upgrades and downgrades.
"""

from relup.runtime import gen_server, supervisor


async def start(start_type, start_args):
    return ("ok", await supervisor.start_link("tally_sup", None, name="tally_sup"))


def stop(state):
    """Nothing to clean up: the supervision tree has stopped."""


async def exercise():
    """One round of traffic: one addition; raises if the reply is not a count."""
    reply = await gen_server.call("tally_srv", "add")
    if not (isinstance(reply, str) and reply.startswith("tally")):
        raise RuntimeError(f"tally_srv answered {reply!r} to add")
