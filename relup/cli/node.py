"""``relup node start|stop|status|ping``: the node of a release root, as a service.

Thin commands over :mod:`relup.service`; errors are rendered, and their exit status
chosen, by :mod:`relup.cli.diagnostics` (see :mod:`relup.cli.exit_codes`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from relup import service
from relup.cli import remote
from relup.cli.diagnostics import reporting
from relup.control import RemoteError
from relup.release.ops import WATCH_VAR

app = typer.Typer(
    name="node",
    help="Start, stop and query the node of a release root (one node per root).\n\n"
    "Every command takes --root DIR, or the RELUP_ROOT environment variable. "
    "A first session: relup node start --root ./my-root, then relup node status, "
    "relup node ping and relup node stop with the same --root. "
    "Exit status: 0 done, 1 refused or failed, 2 usage, 3 no node runs at the root, "
    "4 the node did not answer in time.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

# Not remote.RootOption and remote.JsonOption: here the node need not be running, and
# errors are not repeated as JSON on stdout.
RootOption = Annotated[
    Path | None,
    typer.Option(
        "--root",
        envvar="RELUP_ROOT",
        help="The release root directory whose node to manage (or set RELUP_ROOT).",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the result as one JSON object, for scripts.")
]


def _duration(seconds: float) -> str:
    s = int(seconds)
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    if days:
        return f"{days}d {hours:02d}h {minutes:02d}m"
    if hours:
        return f"{hours}h {minutes:02d}m {s:02d}s"
    if minutes:
        return f"{minutes}m {s:02d}s"
    return f"{seconds:.1f}s"


def status_table(status: dict[str, Any]) -> Table:
    """The status of a node as a two-column table."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    registered = status.get("registered") or []
    apps = status.get("applications") or []
    tcp = status.get("tcp")
    rows = [
        ("name", str(status.get("name"))),
        ("pid", str(status.get("pid"))),
        ("root", str(status.get("root"))),
        (
            "uptime",
            f"{_duration(float(status.get('uptime', 0)))} (since {status.get('started_at')})",
        ),
        ("restarts", str(status.get("restarts", 0))),
        (
            "processes",
            f"{status.get('processes')} ({len(registered)} registered"
            + (f": {', '.join(registered[:8])}" if registered else "")
            + (", ..." if len(registered) > 8 else "")
            + ")",
        ),
        (
            "applications",
            ", ".join(f"{a['name']} {a['vsn']}" for a in apps) if apps else "none",
        ),
        ("control socket", str(status.get("socket"))),
        ("tcp", f"{tcp['host']}:{tcp['port']}" if tcp else "off"),
        ("versions", f"python {status.get('python')}, relup {status.get('relup')}"),
    ]
    if "release" in status:
        hand = status.get("hand_loaded") or {}
        rows.insert(4, ("release", str(status.get("release"))))
        rows.insert(
            5,
            (
                "loaded by hand",
                ", ".join(f"{m} ({p})" for m, p in sorted(hand.items())) if hand else "none",
            ),
        )
    for key, value in rows:
        table.add_row(key, escape(value))
    return table


def _release_status(root: Path, timeout: float) -> dict[str, Any]:
    """The running release and the modules loaded by hand, if the node has a handler."""
    try:
        answer = remote.ask(root, "releases", timeout=timeout)
    except RemoteError:  # a node booted without the release handler
        return {}
    return {"release": answer.get("running"), "hand_loaded": answer.get("hand_loaded", {})}


