"""``relup demo``: watch a live upgrade and downgrade of the sample service, in one command."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from relup.cli import exit_codes
from relup.cli.diagnostics import reporting
from relup.demo import DemoReport, run_demo


def _render(console: Console, report: DemoReport) -> None:
    steps = Table(title="installs (over the control channel)", title_justify="left")
    for column in ("to", "direction", "processes migrated", "install", "longest suspension",
                   "longest client wait"):  # fmt: skip
        steps.add_column(column, justify="right" if column != "direction" else "left")
    for s in report.steps:
        steps.add_row(
            s.vsn,
            s.direction,
            str(s.upgraded),
            f"{s.duration * 1000:.1f} ms",
            f"{s.longest_suspension * 1000:.2f} ms",
            f"{s.client_pause * 1000:.1f} ms",
        )
    console.print(steps)
    clients = Table(title="clients (one TCP connection each)", title_justify="left")
    for column in ("local port", "requests", "lost", "versions seen"):
        clients.add_column(column, justify="right" if column != "versions seen" else "left")
    for c in report.clients:
        seen = " → ".join(c.versions) + (f"  ({c.error})" if c.error else "")
        clients.add_row(str(c.local_port), str(c.requests), str(c.failed), seen)
    console.print(clients)
    total = sum(c.requests for c in report.clients)
    verdict = "[green]no request lost[/]" if report.ok else "[red]requests were lost[/]"
    console.print(
        f"{total} requests served in {report.duration:.1f} s, {verdict}; "
        "the node was stopped and its temporary root removed."
    )


def demo(
    clients: Annotated[
        int, typer.Option("--clients", min=1, max=64, help="How many TCP clients talk.")
    ] = 4,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON instead of tables.")
    ] = False,
) -> None:
    """Upgrade and downgrade a live service while clients talk to it.

    Packs the sample key-value service (sample_releases/kvstore), starts a node on
    1.0.0 in a temporary release root, connects TCP clients, installs 2.0.0 and
    3.0.0 and downgrades back to 1.0.0 while every client keeps its one
    connection. Exit status 0 when no request was lost and every client saw the
    versions 1 → 2 → 3 → 2 → 1; 1 otherwise.
    """
    console = Console(highlight=False)
    with reporting():
        report = run_demo(clients, progress=(lambda _: None) if as_json else console.print)
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        _render(console, report)
    if not report.ok:
        raise typer.Exit(exit_codes.FAILED)
