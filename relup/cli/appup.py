"""``relup appup``: draft the appups for what changed between two releases, for review.

Thin: :func:`relup.check.diff.diff_releases` finds what changed and
:mod:`relup.check.draft` chooses the instructions (its docstring has the rules).
This module prints the drafts, or writes them with ``--write`` into NEW's tree,
never over an existing appup unless ``--force`` is given.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from relup.check.diff import diff_releases
from relup.check.draft import AppupDraft, draft_appups, release_notes
from relup.check.errors import CheckError
from relup.check.inputs import OpenedRelease, open_release
from relup.cli.diagnostics import reporting
from relup.plan import PythonTree
from relup.plan.release import Release
from relup.release.store import write_atomic


def _preamble(old: Release, new: Release, drafts: list[AppupDraft], notes: list[str]) -> str:
    lines = [f"%% relup appup: releases {old.name} {old.vsn} -> {new.name} {new.vsn}"]
    if not drafts:
        lines.append("%% No application changes version: there is no appup to draft.")
        lines += [f"%% {n}" for n in notes]
    return "\n".join(lines) + "\n"


def _write(drafts: list[AppupDraft], new: OpenedRelease, force: bool) -> list[str]:
    if new.package is not None:
        raise CheckError(
            f"--write writes into NEW's release tree, but NEW is the package {new.origin}",
            "name NEW by its directory releases/<vsn> in the tree you build the package from",
        )
    existing = [d.path for d in drafts if os.path.exists(d.path)]
    if existing and not force:
        raise CheckError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}; "
            "nothing was written",
            "compare it with the draft printed by relup appup OLD NEW, or pass --force to "
            "replace it",
        )
    for d in drafts:
        write_atomic(Path(d.path), d.text().encode("utf-8"))
    return [d.path for d in drafts]


def appup(
    old: Annotated[
        str,
        typer.Argument(
            help="The release to upgrade from: its directory releases/<vsn>, its "
            "release.toml, or its package <name>-<vsn>.tar.gz.",
            show_default=False,
        ),
    ],
    new: Annotated[
        str,
        typer.Argument(
            help="The release to upgrade to, named the same ways (a directory for --write).",
            show_default=False,
        ),
    ],
    app: Annotated[
        str | None,
        typer.Option(
            "--app",
            help="Draft only this application's appup.",
            show_default=False,
        ),
    ] = None,
    write: Annotated[
        bool,
        typer.Option(
            "--write",
            help="Also write each draft to lib/<app>-<vsn>/<app>.appup in NEW's tree "
            "(refused if one exists, unless --force).",
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="With --write: replace appups that already exist."),
    ] = False,
) -> None:
    """Draft the appup of every application whose version changes from OLD to NEW.

    Modules are read, never imported, and classified: gen_servers (init +
    handle_call/handle_cast/handle_info) are updated, with {advanced, []} when
    they define code_change or their state changes shape; supervisors get
    {update, M, supervisor}; plain modules load_module; new and removed
    modules add_module and delete_module. The down entry mirrors the up entry.
    Every line comes with a %% comment saying why: review it, then check it
    with relup check OLD NEW.

    Applications that join or leave the release need no appup: the generator
    adds and removes them from the release files (each draft's header says so).

    Example: relup appup releases/1.0.0 releases/2.0.0 --write
    """
    with reporting(), open_release(old) as o, open_release(new) as n:
        source = PythonTree()
        old_release, new_release = source.read_release(o.ref), source.read_release(n.ref)
        diff = diff_releases(old_release, new_release)
        drafts = draft_appups(diff, only=app)
        if app is not None and not drafts:
            changed = ", ".join(a.name for a in diff.upgraded) or "none"
            raise CheckError(
                f"{app} is not an application whose version changes from {old_release.vsn} "
                f"to {new_release.vsn}",
                f"applications that change version: {changed}",
            )
        written = _write(drafts, n, force) if write else []
        out = [_preamble(old_release, new_release, drafts, release_notes(diff))]
        for d in drafts:
            out.append(f"\n%% ==> {n.show(d.path)}\n{d.text()}")
    sys.stdout.write("".join(out))
    for path in written:
        typer.echo(f"wrote {path}", err=True)
