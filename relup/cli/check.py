"""``relup check``: the CI step that stops a broken upgrade before it ships.

Thin: :func:`relup.check.run.run_check` does the work and returns a report; this
module renders it (text with rich, ``--json``, ``--junit FILE``) and turns
``report.passed`` into the exit status. The checks, the finding codes and how to
fix each are in docs/ci.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from relup.check.diff import AppDiff, ModuleDiff, ReleaseDiff
from relup.check.errors import CheckError
from relup.check.findings import CheckResult, Report
from relup.check.report import junit_xml, report_json
from relup.check.run import run_check
from relup.cli import exit_codes
from relup.cli.diagnostics import reporting
from relup.release.store import write_atomic

_MARK = {"passed": ("PASS", "green"), "failed": ("FAIL", "bold red"), "skipped": ("SKIP", "yellow")}


def _module_text(m: ModuleDiff) -> str:
    details: list[str] = [m.kind]
    if m.kind == "gen_server" and m.change == "changed":
        details.append("code_change" if m.has_code_change else "no code_change")
        if m.state_change is not None:
            details.append("state changed")
    return f"{m.name} ({', '.join(details)})"


def _app_row(a: AppDiff) -> tuple[str, str]:
    if a.change == "added":
        return f"{a.name} {a.new_vsn}", "joins the release (the generator adds it)"
    if a.change == "removed":
        return f"{a.name} {a.old_vsn}", "leaves the release (the generator removes it)"
    head = f"{a.name} {a.old_vsn} -> {a.new_vsn}"
    parts = [
        f"{change}: {', '.join(_module_text(m) for m in a.modules_that(change))}"
        for change in ("added", "removed", "changed")
        if a.modules_that(change)
    ]
    return head, "; ".join(parts) or "no module changed"


def diff_table(diff: ReleaseDiff) -> RenderableType:
    """One row per application that differs: what happens to it and to its modules."""
    if not diff.apps:
        return Text("  no application differs")
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 2))
    table.add_column(no_wrap=True)
    table.add_column()
    for a in diff.apps:
        table.add_row(*_app_row(a))
    return table


def _check_lines(c: CheckResult) -> list[RenderableType]:
    mark, style = _MARK[c.status]
    line = Text("  ")
    line.append(mark, style=style)
    line.append(f"  {c.name:<22} ")
    if c.status == "skipped":
        line.append(f"skipped: {c.skipped}")
    elif c.findings:
        n = len(c.errors)
        line.append(f"{n} finding{'s' if n != 1 else ''}" if n else "passed with warnings")
    else:
        line.append(c.description, style="dim")
    lines: list[RenderableType] = [line]
    for f in c.findings:
        where = " ".join(p for p in (f.app, f.module, f.direction) if p)
        item = Text("        ")
        item.append(f.code, style="red" if f.severity == "error" else "yellow")
        if f.severity == "warning":
            item.append(" (warning)")
        if where:
            item.append(f" [{where}]")
        item.append(f": {f.message}")
        lines.append(item)
    for step in c.steps:
        timed = Text("        ")
        timed.append(f"{step.seconds:7.3f} s", style="cyan")
        timed.append(f"  {step.name}")
        if step.detail:
            timed.append(f": {step.detail}", style="dim")
        lines.append(timed)
    return lines


def report_text(report: Report) -> RenderableType:
    """The report for a person: the difference, one line per check with its findings, a verdict."""
    title = Text(f"relup check: {report.old.describe()} -> {report.new.describe()}", style="bold")
    parts: list[RenderableType] = [title]
    if report.diff is not None:
        parts += [Text("changes"), diff_table(report.diff)]
    parts.append(Text("checks"))
    for c in report.checks:
        parts.extend(_check_lines(c))
    failed = [c.name for c in report.checks if c.status == "failed"]
    skipped = [c.name for c in report.checks if c.status == "skipped"]
    verdict = (
        Text(f"FAILED: {', '.join(failed)}", style="bold red")
        if failed
        else Text("PASSED", style="bold green")
    )
    if skipped:
        verdict.append(f" (not run: {', '.join(skipped)})", style="yellow")
    parts.append(verdict)
    return Group(*parts)


def check(
    old: Annotated[
        str,
        typer.Argument(
            help="The release running now (the last one shipped): its directory "
            "releases/<vsn>, its release.toml, or its package <name>-<vsn>.tar.gz.",
            show_default=False,
        ),
    ],
    new: Annotated[
        str,
        typer.Argument(
            help="The release to ship, named the same ways; its appups are the ones checked.",
            show_default=False,
        ),
    ],
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the report as JSON instead of text."),
    ] = False,
    junit: Annotated[
        Path | None,
        typer.Option(
            "--junit",
            metavar="FILE",
            help="Also write the report as JUnit XML to FILE: one test case per check, "
            "for CI test reporters.",
            show_default=False,
        ),
    ] = None,
    rehearse: Annotated[
        bool | None,
        typer.Option(
            "--rehearse/--no-rehearse",
            help="Rehearse the upgrade on a throwaway node (check c): boot OLD, install NEW, "
            "OLD and NEW again under traffic from the release's exercise function, and "
            "compare gen_server states before and after the downgrade. Default: rehearse "
            "when it can run here, else report it skipped. --rehearse fails the run if it "
            "cannot rehearse; --no-rehearse skips it.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check that NEW can be installed over OLD and back: the CI step.

    (a) coverage: every module whose source changed is in its application's
    appup, up and down; added and removed modules are added and deleted;
    gen_servers whose state changes shape run code_change; the down entries
    mirror the up entries; the appup's version is the application's. (b) the
    relup generates (up from and down to OLD; nothing is written). (c) the
    rehearsal: a throwaway node, started on OLD in a temporary directory,
    installs NEW, OLD and NEW again while the release's exercise function
    (release.toml: exercise = "module:function") drives traffic; every install
    and every call must succeed, and each gen_server's state after the upgrade
    and the downgrade must be its state before. Each step is timed.

    (a) and (b) read modules, never import them; only the rehearsal runs them,
    in the node's own process. Exit status: 0 when no check failed (a skipped
    check does not fail the run, and is shown as skipped), 1 when a check
    failed or OLD/NEW cannot be read, 2 for bad usage.

    Example: relup check dist/shop-1.0.0.tar.gz releases/2.0.0 --junit relup-check.xml
    """
    console = Console(highlight=False, soft_wrap=True)
    with reporting():
        report = run_check(old, new, rehearse=rehearse)
        if junit is not None:
            try:
                write_atomic(junit, junit_xml(report))
            except OSError as e:
                raise CheckError(
                    f"cannot write the JUnit report {junit}: {e.strerror or e}",
                    "give --junit a path in an existing, writable directory",
                ) from None
    if as_json:
        console.file.write(json.dumps(report_json(report), indent=2) + "\n")
    else:
        console.print(report_text(report))
    raise typer.Exit(exit_codes.OK if report.passed else exit_codes.FAILED)
