"""``relup pack``: a release tree in, a checked ``<name>-<vsn>.tar.gz`` out.

The command only parses arguments, calls :func:`relup.release.package.pack` and
shows what the package holds; every refusal is a RelupError rendered by
:mod:`relup.cli.diagnostics`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from relup.cli.diagnostics import reporting
from relup.release.package import Package, verify_package
from relup.release.package import pack as build_package


def package_json(package: Package) -> dict[str, object]:
    """What ``--json`` prints: the package file, its release, applications and digest."""
    return {
        "package": str(package.path),
        "name": package.name,
        "vsn": package.vsn,
        "python": package.manifest.python,
        "applications": [f"{a.name}-{a.vsn}" for a in package.manifest.apps],
        "files": len(package.files),
        "bytes": package.path.stat().st_size,
        "sha256": package.sha256,
    }


def pack(
    tree: Annotated[
        Path,
        typer.Argument(
            help="The release tree: the directory that holds releases/VSN/release.toml "
            "and lib/<app>-<vsn>/ for each application the release names.",
            show_default=False,
        ),
    ],
    vsn: Annotated[
        str,
        typer.Argument(
            help="The version of the release to pack: a directory name under TREE/releases/.",
            show_default=False,
        ),
    ],
    out_dir: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output-dir",
            help="Directory to write the package into (created if missing).",
        ),
    ] = Path("."),
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the package's path, release and SHA-256 as JSON."),
    ] = False,
) -> None:
    """Build a release package: release VSN of TREE and every application it needs.

    Writes <name>-VSN.tar.gz holding releases/VSN/release.toml, releases/VSN/relup
    (if the tree has one), every lib/<app>-<vsn>/ the release names, and
    releases/VSN/SHA256SUMS listing the SHA-256 of every other file. The same tree
    always gives the same bytes. Nothing is written if a manifest does not read or
    an application directory is missing (exit 1).

    Example: relup pack . 1.0.0 -o dist/
    then:    relup init /srv/shop dist/shop-1.0.0.tar.gz
    """
    console = Console(highlight=False, soft_wrap=True)
    with reporting():
        package = verify_package(build_package(tree, vsn, out_dir))
    if as_json:
        console.file.write(json.dumps(package_json(package), indent=2) + "\n")
        return
    apps = ", ".join(f"{a.name}-{a.vsn}" for a in package.manifest.apps)
    console.print(
        f"packed {escape(package.name)} {escape(package.vsn)} into {escape(str(package.path))}"
    )
    console.print(f"  applications: {escape(apps)}")
    console.print(f"  {len(package.files)} files, sha256 {package.sha256}")
