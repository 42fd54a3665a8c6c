"""RelupError -> a short message on stderr and an exit status; only the CLI renders errors.

A diagnostic is one ``error:`` line naming the file, thing and value at fault,
optionally followed by one ``hint:`` line. Tracebacks are for bugs only.

The exit status of an error is decided here and nowhere else (:func:`exit_status`):
the channel's "no node" and "no answer" have their own (:data:`EXIT_STATUS`), every
other RelupError exits with :data:`relup.cli.exit_codes.FAILED`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from relup.cli import exit_codes
from relup.control.errors import ControlTimeout, NodeNotRunning
from relup.errors import RelupError

stderr = Console(stderr=True, highlight=False, soft_wrap=True)

#: Errors with their own exit status; every other RelupError exits with FAILED.
EXIT_STATUS: dict[type[RelupError], int] = {
    NodeNotRunning: exit_codes.NODE_NOT_RUNNING,
    ControlTimeout: exit_codes.NO_ANSWER,
}


def exit_status(error: RelupError) -> int:
    """The exit status the command ends with when ``error`` stops it."""
    return next(
        (code for kind, code in EXIT_STATUS.items() if isinstance(error, kind)),
        exit_codes.FAILED,
    )


def render(error: RelupError) -> list[str]:
    """The lines shown for `error` (without markup), for tests and for the console."""
    lines = [f"error: {error}"]
    reason = getattr(error, "reason", None)
    hint = getattr(reason, "hint", None)
    if hint:
        lines.append(f"hint: {hint}")
    return lines


@contextmanager
def reporting() -> Iterator[None]:
    """Turn a RelupError raised inside into a diagnostic and its exit status."""
    try:
        yield
    except RelupError as error:
        first, *rest = render(error)
        stderr.print(f"[bold red]error:[/] {escape(first.removeprefix('error: '))}")
        for line in rest:
            stderr.print(f"[cyan]hint:[/] {escape(line.removeprefix('hint: '))}")
        raise typer.Exit(exit_status(error)) from None
