"""Drafting appups from a release difference (the library half of ``relup appup``).

A draft is for a person to review, so every instruction comes with a ``%%`` comment
saying which rule chose it and from what evidence. The rules, per module of an
application whose version changed (``M``; OLD's version ``V0``):

================  ===========================================  ============================
module            up (from V0)                                 down (to V0)
================  ===========================================  ============================
added             ``{add_module, M[, Deps]}``                  ``{delete_module, M}``
removed           ``{delete_module, M}``                       ``{add_module, M[, Deps]}``
plain, changed    ``{load_module, M[, Deps]}``                 the same
gen_server with   ``{update, M, {advanced, []}[, Deps]}``      the same: NEW's code_change
code_change, or                                                runs with ``("down", V0)``
state changed
other gen_server  ``{update, M, soft[, Deps]}``                the same
supervisor        ``{update, M, supervisor}``                  the same
================  ===========================================  ============================

``Deps`` (DepMods) are the modules ``M`` imports (in either version) that this same
appup also handles: the generator then orders their loading around ``M``; a module
that changes in no instruction cannot be named (OTP's ``undef_module``). A
supervisor whose child ids changed (constant ids, a registered name, not
``simple_one_for_one``) also gets ``supervisor:terminate_child``/``delete_child``
before its update and ``restart_child`` after it, because re-reading ``init`` adds
new children without starting them and keeps children it no longer lists.

Up, instructions come in this order: added modules, plain loads, gen_server updates,
supervisor updates, deleted modules; down mirrors it. An application added to or
removed from the release gets no appup line: OTP puts ``add_application`` and
``remove_application`` in the relup from the release files (spec §3.2), and a
duplicate in an appup would load its modules twice. Each draft says so in its header.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from relup.check.diff import AppDiff, Direction, ModuleDiff, ReleaseDiff
from relup.terms import Atom, Term, format_term

_WIDTH = 92
_ADVANCED: Term = (Atom("advanced"), [])


@dataclass(frozen=True, slots=True)
class DraftLine:
    """One appup instruction and the comment lines printed above it."""

    term: Term
    comment: tuple[str, ...] = ()


@dataclass(frozen=True)
class AppupDraft:
    """The drafted appup of one application: both sections, a header and what is left to do."""

    app: AppDiff
    up: tuple[DraftLine, ...]
    down: tuple[DraftLine, ...]
    header: tuple[str, ...] = ()
    todos: tuple[str, ...] = ()

    @property
    def vsn(self) -> str:
        assert self.app.new_vsn is not None
        return self.app.new_vsn

    @property
    def old_vsn(self) -> str:
        assert self.app.old_vsn is not None
        return self.app.old_vsn

    @property
    def path(self) -> str:
        """Where the appup goes in NEW's tree: ``lib/<app>-<vsn>/<app>.appup``."""
        assert self.app.appup_path is not None
        return self.app.appup_path

    @property
    def term(self) -> Term:
        return (
            self.vsn,
            [(self.old_vsn, [line.term for line in self.up])],
            [(self.old_vsn, [line.term for line in self.down])],
        )

    def text(self) -> str:
        """The appup file: header comments, then the term, one instruction per line."""
        out = [*_comment(self.header, ""), *_comment(tuple(f"TODO: {t}" for t in self.todos), "")]
        key = format_term(self.old_vsn)
        out.append(f"{{{format_term(self.vsn)},")
        for i, lines in enumerate((self.up, self.down)):
            out.append(f" [{{{key},")
            out.append("   [")
            for n, line in enumerate(lines):
                out.extend(_comment(line.comment, "    "))
                comma = "," if n < len(lines) - 1 else ""
                out.append(f"    {format_term(line.term)}{comma}")
            out.append("   ]}]" + ("," if i == 0 else "}."))
        return "\n".join(out) + "\n"


def _comment(lines: Sequence[str], indent: str) -> list[str]:
    out: list[str] = []
    for line in lines:
        if not line:
            out.append(f"{indent}%%")
            continue
        wrapped = textwrap.wrap(
            line, _WIDTH - len(indent) - 3, subsequent_indent="  ", break_on_hyphens=False
        )
        out.extend(f"{indent}%% {w}" for w in wrapped)
    return out


# ------------------------------------------------------------------------- the rules


def dep_mods(app: AppDiff, module: ModuleDiff) -> tuple[str, ...]:
    """The modules `module` imports that this appup also handles, in app.toml order."""
    handled = {m.name for m in app.modules}
    deps = module.imports & handled - {module.name}
    return tuple(dict.fromkeys(m for m in app.listed_modules if m in deps))


