"""``relup purge``: drop the old code of a module, as Erlang's code:purge does."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from relup.cli import remote


def purge(
    module: Annotated[
        str,
        typer.Argument(metavar="MODULE", help="The module's name (kv_store).", show_default=False),
    ],
    soft: Annotated[
        bool,
        typer.Option(
            "--soft",
            help="Refuse (exit 1, naming them) if processes still run the old code, "
            "instead of killing them (code:soft_purge).",
        ),
    ] = False,
    root: remote.RootOption = None,
    as_json: remote.JsonOption = False,
    timeout: remote.TimeoutOption = remote.DEFAULT_TIMEOUT,
) -> None:
    """Purge the old version of MODULE: processes still running it are killed.

    Their supervisors restart them on the current code. With --soft nothing
    is killed: the purge is refused while any process runs the old code
    (relup ps marks it "old"). A module with no old version is left as it is.

    Exit status: 0 purged (or nothing to purge), 1 refused (--soft and the
    old code is in use), 3 no node runs at the root, 4 the node did not
    answer in time.

    Example: relup purge kv_store --soft --root /srv/shop
    """
    root = remote.need_root(root)
    with remote.talking(as_json=as_json):
        answer = remote.ask(root, "purge", {"module": module, "soft": soft}, timeout=timeout)
    if as_json:
        remote.print_json(answer)
        return
    killed = answer.get("killed") or []
    Console(highlight=False, soft_wrap=True).print(
        f"no old code of [bold]{escape(module)}[/] is left; killed: "
        f"{escape(', '.join(killed)) if killed else 'none'}"
    )
