"""``relup ps``: the node's processes and the code version each one runs."""

from __future__ import annotations

from rich.console import Console

from relup.cli import remote
from relup.cli.render import processes_table


def ps(
    root: remote.RootOption = None,
    as_json: remote.JsonOption = False,
    timeout: remote.TimeoutOption = remote.DEFAULT_TIMEOUT,
) -> None:
    """List the node's processes: pid, registered name, module, code, status, queue.

    The code column names each module version the process runs: its
    version (__vsn__, else md5: and the start of the source's digest) and
    "old" when it is no longer the current one (a purge of that module
    would kill the process). "hand" marks processes running a module loaded
    by hand (relup load). queue is the number of messages waiting.

    Exit status: 0, or 3 no node runs at the root, 4 the node did not answer
    in time.

    Example: relup ps --root /srv/shop
    """
    root = remote.need_root(root)
    with remote.talking(as_json=as_json):
        answer = remote.ask(root, "ps", timeout=timeout)
    if as_json:
        remote.print_json(answer)
        return
    Console(highlight=False, soft_wrap=True).print(processes_table(answer))
