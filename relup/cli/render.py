"""rich renderables for plans and a running node; the library's objects never import rich."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from relup.plan import Plan
from relup.plan.summary import summarize
from relup.spec.vsn_order import vsn_key


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


# ---------------------------------------------------------------------- a running node
# What the operator commands show. Each function takes the node's JSON answer
# (docs/operations.md lists the shapes) and returns a renderable; nothing here talks
# to the node.

#: How each release status is shown.
STATUS_STYLE = {"permanent": "bold green", "current": "bold cyan", "old": "dim", "unpacked": ""}


def duration(seconds: float) -> str:
    """Seconds for people: ``420 µs``, ``3.5 ms``, ``1.25 s``."""
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def short_vsn(vsn: str | None) -> str:
    """A module version for a table: ``__vsn__`` as is, a source digest cut to 8 digits."""
    if vsn is None:
        return "-"
    return vsn[:12] if vsn.startswith("md5:") else vsn


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "es" if what.endswith("s") else "s")


def releases_table(answer: Mapping[str, Any]) -> RenderableType:
    """``relup releases``: one row per release, highest version first; ``*`` marks the running one.

    Versions are ordered for people here (``relup.spec.vsn_order``: PEP 440 where
    they parse, a natural order otherwise); the node itself never orders them.
    """
    running = answer.get("running")
    installing = answer.get("installing")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("", "version", "status", "python", "applications"):
        table.add_column(column, no_wrap=column != "applications")
    rows = list(answer.get("releases", []))
    rows.sort(key=lambda r: vsn_key(str(r["vsn"])), reverse=True)
    for r in rows:
        status = str(r["status"])
        table.add_row(
            "*" if r["vsn"] == running else "",
            f"{r['name']} {r['vsn']}",
            Text(status, style=STATUS_STYLE.get(status, "")),
            str(r.get("python") or "-"),
            ", ".join(r.get("applications", [])),
        )
    notes: list[RenderableType] = [table]
    if running is None:
        notes.append(Text("the node runs no release"))
    else:
        notes.append(Text(f"* the release the node runs ({running})"))
    if installing:
        notes.append(Text(f"an install of {installing} is in progress", style="yellow"))
    for module, path in sorted((answer.get("hand_loaded") or {}).items()):
        notes.append(Text(f"hand-loaded: {module} from {path}", style="yellow"))
    return Group(*notes)


def processes_table(answer: Mapping[str, Any]) -> RenderableType:
    """``relup ps``: one row per process, with the module versions its code runs.

    The code column gives the version of the process's own module alone, and the
    module's name too for any other module the process runs.
    """
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("pid", "name", "module", "code", "status", "queue", "hand"):
        table.add_column(
            column, justify="right" if column == "queue" else "left", no_wrap=column == "code"
        )
    processes = answer.get("processes", [])
    on_old = hand = 0
    for p in processes:
        code = Text()
        old = False
        for i, v in enumerate(p.get("versions", [])):
            if i:
                code.append("\n")
            own = v["module"] == p.get("module")  # the module column names it already
            code.append(
                short_vsn(v.get("vsn")) if own else f"{v['module']} {short_vsn(v.get('vsn'))}"
            )
            if v.get("which") == "old":
                code.append(" old", style="bold yellow")
                old = True
        on_old += old
        hand += bool(p.get("hand_loaded"))
        table.add_row(
            str(p["pid"]),
            p.get("name") or "-",
            p.get("module") or "-",
            code if code.plain else Text("-"),
            str(p.get("status", "-")),
            str(p.get("queue", 0)),
            Text("yes", style="bold yellow") if p.get("hand_loaded") else Text(""),
        )
    footer = (
        f"{_count(len(processes), 'process')}; {on_old} on old code; "
        f"{hand} running hand-loaded code"
    )
    return Group(table, Text(footer))


# Install phases, in the order an install goes through them; "check" is the
# command's own `check` request, the others are reported by the node.
PHASES: tuple[tuple[str, str], ...] = (
    ("check", "check"),
    ("load_object_code", "load object code"),
    ("point_of_no_return", "point of no return"),
    ("suspend", "suspend"),
    ("load", "load"),
    ("code_change", "code_change"),
    ("resume", "resume"),
    ("purge", "purge"),
)
_KNOWN = {name for name, _ in PHASES}
_MARK = {
    "done": Text("✓", style="green"),
    "pending": Text("·", style="dim"),
    "skipped": Text("–", style="dim"),
    "failed": Text("✗", style="bold red"),
    "not reached": Text("·", style="dim"),
    "error": Text("!", style="bold red"),
}


def _modules(events: list[Mapping[str, Any]], key: str) -> str:
    names: list[str] = []
    for e in events:
        value = e["detail"].get(key)
        names.extend(value if isinstance(value, list) else [value] if value else [])
    return f"{_count(len(names), 'module')}: {', '.join(names)}" if names else "no module"


def _phase_detail(name: str, events: list[Mapping[str, Any]]) -> str:
    last = events[-1]["detail"]
    if name == "load_object_code":
        return _modules(events, "modules")
    if name == "load":
        return _modules(events, "module")
    if name in ("suspend", "resume"):
        return _count(int(last.get("processes", 0)), "process")
    if name == "code_change":
        total = sum(int(e["detail"].get("processes", 0)) for e in events)
        return _count(total, "process") + " migrated"
    if name == "purge":
        unpurged = last.get("unpurged") or []
        text = f"killed {last.get('killed', 0)}"
        return text + (f"; old code still in use: {', '.join(unpurged)}" if unpurged else "")
    if name == "rollback":
        return (
            "everything undone; " + _count(int(last.get("processes", 0)), "process") + (" resumed")
        )
    if name == "failed":
        return str(last.get("error", ""))
    return ", ".join(f"{k}={v}" for k, v in last.items())


@dataclass(frozen=True)
class PhaseRow:
    """One line of the install's progress: state, phase, what it did, when."""

    state: str  # done, running, pending, skipped, failed, not reached, error
    label: str
    detail: str
    at: str


