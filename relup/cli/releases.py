"""``relup releases``: the releases of the node's root, with the one it runs marked."""

from __future__ import annotations

from rich.console import Console

from relup.cli import remote
from relup.cli.render import releases_table


def releases(
    root: remote.RootOption = None,
    as_json: remote.JsonOption = False,
    timeout: remote.TimeoutOption = remote.DEFAULT_TIMEOUT,
) -> None:
    """List the releases of the root, newest first: version, status, Python, applications.

    Statuses: permanent (what the node boots), current (installed and
    running, not yet permanent), unpacked (ready to install), old (was
    permanent once; an install can go back to it). A * marks the release the
    node runs. Modules loaded by hand (relup load) are listed below.

    Exit status: 0, or 3 no node runs at the root, 4 the node did not answer
    in time.

    Example: relup releases --root /srv/shop
    """
    root = remote.need_root(root)
    with remote.talking(as_json=as_json):
        answer = remote.ask(root, "releases", timeout=timeout)
    if as_json:
        remote.print_json(answer)
        return
    Console(highlight=False, soft_wrap=True).print(releases_table(answer))