def _with_deps(term: tuple[Term, ...], deps: tuple[str, ...]) -> Term:
    return (*term, [Atom(d) for d in deps]) if deps else term


def uses_code_change(module: ModuleDiff) -> bool:
    """Whether the draft updates `module` with {advanced, []} (it has processes and needs it)."""
    return module.kind == "gen_server" and (
        module.has_code_change or module.state_change is not None
    )


def instruction_for(app: AppDiff, module: ModuleDiff, direction: Direction) -> Term:
    """The instruction the rules choose for `module` in `direction` (without child applies)."""
    m = Atom(module.name)
    deps = dep_mods(app, module)
    if module.change != "changed":
        if module.arrives(direction):
            return _with_deps((Atom("add_module"), m), deps)
        return (Atom("delete_module"), m)
    if module.kind == "supervisor":
        return (Atom("update"), m, Atom("supervisor"))
    if module.kind == "gen_server":
        change = _ADVANCED if uses_code_change(module) else Atom("soft")
        return _with_deps((Atom("update"), m, change), deps)
    return _with_deps((Atom("load_module"), m), deps)


def _group(module: ModuleDiff, direction: Direction) -> int:
    """Position of `module`'s instruction: adds, loads, updates, supervisors, deletes."""
    if module.change != "changed":
        return 0 if module.arrives(direction) else 4
    return {"plain": 1, "gen_server": 2, "supervisor": 3}[module.kind]


def _why(app: AppDiff, module: ModuleDiff, direction: Direction) -> list[str]:
    """The comment for `module`'s instruction in `direction`."""
    name, info = module.name, module.info
    evidence = "; ".join(info.evidence)
    new_vsn, old_vsn = app.new_vsn, app.old_vsn
    lines: list[str] = []
    if module.change != "changed":
        vsn = app.vsn_after(direction)
        if module.arrives(direction):
            lines.append(
                f"{name} is in {app.name} {vsn} only ({module.kind}): add_module loads it."
            )
        else:
            lines.append(
                f"{name} is not in {app.name} {vsn}: delete_module removes it (a process "
                "still running its code is killed when the old code is purged)."
            )
    elif module.kind == "supervisor":
        lines.append(
            f"{name}: supervisor ({evidence}). {{update, {name}, supervisor}} re-runs its init "
            "and gives running children their new specs; no child is started or stopped."
        )
    elif module.kind == "gen_server":
        lines.append(f"{name}: gen_server ({evidence}); its code changed.")
        if module.state_change is not None:
            lines.append(
                f"Its state looks different (heuristic, {module.state_change.describe()})."
            )
        if uses_code_change(module) and direction == "up":
            lines.append(
                "Processes are suspended, the new code loaded, and code_change"
                f'("{old_vsn}", state, []) converts their state before they resume.'
            )
        elif uses_code_change(module):
            lines.append(
                f"Processes are suspended and {app.name} {new_vsn}'s code_change"
                f'(("down", "{old_vsn}"), state, []) converts their state back before the old '
                "code loads."
            )
        else:
            lines.append(
                "No code_change and no state change seen: a soft update suspends its "
                "processes while the code is swapped. If its state did change, write "
                "code_change and use {advanced, []}."
            )
    else:
        role = "the application's start module" if name == app.start_module else "plain module"
        lines.append(
            f"{name}: {role} ({evidence}); its code changed: load_module swaps it in, "
            "suspending nothing."
        )
    return lines


def _child_applies(
    app: AppDiff, module: ModuleDiff, direction: Direction
) -> tuple[list[DraftLine], list[DraftLine], list[str]]:
    """Lines before and after a supervisor's update for children it gains or loses; TODOs."""
    old, new = module.old, module.new
    if module.kind != "supervisor" or old is None or new is None:
        return [], [], []
    old_ids, new_ids = old.facts.child_ids, new.facts.child_ids
    if old_ids is None or new_ids is None:
        return [], [], []
    gained = [i for i in new_ids if i not in old_ids]
    lost = [i for i in old_ids if i not in new_ids]
    if direction == "down":
        gained, lost = lost, gained
    if not (gained or lost):
        return [], [], []
    name = new.registered_as
    if name is None or "simple_one_for_one" in (old.facts.strategy, new.facts.strategy):
        todo = (
            f"{module.name}'s children changed ({', '.join(gained + lost)}): start new ones with "
            "{apply, {supervisor, restart_child, [<its registered name>, Id]}} after its "
            "update, and stop gone ones with terminate_child and delete_child before it."
        )
        return [], [], [todo]
    sup = Atom(name)

    def apply(function: str, child: str) -> Term:
        return (Atom("apply"), (Atom("supervisor"), Atom(function), [sup, Atom(child)]))

    before: list[DraftLine] = []
    for child in lost:
        before.append(
            DraftLine(
                apply("terminate_child", child),
                (
                    f"{child} is not a child of {module.name} in {app.name} "
                    f"{app.vsn_after(direction)}: stop it and delete "
                    "its spec first (re-reading init keeps children it no longer lists).",
                ),
            )
        )
        before.append(DraftLine(apply("delete_child", child)))
    after = [
        DraftLine(
            apply("restart_child", child),
            (f"{child} is a new child of {module.name}: the update added its spec; start it.",),
        )
        for child in gained
    ]
    return before, after, []


