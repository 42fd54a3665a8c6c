"""``relup generate``: appups in, the relup OTP's systools:make_relup writes out.

The front end is chosen by looking at NEW
(:func:`relup.plan.python_tree.choose_source`): a Python release (its directory
or its ``release.toml``) or an OTP ``.rel`` file; one relup never mixes the two.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from relup.cli.diagnostics import reporting
from relup.cli.render import plan_summary
from relup.plan import Base, Plan, PlannedEntry, PythonTree, make_relup
from relup.plan.python_tree import choose_source, relup_path
from relup.plan.summary import summarize
from relup.release.store import write_atomic
from relup.terms import format_term

DEFAULT_PATH = "lib/*/ebin"


def plan_json(plan: Plan) -> dict[str, object]:
    def entry(e: PlannedEntry) -> dict[str, object]:
        return {
            "vsn": e.release.vsn,
            "description": format_term(e.description),
            "summary": summarize(e).to_json(),
            "instructions": [format_term(i.to_term()) for i in e.instructions],
        }

    return {
        "vsn": plan.top.vsn,
        "up": [entry(e) for e in plan.up],
        "down": [entry(e) for e in plan.down],
        "warnings": [
            {"term": format_term(w.to_term()), "message": w.describe()} for w in plan.warnings
        ],
    }


def generate(
    new: Annotated[
        str,
        typer.Argument(
            help="The release to generate the relup for. An OTP release: its .rel file, "
            "with or without the .rel suffix (e.g. releases/2.0 or releases/2.0.rel). A "
            "Python release: its directory releases/<vsn> or its release.toml.",
            show_default=False,
        ),
    ],
    up_from: Annotated[
        list[str] | None,
        typer.Option(
            "--up-from",
            help="A release that NEW can be upgraded from, named as NEW is (both OTP or "
            "both Python). Repeat for several.",
            show_default=False,
        ),
    ] = None,
    down_to: Annotated[
        list[str] | None,
        typer.Option(
            "--down-to",
            help="A release that NEW can be downgraded to, named as NEW is (both OTP or "
            "both Python). Repeat for several.",
            show_default=False,
        ),
    ] = None,
    path: Annotated[
        list[str] | None,
        typer.Option(
            "--path",
            help="OTP releases only: directory (globs allowed, * is one directory level) "
            "searched for <app>.app and <app>.appup files. Repeat for several; searched in "
            f"order. Default: {DEFAULT_PATH}",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Where to write the relup file. Default: ./relup for an OTP release; "
            "releases/<vsn>/relup beside release.toml for a Python release (where "
            "packaging and the release handler look for it).",
            show_default=False,
        ),
    ] = None,
    restart_emulator: Annotated[
        bool,
        typer.Option(
            "--restart-emulator",
            help="End every script with restart_emulator: restart the node after the "
            "upgrade (systools' restart_emulator option).",
        ),
    ] = False,
    warnings_as_errors: Annotated[
        bool,
        typer.Option(
            "--warnings-as-errors",
            help="Fail, writing nothing, if there are warnings (systools' warnings_as_errors).",
        ),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print the plan as JSON (with each instruction as Erlang term text) "
            "instead of the summary.",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print the relup term on stdout; write no file."),
    ] = False,
) -> None:
    """Generate a relup: the low-level upgrade and downgrade plan for release NEW.

    Reads the release file of NEW and of each --up-from/--down-to release, the
    metadata of every application version they name, and the .appup of every
    application whose version changes, and writes the relup exactly as OTP's
    systools:make_relup would. Nothing is written if anything is wrong (exit 1).

    OTP releases: .rel files, with .app and .appup files found on --path.
    Python releases (NEW is releases/<vsn> or its release.toml): release.toml,
    lib/<app>-<vsn>/app.toml and lib/<app>-<vsn>/<app>.appup of the same tree
    (docs/release-format.md); a change of the Python version between two
    releases restarts the node, as an erts change does for OTP.
    """
    console = Console(highlight=False, soft_wrap=True)
    with reporting():
        ups, downs = up_from or [], down_to or []
        source, new_ref, refs = choose_source(new, [*ups, *downs], path, DEFAULT_PATH)
        plan = make_relup(
            source,
            new_ref,
            [Base(b) for b in refs[: len(ups)]],
            [Base(b) for b in refs[len(ups) :]],
            restart_emulator=restart_emulator,
            warnings_as_errors=warnings_as_errors,
        )
        text = plan.relup.to_text()
        if output is None:
            output = Path(relup_path(plan.top) if isinstance(source, PythonTree) else "relup")
        if not dry_run:
            write_atomic(output, text.encode("utf-8"))
    if as_json:
        console.file.write(json.dumps(plan_json(plan), indent=2) + "\n")
    elif dry_run:
        console.file.write(text)
    else:
        console.print(plan_summary(plan, str(output)))
