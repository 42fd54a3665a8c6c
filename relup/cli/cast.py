"""``relup cast``: gen_server:cast a message to a process of the node."""

from __future__ import annotations

from typing import Annotated

import typer

from relup.cli import remote
from relup.cli.call import DestArgument, check_term


def cast(
    name: DestArgument,
    message: Annotated[
        str,
        typer.Argument(
            metavar="MESSAGE",
            help="The message, as Erlang term text: '{reset, 0}'. Quote it for the shell.",
            show_default=False,
        ),
    ],
    root: remote.RootOption = None,
    as_json: remote.JsonOption = False,
    timeout: remote.TimeoutOption = remote.DEFAULT_TIMEOUT,
) -> None:
    """Send MESSAGE to the process NAME as a gen_server cast; there is no reply.

    As in Erlang, a cast never fails: a message to a name nobody has
    registered is dropped.

    Exit status: 0 sent, 2 MESSAGE is not a term, 3 no node runs at the root,
    4 the node did not answer.

    Example: relup cast kv_store '{reset, 0}' --root /srv/shop
    """
    root = remote.need_root(root)
    check_term(message, "'MESSAGE'")
    with remote.talking(as_json=as_json):
        answer = remote.ask(root, "cast", {"dest": name, "message": message}, timeout=timeout)
    if as_json:
        remote.print_json(answer)
        return
    typer.echo(f"cast to {name}: {message}")
