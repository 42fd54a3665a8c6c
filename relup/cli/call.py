"""``relup call``: gen_server:call a process of the node, Erlang term text in and out."""

from __future__ import annotations

from typing import Annotated

import typer

from relup.cli import remote
from relup.errors import TermSyntaxError
from relup.terms import parse_term

#: Seconds the client waits beyond the call's own timeout (connection, handshake).
MARGIN = 5.0

DestArgument = Annotated[
    str,
    typer.Argument(
        metavar="NAME",
        help="A registered name (kv_store) or a pid as relup ps shows it (<0.42.0>).",
        show_default=False,
    ),
]


def check_term(text: str, what: str) -> str:
    """``text`` if it reads as one Erlang term (the final dot optional), else a usage error."""
    try:
        parse_term(text, pids=True, require_dot=False)
    except TermSyntaxError as e:
        raise typer.BadParameter(f"not an Erlang term: {e}", param_hint=what) from None
    return text


def call(
    name: DestArgument,
    request: Annotated[
        str,
        typer.Argument(
            metavar="REQUEST",
            help="The request, as Erlang term text: port, or '{get, \"key\"}'. "
            "Quote it for the shell.",
            show_default=False,
        ),
    ],
    root: remote.RootOption = None,
    as_json: remote.JsonOption = False,
    timeout: Annotated[
        float,
        typer.Option("--timeout", min=0.01, help="Seconds the process has to reply."),
    ] = 5.0,
) -> None:
    """Send REQUEST to the process NAME as a gen_server call and print its reply.

    The request is Erlang term text (docs/term-mapping.md: atoms and strings
    become Python str, tuples tuple, lists list, maps dict); the reply is
    printed the same way, on one line. The process handles it like any other
    call, in its current code.

    Exit status: 0 replied, 1 the call failed (no such process, it crashed or
    did not reply in time), 2 REQUEST is not a term, 3 no node runs at the
    root, 4 the node did not answer.

    Example: relup call kv_listener port --root /srv/shop
    """
    root = remote.need_root(root)
    check_term(request, "'REQUEST'")
    with remote.talking(as_json=as_json):
        answer = remote.ask(
            root,
            "call",
            {"dest": name, "request": request, "timeout": timeout},
            timeout=timeout + MARGIN,
        )
    if as_json:
        remote.print_json(answer)
        return
    typer.echo(str(answer.get("reply")))
