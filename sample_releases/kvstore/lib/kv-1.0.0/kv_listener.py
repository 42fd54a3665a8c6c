"""Owns the listening socket and hands each accepted connection to a new kv_conn.

The port comes from the application environment (``port``; 0 picks a free one).
The listener logs the port it got and answers ``gen_server.call("kv_listener", "port")``.
"""

import logging

from relup.runtime import CallError, SupervisorError, current_node, gen_server, supervisor, tcp

log = logging.getLogger(__name__)


async def start_link():
    return await gen_server.start_link("kv_listener", None, name="kv_listener")


async def init(args):
    env = current_node().apps.get_all_env("kv")
    listener = await tcp.listen(env.get("port", 0), env.get("host", "127.0.0.1"))
    log.info("kv listening on port %d", listener.port)
    return ("ok", {"listener": listener})


def handle_call(request, from_, state):
    if request == "port":
        return ("reply", state["listener"].port, state)
    return ("reply", ("error", "unknown_call"), state)


def handle_cast(msg, state):
    return ("noreply", state)


async def handle_info(msg, state):
    match msg:
        case ("tcp_accept", _, sock):
            try:
                pid = await supervisor.start_child("kv_conn_sup", [sock])
            except (CallError, SupervisorError) as e:
                # Losing one client is better than restarting on another port.
                log.warning("cannot serve %s: %r", sock.peername, e.reason)
                sock.close()
            else:
                # Accepted sockets start passive: nothing is read until the new owner has it.
                sock.controlling_process(pid)
                sock.set_active(True)
    return ("noreply", state)
