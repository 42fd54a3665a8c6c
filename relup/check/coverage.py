"""Check (a): do NEW's appups cover what changed between OLD and NEW?

The generator takes appups on trust: an appup that forgets a changed module makes a
relup that leaves the old code running, and one that loads a gen_server whose state
changed shape without ``code_change`` makes a node that crashes on its next call.
This module compares each appup with :mod:`relup.check.diff`'s difference. Per
application whose version changed (``V0`` -> ``V1``), with the appup read exactly as
the generator reads it and the entries chosen by the generator's version matching:

* **appups**: ``lib/<app>-V1/<app>.appup`` exists and reads; its version is ``V1``;
  it has an up and a down entry matching ``V0``; no appup adds or removes an
  application that the release files already add or remove. An application of the
  same version in both releases must have the same files.
* **changed-modules**: a new or changed module parses as Python (a module that does
  not is ``unparsable-module``); every module whose source differs is named, in each entry,
  by an instruction that loads it (``update``, ``load_module``, ``add_module`` or a
  low-level ``load``); a changed supervisor loaded without ``{update, M,
  supervisor}`` is a warning.
* **added-removed-modules**: a module new in V1 is added going up and deleted going
  down; a module gone from V1 is deleted going up and added going down.
* **state-changes**: a gen_server whose state looks different
  (:func:`relup.check.classify.state_change`, a heuristic) is updated with
  ``{advanced, _}`` in each entry, and V1's module defines ``code_change``.
* **down-mirrors-up**: every module handled in one entry is handled in the other,
  and one whose state is converted going up (``{advanced, _}``) is converted going
  down too.

``{restart_application, App}`` reloads every module of the application, so an entry
holding it covers every module. Instructions that do not type (a malformed appup)
are reported as ``bad-appup`` and otherwise ignored; the generator (check (b))
reports them with OTP's reason too. Every finding names the file and says what to
write, using :func:`relup.check.draft.instruction_for` for the instruction.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from relup.check.diff import AppDiff, Direction, ModuleDiff, ReleaseDiff, module_path
from relup.check.draft import instruction_for
from relup.check.findings import Finding
from relup.plan import instructions as ins
from relup.plan.reasons import PlanError
from relup.plan.release import Application
from relup.plan.script import expand_one, typed
from relup.spec.appup import Appup
from relup.spec.versions import VersionPatternError
from relup.terms import Term, format_term, is_list

#: Instructions that load a module's code (add_module becomes load_module, spec §3.3).
_LOADS = (ins.Update, ins.LoadModule, ins.AddModule, ins.Load)
_DELETES = (ins.DeleteModule, ins.Remove)
_WITH_MODULE = (*_LOADS, *_DELETES)


@dataclass
class _Entry:
    """One appup entry, typed: module -> (written term, instruction) in script order."""

    direction: Direction
    modules: dict[str, list[tuple[Term, ins.Instruction]]] = field(default_factory=dict)
    applications: list[tuple[Term, str]] = field(default_factory=list)
    restarts_app: bool = False

    def ops(self, module: str) -> list[tuple[Term, ins.Instruction]]:
        return self.modules.get(module, [])

    def has(self, module: str, kinds: tuple[type, ...]) -> bool:
        return self.restarts_app or any(isinstance(i, kinds) for _, i in self.ops(module))

    def converts_state(self, module: str) -> bool:
        return self.restarts_app or any(
            isinstance(i, ins.Update) and isinstance(i.change, ins.Advanced)
            for _, i in self.ops(module)
        )


def _written(script: list[Term]) -> list[tuple[Term, Term]]:
    """(as written, as the generator types it): a nested list's elements are spliced in
    without expansion, as OTP does."""
    out: list[tuple[Term, Term]] = []
    for element in script:
        if isinstance(element, list):
            out.extend((e, e) for e in element)
        else:
            out.append((element, expand_one(element)))
    return out


def _module_of(instruction: ins.Instruction) -> str | None:
    return instruction.module if isinstance(instruction, _WITH_MODULE) else None


def _read_entry(
    app: AppDiff, direction: Direction, script: Term, where: str, findings: list[Finding]
) -> _Entry:
    entry = _Entry(direction)
    if not is_list(script):
        findings.append(Finding("bad-appup", f"{where}: the instructions must be a list", app.name))
        return entry
    for written, expanded in _written(script if isinstance(script, list) else []):
        try:
            instruction = typed(expanded)
        except PlanError as e:
            findings.append(
                Finding(
                    "bad-appup", f"{where}: {format_term(written)}: {e}", app.name, None, direction
                )
            )
            continue
        module = _module_of(instruction)
        if module is not None:
            entry.modules.setdefault(module, []).append((written, instruction))
        elif isinstance(instruction, ins.AddApplication | ins.RemoveApplication):
            entry.applications.append((written, instruction.application))
        elif (
            isinstance(instruction, ins.RestartApplication) and instruction.application == app.name
        ):
            entry.restarts_app = True
    return entry


def _appup_findings(
    app: AppDiff, read_appup: Callable[[Application], Appup]
) -> tuple[dict[Direction, _Entry], list[Finding]]:
    """The up and down entries for OLD's version; appups findings on the way."""
    assert app.new is not None and app.old_vsn is not None and app.appup_path is not None
    path, old, new = app.appup_path, app.old_vsn, app.new_vsn
    findings: list[Finding] = []
    if not os.path.isfile(path):
        findings.append(
            Finding(
                "no-appup",
                f"{app.name} changes version ({old} -> {new}) but {path} does not exist: "
                f"write it (relup appup OLD NEW --app {app.name} --write drafts it)",
                app.name,
            )
        )
        return {}, findings
    try:
        appup = read_appup(app.new)
    except PlanError as e:
        hint = getattr(e.reason, "hint", None)
        findings.append(Finding("bad-appup", str(e) + (f" ({hint})" if hint else ""), app.name))
        return {}, findings
    if appup.vsn != new:
        findings.append(
            Finding(
                "appup-version-mismatch",
                f"{path} is the appup of version {format_term(appup.vsn)}, but {app.name} is "
                f'{new}: make its first element "{new}" (the version in app.toml)',
                app.name,
            )
        )
    entries: dict[Direction, _Entry] = {}
    directions: tuple[Direction, ...] = ("up", "down")
    for d in directions:
        try:
            script = appup.script(d, old)
        except VersionPatternError as e:
            findings.append(Finding("bad-appup", f"{path}: {e}", app.name, None, d))
            continue
        if script is None:
            keys = ", ".join(format_term(e.key) for e in (appup.up if d == "up" else appup.down))
            findings.append(
                Finding(
                    f"no-{d}-entry",
                    f"{path} has no {d} entry matching {app.name} {old} (its {d} keys: "
                    f'{keys or "none"}): add {{"{old}", [...]}} to its {d} list'
                    + (" (the second element)" if d == "up" else " (the third element)"),
                    app.name,
                    None,
                    d,
                )
            )
            continue
        entries[d] = _read_entry(app, d, script, f"{path}, {d} entry for {old}", findings)
    return entries, findings


