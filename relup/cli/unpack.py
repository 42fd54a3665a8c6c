"""``relup unpack``: hand a release package to the running node, which unpacks it.

The node reads the package from this machine's file system, so the path is made
absolute here (the node's working directory is not the caller's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from relup.cli import remote


def unpack(
    package: Annotated[
        Path,
        typer.Argument(
            metavar="PACKAGE",
            help="The release package (<name>-<vsn>.tar.gz, made by relup pack).",
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ],
    root: remote.RootOption = None,
    as_json: remote.JsonOption = False,
    timeout: remote.TimeoutOption = 60.0,
) -> None:
    """Unpack a release package into the node's release root; the release becomes unpacked.

    The node checks the whole package first (checksums, only files under
    releases/<vsn>/ and lib/<app>-<vsn>/) and writes nothing if it is refused;
    the running release is not touched. Next step: relup install VSN.

    Exit status: 0 unpacked, 1 refused (damaged package, release already in
    the root, ...), 2 usage (no such file), 3 no node runs at the root, 4 the
    node did not answer in time.

    Example: relup unpack dist/shop-2.0.0.tar.gz --root /srv/shop
    """
    root = remote.need_root(root)
    path = package.resolve()
    with remote.talking(as_json=as_json):
        answer = remote.ask(root, "unpack", {"package": str(path)}, timeout=timeout)
    if as_json:
        remote.print_json(answer)
        return
    vsn = str(answer.get("vsn"))
    console = Console(highlight=False, soft_wrap=True)
    console.print(f"unpacked release [bold]{escape(vsn)}[/] from {escape(str(path))}")
    console.print(f"  next: relup install {escape(vsn)} --root {escape(str(root))}")
