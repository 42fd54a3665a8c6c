"""rich renderables for plans; the library's objects never import rich themselves."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from relup.plan import Plan
from relup.plan.summary import summarize


def _list(items: tuple[str, ...], limit: int = 8) -> str:
    if not items:
        return "-"
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def plan_summary(plan: Plan, written_to: str | None) -> RenderableType:
    """One table row per up-from/down-to release, then the warnings."""
    table = Table(title=f"relup for {plan.top.name} {plan.top.vsn}", title_justify="left")
    for column in ("", "release", "applications", "modules", "suspended", "restart"):
        table.add_column(column)
    for entry in (*plan.up, *plan.down):
        s = summarize(entry)
        arrow = "up from" if s.direction == "up" else "down to"
        modules = s.loaded + tuple(m for m in s.removed if m not in s.loaded)
        table.add_row(
            arrow,
            s.vsn,
            _list(s.applications, 4),
            _list(modules),
            _list(s.suspended),
            s.restart or "no",
        )
    parts: list[RenderableType] = [table]
    for w in plan.warnings:
        parts.append(Text(f"warning: {w.describe()}", style="yellow"))
    if written_to:
        parts.append(Text(f"wrote {written_to}"))
    if not plan.up and not plan.down:
        parts.append(Text("no --up-from or --down-to release given: the relup is empty"))
    return Group(*parts)