def _instruction(app: AppDiff, module: ModuleDiff, direction: Direction) -> str:
    return format_term(instruction_for(app, module, direction))


def _entry_name(app: AppDiff, direction: Direction) -> str:
    arrow = "up from" if direction == "up" else "down to"
    return f"the {direction} entry ({arrow} {app.old_vsn}) of {app.appup_path}"


def _module_findings(
    app: AppDiff, entries: dict[Direction, _Entry], reported: set[tuple[str, Direction]]
) -> list[Finding]:
    findings: list[Finding] = []

    def missing(code: str, module: ModuleDiff, d: Direction, what: str) -> None:
        reported.add((module.name, d))
        findings.append(
            Finding(
                code,
                f"{module.name} {what}, but {_entry_name(app, d)} does not handle it: add "
                f"{_instruction(app, module, d)}",
                app.name,
                module.name,
                d,
            )
        )

    for module in app.modules:
        error = module.new.facts.syntax_error if module.new is not None else None
        if error is not None:
            assert app.new is not None
            findings.append(
                Finding(
                    "unparsable-module",
                    f"{module_path(app.new, module.name)} is not valid "
                    f"Python ({error}): the node cannot load it; fix it",
                    app.name,
                    module.name,
                )
            )
        for d, entry in entries.items():
            if module.change == "changed":
                if not entry.has(module.name, _LOADS):
                    missing("missing-module", module, d, f"changed ({module.name}.py differs)")
                    continue
                if module.kind == "supervisor" and not entry.converts_state(module.name):
                    written = format_term(entry.ops(module.name)[0][0])
                    findings.append(
                        Finding(
                            "supervisor-not-updated",
                            f"{module.name} is a supervisor ({'; '.join(module.info.evidence)}) "
                            f"and {_entry_name(app, d)} handles it with {written}: its "
                            "running supervisor keeps the old child specs; use "
                            f"{_instruction(app, module, d)}",
                            app.name,
                            module.name,
                            d,
                        )
                    )
                if (
                    module.kind == "gen_server"
                    and module.state_change is not None
                    and not entry.converts_state(module.name)
                ):
                    written = format_term(entry.ops(module.name)[0][0])
                    findings.append(
                        Finding(
                            "no-code-change",
                            f"{module.name}'s state looks different (heuristic, "
                            f"{module.state_change.describe()}), but "
                            f"{_entry_name(app, d)} has {written}, which runs no "
                            f"code_change: use {_instruction(app, module, d)}",
                            app.name,
                            module.name,
                            d,
                        )
                    )
            elif module.arrives(d) and not entry.has(module.name, _LOADS):
                vsn = app.vsn_after(d)
                missing("missing-add-module", module, d, f"is in {app.name} {vsn} only")
            elif not module.arrives(d) and not entry.has(module.name, _DELETES):
                vsn = app.vsn_after(d)
                missing("missing-delete-module", module, d, f"is not in {app.name} {vsn}")
        if (
            module.change == "changed"
            and module.kind == "gen_server"
            and module.state_change is not None
            and not module.has_code_change
            and entries
        ):
            assert app.new is not None
            findings.append(
                Finding(
                    "no-code-change",
                    f"{module.name}'s state looks different (heuristic, "
                    f"{module.state_change.describe()}), but "
                    f"{module_path(app.new, module.name)} defines no "
                    "code_change: write code_change(old_vsn, state, extra) that converts the "
                    f'state up from "{app.old_vsn}" and down to ("down", "{app.old_vsn}")',
                    app.name,
                    module.name,
                )
            )
    return findings