def phase_rows(
    phases: Sequence[Mapping[str, Any]],
    *,
    check: str,
    check_seconds: float,
    finished: bool = False,
    failed: bool = False,
    failure: str = "",
) -> list[PhaseRow]:
    """The progress lines for the phases reported so far.

    A phase is reported when it ends, so the first known phase not yet reported
    is the one running; once the install is over, the phases it never reported
    were not in its relup (or, if it failed, not reached).
    """
    seen: dict[str, list[Mapping[str, Any]]] = {"check": [{"phase": "check", "detail": {}}]}
    extra: list[Mapping[str, Any]] = []
    for p in phases:
        if p["phase"] in _KNOWN:
            seen.setdefault(p["phase"], []).append(p)
        else:
            extra.append(p)
    if failed and not phases:
        return [
            PhaseRow("done", "check", check, duration(check_seconds)),
            PhaseRow(
                "failed", "install", failure or "refused, or failed before its first phase", ""
            ),
        ]
    last_seen = max(i for i, (name, _) in enumerate(PHASES) if name in seen)
    rows: list[PhaseRow] = []
    current_marked = False
    for i, (name, label) in enumerate(PHASES):
        if name == "check":
            rows.append(PhaseRow("done", label, check, duration(check_seconds)))
        elif name in seen:
            events = seen[name]
            at = f"+{duration(float(events[-1].get('at', 0.0)))}"
            detail = "" if name == "point_of_no_return" else _phase_detail(name, events)
            rows.append(PhaseRow("done", label, detail, at))
        elif i < last_seen:
            rows.append(PhaseRow("skipped", label, "not in this relup", ""))
        elif failed and not current_marked:
            rows.append(PhaseRow("failed", label, failure, ""))
            current_marked = True
        elif failed:
            rows.append(PhaseRow("not reached", label, "", ""))
        elif finished:
            rows.append(PhaseRow("skipped", label, "not in this relup", ""))
        elif not current_marked:
            rows.append(PhaseRow("running", label, "", ""))
            current_marked = True
        else:
            rows.append(PhaseRow("pending", label, "", ""))
    for p in extra:
        name = str(p["phase"])
        state = "error" if name in ("rollback", "failed") else "done"
        at = f"+{duration(float(p.get('at', 0.0)))}"
        rows.append(PhaseRow(state, name, _phase_detail(name, [p]), at))
    return rows


