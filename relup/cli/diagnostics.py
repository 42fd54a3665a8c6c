"""RelupError -> a short message on stderr and exit status 1; only the CLI renders errors.

A diagnostic is one ``error:`` line naming the file, thing and value at fault,
optionally followed by one ``hint:`` line. Tracebacks are for bugs only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from relup.cli import exit_codes
from relup.errors import RelupError

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


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
    """Turn a RelupError raised inside into a diagnostic and exit status 1."""
    try:
        yield
    except RelupError as error:
        first, *rest = render(error)
        stderr.print(f"[bold red]error:[/] {escape(first.removeprefix('error: '))}")
        for line in rest:
            stderr.print(f"[cyan]hint:[/] {escape(line.removeprefix('hint: '))}")
        raise typer.Exit(exit_codes.FAILED) from None
