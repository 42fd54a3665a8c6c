"""``relup remove``: delete a release the node neither runs nor boots."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from relup.cli import remote


def remove(
    vsn: remote.ReleaseArgument,
    root: remote.RootOption = None,
    as_json: remote.JsonOption = False,
    timeout: remote.TimeoutOption = remote.DEFAULT_TIMEOUT,
) -> None:
    """Remove release VSN from the root: its files and the lib directories only it used.

    The permanent release and the running one are refused: install or make
    another one permanent first. A removed release can come back with
    relup unpack.

    Exit status: 0 removed, 1 refused, 3 no node runs at the root, 4 the node
    did not answer in time.

    Example: relup remove 1.0.0 --root /srv/shop
    """
    root = remote.need_root(root)
    with remote.talking(as_json=as_json):
        answer = remote.ask(root, "remove", {"vsn": vsn}, timeout=timeout)
    if as_json:
        remote.print_json(answer)
        return
    Console(highlight=False, soft_wrap=True).print(f"removed release [bold]{escape(vsn)}[/]")