class InstallProgress:
    """The live view of an install: the phases reported so far, a spinner on the running one.

    :meth:`update` takes what the node's ``install_progress`` reported; :meth:`finish`
    the install's own list of phases (complete) once it answered; :meth:`fail` marks
    the phase that did not complete, with ``failure`` as its detail.
    """

    def __init__(self, title: str, *, check: str, check_seconds: float) -> None:
        self.title = title
        self.check = check
        self.check_seconds = check_seconds
        self.phases: list[Mapping[str, Any]] = []
        self.finished = False
        self.failed = False
        self.failure = ""
        self._spinner = Spinner("dots", style="cyan")

    def update(self, phases: Sequence[Mapping[str, Any]]) -> None:
        self.phases = list(phases)

    def finish(self, phases: Sequence[Mapping[str, Any]]) -> None:
        self.phases = list(phases)
        self.finished = True

    def fail(self, failure: str = "") -> None:
        self.finished = True
        self.failed = True
        self.failure = failure

    def rows(self) -> list[PhaseRow]:
        return phase_rows(
            self.phases,
            check=self.check,
            check_seconds=self.check_seconds,
            finished=self.finished,
            failed=self.failed,
            failure=self.failure,
        )

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text(self.title, style="bold")
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=1)
        grid.add_column(no_wrap=True)
        grid.add_column()
        grid.add_column(justify="right", no_wrap=True)
        for row in self.rows():
            mark: RenderableType = (
                self._spinner if row.state == "running" else _MARK.get(row.state, Text(" "))
            )
            label = Text(row.label, style="dim" if row.state in ("pending", "skipped") else "")
            detail = Text(row.detail, style="dim" if row.state == "skipped" else "")
            grid.add_row(mark, label, detail, Text(row.at, style="dim"))
        yield grid


def _direction(direction: str, previous: str | None) -> str:
    return f"{direction} from {previous}" if previous else direction


def install_summary(result: Mapping[str, Any], *, total: float | None = None) -> RenderableType:
    """What an install did: processes upgraded, the longest suspension, the time it took."""
    vsn = result["vsn"]
    verb = "upgraded" if result.get("direction") == "up" else "downgraded"
    head = Text.assemble(
        ("installed ", ""),
        (str(vsn), "bold"),
        f": {verb} from {result.get('previous')} in {duration(float(result['duration']))}",
    )
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row(
        "processes",
        f"{result.get('upgraded', 0)} upgraded by code_change, "
        f"{result.get('suspended', 0)} suspended",
    )
    grid.add_row("longest suspension", duration(float(result.get("longest_suspension", 0.0))))
    took = f"{duration(float(result['duration']))} on the node"
    if total is not None:
        took += f", {duration(total)} with the check"
    grid.add_row("total time", took)
    killed = result.get("killed") or []
    grid.add_row("killed", Text(", ".join(killed), style="yellow") if killed else Text("none"))
    unpurged = result.get("unpurged") or {}
    if unpurged:
        grid.add_row(
            "old code in use",
            ", ".join(f"{m} ({how})" for m, how in sorted(unpurged.items()))
            + " — relup ps shows who runs it",
        )
    changed = result.get("config_changed") or []
    if changed:
        grid.add_row("config_change", ", ".join(changed))
    if result.get("permanent"):
        grid.add_row("permanent", f"yes: a restart of the node boots {vsn}")
    else:
        grid.add_row(
            "permanent",
            f"no: until relup permanent {vsn}, a restart of the node boots the permanent release",
        )
    return Group(head, grid)


def install_plan(plan: Mapping[str, Any], *, check: str | None = None) -> RenderableType:
    """``install --dry-run``: what the install would do on the live node, which is unchanged."""
    parts: list[RenderableType] = [
        Text.assemble(
            ("dry run: ", "bold"),
            f"install {plan['vsn']} ({_direction(plan['direction'], plan.get('previous'))}); "
            "nothing was changed",
        )
    ]
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    if check is not None:
        grid.add_row("check", f"passed: {check}")
    modules = plan.get("modules") or []
    grid.add_row("modules loaded", f"{len(modules)}: {', '.join(modules)}" if modules else "none")
    suspend = plan.get("suspend") or []
    grid.add_row("processes suspended", str(len(suspend)))
    grid.add_row("estimated pause", duration(float(plan.get("estimated_pause", 0.0))))
    would_kill = plan.get("would_kill") or []
    grid.add_row("a purge would kill", str(len(would_kill)) if would_kill else "nobody")
    parts.append(grid)
    if suspend:
        table = Table(title="suspended", title_justify="left", box=box.SIMPLE_HEAD)
        for column in ("pid", "name", "module"):
            table.add_column(column)
        for s in suspend:
            table.add_row(str(s["pid"]), s.get("name") or "-", str(s.get("module") or "-"))
        parts.append(table)
    if would_kill:
        table = Table(title="killed by a purge", title_justify="left", box=box.SIMPLE_HEAD)
        for column in ("pid", "name", "why"):
            table.add_column(column)
        for k in would_kill:
            table.add_row(str(k["pid"]), k.get("name") or "-", str(k.get("why", "")))
        parts.append(table)
    instructions = plan.get("instructions") or []
    parts.append(Text(f"instructions ({len(instructions)}):", style="bold"))
    for i, text in enumerate(instructions, 1):
        parts.append(Text(f"{i:>4}  {text}"))
    return Group(*parts)
