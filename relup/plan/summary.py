"""A short account of a planned relup entry, for people and for JSON."""

from __future__ import annotations

from dataclasses import dataclass

from relup.plan import instructions as ins
from relup.plan.collect import PlannedEntry
from relup.terms import format_term


@dataclass(frozen=True)
class EntrySummary:
    """What one entry does: its applications, modules, suspensions and restarts."""

    direction: str
    vsn: str
    applications: tuple[str, ...]
    loaded: tuple[str, ...]
    removed: tuple[str, ...]
    suspended: tuple[str, ...]
    code_changed: tuple[str, ...]
    restart: str | None  # "restart_new_emulator", "restart_emulator" or None
    instructions: int

    def to_json(self) -> dict[str, object]:
        return {
            "direction": self.direction,
            "vsn": self.vsn,
            "applications": list(self.applications),
            "loaded": list(self.loaded),
            "removed": list(self.removed),
            "suspended": list(self.suspended),
            "code_changed": list(self.code_changed),
            "restart": self.restart,
            "instructions": self.instructions,
        }


def summarize(entry: PlannedEntry) -> EntrySummary:
    apps: list[str] = []
    loaded: list[str] = []
    removed: list[str] = []
    suspended: list[str] = []
    changed: list[str] = []
    restart: str | None = None
    for i in entry.instructions:
        if isinstance(i, ins.LoadObjectCode):
            apps.append(f"{i.lib} {i.lib_vsn}")
        elif isinstance(i, ins.Load):
            loaded.append(i.module)
        elif isinstance(i, ins.Remove):
            removed.append(i.module)
        elif isinstance(i, ins.Suspend):
            suspended += [m for m in i.names if m not in suspended]
        elif isinstance(i, ins.CodeChange):
            changed += [m for m, _ in i.modules if m not in changed]
        elif isinstance(i, ins.Apply) and i.module == "application" and i.args:
            first = i.args[0] if isinstance(i.args, list) else None
            label = f"{format_term(first)} ({i.function})" if first is not None else ""
            if first is not None and label not in apps:
                apps.append(label)
        elif i in (ins.RESTART_NEW_EMULATOR, ins.RESTART_EMULATOR) and restart is None:
            assert isinstance(i, ins.Bare)
            restart = i.name
    return EntrySummary(
        direction=entry.direction,
        vsn=entry.release.vsn,
        applications=tuple(apps),
        loaded=tuple(loaded),
        removed=tuple(removed),
        suspended=tuple(suspended),
        code_changed=tuple(changed),
        restart=restart,
        instructions=len(entry.instructions),
    )
