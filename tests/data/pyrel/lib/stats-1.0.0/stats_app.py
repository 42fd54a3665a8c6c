"""stats' start module: start_args (from app.toml) is the reporting period in seconds."""

from relup.runtime import gen_server


async def start(start_type, start_args):
    (period,) = start_args
    return ("ok", await gen_server.start_link("stats_srv", period, name="stats_srv"), None)


def stop(state):
    """Nothing to clean up."""
