"""The chapter's greeter, version 2: the same process, a new greeting.

    loop() ->
        receive
            {greet, Name} ->
                io:format("Howdy, ~s! Welcome to Erlang!~n", [Name]),
                ?MODULE:loop()
        end.

Here the greeting is sent back to the caller rather than printed. The loop's
next step is a call through the module (greeter.loop): the fully qualified call
that moves the process to the current version after each message.
"""

import greeter

from relup.runtime import process

__vsn__ = "2.0.0"


def start_link():
    """Start the loop, linked to the caller (the supervisor) and registered as "greeter"."""
    pid = process.spawn_mfa("greeter", "loop", link=True)
    process.register("greeter", pid)
    return pid


async def loop():
    match await process.receive():
        case ("greet", name, sender):
            process.send(sender, f"Howdy, {name}! Welcome to Erlang!")
    return process.then(greeter.loop)
