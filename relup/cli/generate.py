"""``relup generate``: appups in, the relup OTP's systools:make_relup writes out."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from relup.cli.diagnostics import reporting
from relup.cli.render import plan_summary
from relup.plan import Base, OtpTree, Plan, PlannedEntry, make_relup
from relup.plan.summary import summarize
from relup.terms import format_term

DEFAULT_PATH = "lib/*/ebin"


def _rel_ref(value: str) -> str:
    return value[:-4] if value.endswith(".rel") else value


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the whole new one."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
            help="The release to generate the relup for: its .rel file, with or without "
            "the .rel suffix (e.g. releases/2.0 or releases/2.0.rel).",
            show_default=False,
        ),
    ],
    up_from: Annotated[
        list[str] | None,
        typer.Option(
            "--up-from",
            help="A release (.rel) that NEW can be upgraded from. Repeat for several.",
            show_default=False,
        ),
    ] = None,
    down_to: Annotated[
        list[str] | None,
        typer.Option(
            "--down-to",
            help="A release (.rel) that NEW can be downgraded to. Repeat for several.",
            show_default=False,
        ),
    ] = None,
    path: Annotated[
        list[str] | None,
        typer.Option(
            "--path",
            help="Directory (globs allowed, * is one directory level) searched for "
            "<app>.app and <app>.appup files. Repeat for several; searched in order. "
            f"Default: {DEFAULT_PATH}",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path,
        typer.Option("-o", "--output", help="Where to write the relup file."),
    ] = Path("relup"),
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

    Reads the .rel files of NEW and of each --up-from/--down-to release, the .app
    file of every application version they name, and the .appup of every
    application whose version changes, and writes the relup exactly as OTP's
    systools:make_relup would. Nothing is written if anything is wrong (exit 1).
    """
    console = Console(highlight=False, soft_wrap=True)
    with reporting():
        plan = make_relup(
            OtpTree(path or [DEFAULT_PATH]),
            _rel_ref(new),
            [Base(_rel_ref(b)) for b in up_from or []],
            [Base(_rel_ref(b)) for b in down_to or []],
            restart_emulator=restart_emulator,
            warnings_as_errors=warnings_as_errors,
        )
        text = plan.relup.to_text()
        if not dry_run:
            write_atomic(output, text)
    if as_json:
        console.file.write(json.dumps(plan_json(plan), indent=2) + "\n")
    elif dry_run:
        console.file.write(text)
    else:
        console.print(plan_summary(plan, str(output)))
