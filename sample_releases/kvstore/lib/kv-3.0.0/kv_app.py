"""kv's start module: the application controller calls start to boot the service.

It also holds the release's exercise function (``exercise`` in release.toml), which
``relup check`` calls on a throwaway node, round after round, while it upgrades and
downgrades the release: one client's visit to the service.
"""

import asyncio

from relup.runtime import current_node, gen_server, supervisor

#: (command, the reply after its version number): what every kvstore version answers.
ROUND = (
    (b"PING", "PONG"),
    (b"SET exercise one round", "OK"),
    (b"GET exercise", "VALUE one round"),
    (b"SET exercise:scratch x", "OK"),
    (b"DEL exercise:scratch", "DELETED"),
    (b"GET exercise:scratch", "NOT_FOUND"),
)


async def start(start_type, start_args):
    """Start the top supervisor, registered so that appups can name it (kv_sup)."""
    return ("ok", await supervisor.start_link("kv_sup", None, name="kv_sup"))


def stop(state):
    """Nothing left to clean up: the supervision tree has already stopped."""


async def exercise():
    """Connect to the listener as a client would, send ROUND's commands, hang up.

    Raises if a reply is missing or wrong. Only commands every version serves are
    sent, and the version a reply starts with is not checked: the rehearsal calls
    this while the node moves between versions.
    """
    host = current_node().apps.get_env("kv", "host", "127.0.0.1")
    port = await gen_server.call("kv_listener", "port")
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for command, expected in ROUND:
            writer.write(command + b"\n")
            line = (await reader.readline()).decode("utf-8", "replace").rstrip("\n")
            if line.partition(" ")[2] != expected:
                raise RuntimeError(f"{command.decode()!r} got {line!r}, not '<vsn> {expected}'")
    finally:
        writer.close()
        await writer.wait_closed()