@app.command()
def start(
    root: RootOption = None,
    name: Annotated[
        str | None,
        typer.Option("--name", help="The node's name (default: the root directory's name)."),
    ] = None,
    foreground: Annotated[
        bool,
        typer.Option(
            "--foreground",
            help="Run the node in this terminal, logging to stdout too; Ctrl-C stops it.",
        ),
    ] = False,
    tcp: Annotated[
        int | None,
        typer.Option(
            "--tcp",
            metavar="PORT",
            min=0,
            max=65535,
            help="Also listen on 127.0.0.1:PORT (0: any free port), for other nodes and tools; "
            "every connection must still prove the root's cookie.",
            show_default=False,
        ),
    ] = None,
    wait: Annotated[
        float,
        typer.Option("--wait", min=0.1, help="Seconds to wait for the node to answer."),
    ] = service.launcher.DEFAULT_WAIT,
    boot: Annotated[
        str,
        typer.Option(
            "--boot",
            metavar="MODULE:CALLABLE",
            help="The boot hook the node calls as boot(node, root) before it accepts requests.",
        ),
    ] = service.daemon.DEFAULT_BOOT,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="Development loop: reload a module when its file changes (gen_servers "
            "pick it up at their next message; never kills: a reload that would is "
            "skipped and logged). Reloaded modules count as loaded by hand.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Start the node of a release root, in the background unless --foreground.

    The node writes its pid to ROOT/run/node.pid, listens on
    ROOT/run/control.sock (mode 0600) and logs to ROOT/log/node.log. The
    first start creates ROOT/cookie, the secret that every command proves
    to the node. Exit status 1 if a node already runs there or if the node
    fails to start (its log is shown).
    """
    root = remote.need_root(root)
    if watch:  # the node (this process, or the one it spawns) inherits it
        os.environ[WATCH_VAR] = "1"
    with reporting():
        status = service.start(
            root, name=name, tcp_port=tcp, foreground=foreground, wait=wait, boot=boot
        )
    if foreground:
        raise typer.Exit(status["exit_status"])
    if as_json:
        remote.print_json(status)
        return
    console = Console(highlight=False, soft_wrap=True)
    console.print(
        f"node [bold]{escape(status['name'])}[/] started: pid {status['pid']}, "
        f"root {escape(status['root'])}"
    )
    console.print(f"  control socket  {escape(status['socket'])}")
    if status.get("tcp"):
        console.print(f"  tcp             {status['tcp']['host']}:{status['tcp']['port']}")
    console.print(f"  log             {escape(str(Path(status['root']) / 'log' / 'node.log'))}")


@app.command()
def stop(root: RootOption = None, timeout: remote.TimeoutOption = remote.DEFAULT_TIMEOUT) -> None:
    """Stop the node gracefully and wait until its process is gone.

    Requests in progress finish, applications stop (last started first),
    the socket and the pid file are removed. Exit status 3 if no node runs
    there.
    """
    root = remote.need_root(root)
    with reporting():
        pid = service.stop(root, timeout=timeout)
    typer.echo(f"node at {root} stopped (pid {pid})")


@app.command()
def status(
    root: RootOption = None,
    as_json: JsonOption = False,
    timeout: remote.TimeoutOption = remote.DEFAULT_TIMEOUT,
) -> None:
    """Show the running node: pid, name, uptime, processes, applications.

    Exit status 3 if no node runs there, 4 if it does not answer in time.
    """
    root = remote.need_root(root)
    with reporting():
        result = service.status(root, timeout=timeout)
        result.update(_release_status(root, timeout))
    if as_json:
        remote.print_json(result)
    else:
        Console(highlight=False, soft_wrap=True).print(status_table(result))


@app.command()
def ping(
    root: RootOption = None,
    as_json: JsonOption = False,
    timeout: remote.TimeoutOption = remote.DEFAULT_TIMEOUT,
) -> None:
    """Check that the node answers: connect, prove the cookie, round trip.

    Exit status 0 if it answers, 3 if no node runs there, 4 if it does not
    answer in time.
    """
    root = remote.need_root(root)
    with reporting():
        seconds = service.ping(root, timeout=timeout)
    if as_json:
        remote.print_json({"pong": True, "seconds": seconds})
    else:
        typer.echo(f"pong from the node at {root} in {seconds * 1000:.1f} ms")