def _script(app: AppDiff, direction: Direction) -> tuple[list[DraftLine], list[str]]:
    order = {m: i for i, m in enumerate(app.listed_modules)}
    modules = sorted(
        app.modules, key=lambda m: (_group(m, direction), order.get(m.name, len(order)))
    )
    lines: list[DraftLine] = []
    todos: list[str] = []
    for module in modules:
        before, after, child_todos = _child_applies(app, module, direction)
        todos.extend(child_todos)
        lines.extend(before)
        term = instruction_for(app, module, direction)
        why = _why(app, module, direction)
        deps = dep_mods(app, module)
        if isinstance(term, tuple) and term[-1] == [Atom(d) for d in deps] and deps:
            why.append(
                f"DepMods {', '.join(deps)}: {module.name} imports "
                f"{'it' if len(deps) == 1 else 'them'} and this appup changes "
                f"{'it' if len(deps) == 1 else 'them'} too: the generator orders the loading."
            )
        lines.append(DraftLine(term, tuple(why)))
        lines.extend(after)
    return lines, todos


def _code_change_todos(app: AppDiff) -> list[str]:
    return [
        f"{m.name}'s state looks different (heuristic, {m.state_change.describe()}) but "
        f"{m.name}.py defines no code_change: write code_change(old_vsn, state, extra) "
        f'converting up from "{app.old_vsn}" and down to ("down", "{app.old_vsn}"), or '
        "relup check fails with no-code-change."
        for m in app.modules
        if m.kind == "gen_server" and m.state_change is not None and not m.has_code_change
    ]


def release_notes(diff: ReleaseDiff) -> list[str]:
    """What changes outside the appups, for the header of every draft."""
    notes: list[str] = []
    for a in diff.apps_that("added"):
        assert a.new is not None
        notes.append(
            f"{a.name} {a.new_vsn} joins the release: the generator adds "
            f"{{add_application,{a.name},{a.new.type}}} to the relup on the way up (its modules "
            f"are loaded, then it is started as {a.new.type}) and {{remove_application,{a.name}}} "
            "on the way down. No appup line is needed."
        )
    for a in diff.apps_that("removed"):
        assert a.old is not None
        notes.append(
            f"{a.name} {a.old_vsn} leaves the release: the generator adds "
            f"{{remove_application,{a.name}}} on the way up (it is stopped and its modules "
            f"removed) and {{add_application,{a.name},{a.old.type}}} on the way down. No appup "
            "line is needed."
        )
    for a in diff.apps_that("changed"):
        if not a.version_changed:
            what = ", ".join(m.name for m in a.modules) or "app.toml"
            notes.append(
                f"WARNING: {a.name} is {a.new_vsn} in both releases but its files differ "
                f"({what}). The generator reads no appup for it and the node would keep the "
                "old code: give it a new version."
            )
    return notes


def draft_appup(diff: ReleaseDiff, app: AppDiff) -> AppupDraft:
    """The drafted appup of `app`, an application whose version changed."""
    up, up_todos = _script(app, "up")
    down, down_todos = _script(app, "down")
    header = [
        f"{app.name} {app.new_vsn}: up from and down to {app.name} {app.old_vsn} (releases "
        f"{diff.old.vsn} <-> {diff.new.vsn}).",
        "Drafted by relup appup from the sources, which were parsed, not imported or run: "
        "review every line. Module kinds are heuristics (relup/check/classify.py).",
    ]
    if not app.modules:
        header.append(
            f"No module of {app.name} changed; the appup is still needed because its version did."
        )
    notes = release_notes(diff)
    if notes:
        header += ["", "Outside this appup (spec §3.2):", *(f"- {n}" for n in notes)]
    todos = tuple(dict.fromkeys([*_code_change_todos(app), *up_todos, *down_todos]))
    return AppupDraft(app, tuple(up), tuple(down), tuple(header), todos)


def draft_appups(diff: ReleaseDiff, only: str | None = None) -> list[AppupDraft]:
    """A draft for every application whose version changed (or only for `only`)."""
    return [draft_appup(diff, a) for a in diff.upgraded if only is None or a.name == only]
