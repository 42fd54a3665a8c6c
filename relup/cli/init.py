"""``relup init``: create a release root (a target system) from a release package.

Thin: it calls :func:`relup.release.root.init_root` and says what the root boots.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from relup.cli.diagnostics import reporting
from relup.release.root import init_root
from relup.release.store import boot_release


def init(
    root: Annotated[
        Path,
        typer.Argument(
            help="Where to create the release root: a new or empty directory.",
            show_default=False,
        ),
    ],
    package: Annotated[
        Path,
        typer.Argument(
            help="The release package to start from (<name>-<vsn>.tar.gz, made by relup pack).",
            show_default=False,
        ),
    ],
) -> None:
    """Create a release root from a package; its release becomes the permanent one.

    The package is checked in full first: checksums, and only files under
    releases/<vsn>/ and lib/<app>-<vsn>/. Then ROOT gets releases/<vsn>/,
    lib/<app>-<vsn>/ and the state file releases/RELEASES.toml, which records
    the release as permanent: the release a node started on ROOT boots.
    Nothing is written if the package is refused or ROOT is a non-empty
    directory (exit 1).

    Example: relup init /srv/shop dist/shop-1.0.0.tar.gz
    """
    console = Console(highlight=False, soft_wrap=True)
    with reporting():
        created = init_root(root, package)
        entry = boot_release(created.releases())
    console.print(
        f"created release root {escape(str(root))}: "
        f"{escape(entry.name)} {escape(entry.vsn)} is permanent"
    )
    console.print(f"  applications: {escape(', '.join(entry.libs))}")
