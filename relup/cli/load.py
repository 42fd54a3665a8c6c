"""``relup load``: the shell's ``l(Mod)`` on the node, for debugging in production."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from relup.cli import remote


def load(
    module: Annotated[
        str,
        typer.Argument(metavar="MODULE", help="The module's name (kv_store).", show_default=False),
    ],
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="The Python file to load as MODULE (default: the file its current "
            "version came from).",
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    root: remote.RootOption = None,
    as_json: remote.JsonOption = False,
    timeout: remote.TimeoutOption = remote.DEFAULT_TIMEOUT,
) -> None:
    """Load MODULE from a file as its new current version, as Erlang's l(Mod) does.

    The version that was current becomes old: processes running it carry on
    and move over at their next fully qualified call; processes still on the
    version before that are killed (Erlang's rule: two versions at most).
    A module loaded from another file than the running release's is marked
    hand-loaded in relup ps and relup releases, and an install is refused
    while it runs (unless --force). Loading the release's file back clears
    the mark:  relup load MODULE --file ROOT/lib/<app>-<vsn>/MODULE.py

    Exit status: 0 loaded, 1 refused (the file does not load, unknown
    module), 2 usage (no such file), 3 no node runs at the root, 4 the node
    did not answer in time.

    Example: relup load kv_store --file /tmp/kv_store_debug.py --root /srv/shop
    """
    root = remote.need_root(root)
    args = {"module": module, "file": str(file.resolve()) if file is not None else None}
    with remote.talking(as_json=as_json):
        answer = remote.ask(root, "load", args, timeout=timeout)
    if as_json:
        remote.print_json(answer)
        return
    console = Console(highlight=False, soft_wrap=True)
    console.print(
        f"loaded [bold]{escape(module)}[/] {escape(str(answer.get('vsn')))} "
        f"from {escape(str(answer.get('path')))}"
    )
    killed = answer.get("killed") or []
    console.print(f"  killed: {escape(', '.join(killed)) if killed else 'none'}")