def _mirror(term: Term) -> str:
    """The down counterpart of an up instruction as written (add <-> delete)."""
    text = format_term(term)
    if text.startswith("{add_module,"):
        return "{delete_module," + text.removeprefix("{add_module,")
    if text.startswith("{delete_module,"):
        return "{add_module," + text.removeprefix("{delete_module,")
    return text


def _mirror_findings(
    app: AppDiff, entries: dict[Direction, _Entry], reported: set[tuple[str, Direction]]
) -> list[Finding]:
    up, down = entries.get("up"), entries.get("down")
    if up is None or down is None or up.restarts_app or down.restarts_app:
        return []
    findings: list[Finding] = []
    for here, there in ((up, down), (down, up)):
        for module, ops in here.modules.items():
            if (module, there.direction) in reported:
                continue
            if module not in there.modules:
                findings.append(
                    Finding(
                        "not-mirrored",
                        f"{module} is handled in {_entry_name(app, here.direction)} "
                        f"({format_term(ops[0][0])}) but not in its {there.direction} entry: "
                        f"add {_mirror(ops[0][0])} there",
                        app.name,
                        module,
                        there.direction,
                    )
                )
            elif (
                here.direction == "up"
                and up.converts_state(module)
                and not down.converts_state(module)
            ):
                changed = app.module(module)
                if changed is not None and changed.state_change is not None:
                    continue  # no-code-change already says so
                findings.append(
                    Finding(
                        "not-mirrored",
                        f"{module}'s state is converted going up ({format_term(ops[0][0])}) but "
                        f"not going down ({format_term(down.ops(module)[0][0])}) in "
                        f"{app.appup_path}: use {{advanced, ...}} in the down entry too, so "
                        "code_change converts it back",
                        app.name,
                        module,
                        "down",
                    )
                )
    return findings


def _application_findings(
    diff: ReleaseDiff, app: AppDiff, entries: dict[Direction, _Entry]
) -> list[Finding]:
    moving = {a.name for a in diff.apps if a.change in ("added", "removed")}
    findings = []
    for entry in entries.values():
        for written, name in entry.applications:
            if name in moving:
                findings.append(
                    Finding(
                        "application-in-appup",
                        f"{_entry_name(app, entry.direction)} has {format_term(written)}, but "
                        f"{name} is added to or removed from the release by the release files, "
                        "and the generator already writes that instruction: delete this line",
                        app.name,
                        None,
                        entry.direction,
                    )
                )
    return findings


def check_coverage(diff: ReleaseDiff, read_appup: Callable[[Application], Appup]) -> list[Finding]:
    """Every coverage finding for `diff`, application by application (NEW's boot order)."""
    findings: list[Finding] = []
    for app in diff.apps_that("changed"):
        if not app.version_changed:
            what = ", ".join(f"{m.name}.py" for m in app.modules) or "app.toml"
            assert app.new is not None
            findings.append(
                Finding(
                    "same-version-changed-code",
                    f"{app.name} is version {app.new_vsn} in both releases, but {what} "
                    f"differ: the generator reads no appup for it and the node keeps the old "
                    f"code; give {app.name} a new version (in {app.new.directory}/app.toml, "
                    "the directory name and release.toml)",
                    app.name,
                )
            )
            continue
        entries, appup_findings = _appup_findings(app, read_appup)
        findings.extend(appup_findings)
        if not entries:
            continue
        reported: set[tuple[str, Direction]] = set()
        findings.extend(_application_findings(diff, app, entries))
        findings.extend(_module_findings(app, entries, reported))
        findings.extend(_mirror_findings(app, entries, reported))
    return findings
