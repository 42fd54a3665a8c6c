"""The ``relup`` command line: thin commands over the library; errors rendered in one place.

This package is the only one that imports typer and rich.
"""

from __future__ import annotations

from importlib.metadata import version

import typer

from relup.cli import appup as appup_command
from relup.cli import call as call_command
from relup.cli import cast as cast_command
from relup.cli import check as check_command
from relup.cli import demo as demo_command
from relup.cli import downgrade as downgrade_command
from relup.cli import generate, node
from relup.cli import init as init_command
from relup.cli import install as install_command
from relup.cli import load as load_command
from relup.cli import pack as pack_command
from relup.cli import permanent as permanent_command
from relup.cli import ps as ps_command
from relup.cli import purge as purge_command
from relup.cli import releases as releases_command
from relup.cli import remove as remove_command
from relup.cli import unpack as unpack_command

app = typer.Typer(
    name="relup",
    help="Erlang/OTP-style hot release upgrades for Python services.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
app.command(name="demo")(demo_command.demo)
app.command(name="generate")(generate.generate)
app.command(name="pack")(pack_command.pack)
app.command(name="init")(init_command.init)
app.command(name="check")(check_command.check)
app.command(name="appup")(appup_command.appup)
app.add_typer(node.app, name="node")

#: The operator commands, grouped in --help, in the order an upgrade uses them.
OPERATE = "Operate a running node (--root DIR or RELUP_ROOT)"
for command in (
    unpack_command.unpack,
    install_command.install,
    permanent_command.permanent,
    downgrade_command.downgrade,
    remove_command.remove,
    releases_command.releases,
    ps_command.ps,
    call_command.call,
    cast_command.cast,
    load_command.load,
    purge_command.purge,
):
    app.command(name=command.__name__, rich_help_panel=OPERATE)(command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"relup {version('relup')}")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show relup's version and exit."
    ),
) -> None:
    """Erlang/OTP-style hot release upgrades for Python services."""


def main() -> None:
    """Entry point of the ``relup`` console script."""
    app()
