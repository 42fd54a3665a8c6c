"""The chapter's counter: a raw process loop, no gen_server. 2.0.0 can also reset.

    loop(N) ->
        receive
            increment -> loop(N + 1);                          %% local call
            {get, From} -> From ! {count, N}, ?MODULE:loop(N)  %% fully qualified call
        end.

The loop returns its next step with process.then instead of calling it, so it
never grows the stack. A local call (loop) stays on this version; a call through
the module (counter.loop) enters the current one. So after an upgrade the process
keeps counting on the old code and moves to the new code at its next get.
"""

import counter

from relup.runtime import process

__vsn__ = "2.0.0"


def start_link():
    """Start the loop, linked to the caller (the supervisor) and registered as "counter"."""
    pid = process.spawn_mfa("counter", "loop", (0,), link=True)
    process.register("counter", pid)
    return pid


async def loop(n):
    match await process.receive():
        case "increment":
            return process.then(loop, n + 1)
        case "reset":
            return process.then(loop, 0)
        case ("get", sender):
            process.send(sender, ("count", n))
            return process.then(counter.loop, n)
        case _:
            return process.then(loop, n)  # Erlang would leave it queued for ever; drop it
