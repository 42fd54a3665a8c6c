"""``relup permanent``: make a release the one the node boots."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from relup.cli import remote


def permanent(
    vsn: remote.ReleaseArgument,
    root: remote.RootOption = None,
    as_json: remote.JsonOption = False,
    timeout: remote.TimeoutOption = remote.DEFAULT_TIMEOUT,
) -> None:
    """Make release VSN permanent: the release a restart of the node boots.

    Use it once an installed release has proved itself; until then a restart
    (or a crash) of the node brings back the previous permanent release. The
    previous permanent release becomes old. Modules an install left with old
    code and a brutal_purge are purged now, killing the processes still running
    that code.

    Exit status: 0 done, 1 refused (unknown release, or not installed), 3 no
    node runs at the root, 4 the node did not answer in time.

    Example: relup permanent 2.0.0 --root /srv/shop
    """
    root = remote.need_root(root)
    with remote.talking(as_json=as_json):
        answer = remote.ask(root, "permanent", {"vsn": vsn}, timeout=timeout)
    if as_json:
        remote.print_json(answer)
        return
    Console(highlight=False, soft_wrap=True).print(
        f"release [bold]{escape(vsn)}[/] is permanent: a restart of the node boots it"
    )
