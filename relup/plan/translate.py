"""Checked appup scripts in, the low-level script of one relup entry out.

This is the back half of OTP's ``systools_rc`` (spec §3.3 steps 7-12). Rules:

* **Application instructions** are replaced in place: ``add_application`` by an
  ``add_module`` per module of the target application and a start (or load)
  ``apply``; ``remove_application`` by stop, a ``remove`` per module of the
  source application, one ``purge`` and unload; ``restart_application`` by both,
  with the target's start type. Then ``add_module`` becomes ``load_module``.
* **Dependency groups.** update, load_module and delete_module are the dependent
  instructions. Each has one vertex (its module; a second instruction for a
  module is ``muldef_module``, checked over the whole script before any edge),
  and DepMods give edges "M depends on D" (``undef_module`` for a D without an
  instruction). Walking the script from the left, the first member of each weakly
  connected component emits the whole component, lowered, at its position; other
  instructions stay where they are.
* **Order in a group** ("dependency order" L): strongly connected components in
  topological order, a module before the modules it depends on; inside a cycle,
  instruction order. Where the dependency relation leaves two components unordered
  OTP's choice is a hash-table artifact; relup takes the available component
  whose earliest instruction comes first in the script (documented in
  docs/differences-from-otp.md).
* **Lowering** (L in dependency order, U = its updates): ``suspend U``; then on
  upgrade the loads in reverse L order (dependencies first) and one ``code_change
  up`` for the advanced updates; on downgrade a ``code_change down`` for dynamic
  advanced updates, the loads in L order, and a ``code_change down`` for static
  ones; then ``resume`` in reverse. Every ``load`` asks for a ``load_object_code``
  of the first target application listing the module (``no_such_module``).
* **load_object_code merging**: one per library in order of first appearance,
  module lists merged so that a duplicate's last occurrence wins; one library in
  two versions is ``conflicting_versions``.
* **Emulator restarts**: ``restart_new_emulator`` goes first on upgrade and turns
  into a final ``restart_emulator`` on downgrade; at most one ``restart_emulator``,
  always last.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from typing import Literal

from relup.plan import instructions as ins
from relup.plan import reasons as r
from relup.plan.reasons import PlanError
from relup.plan.release import Application
from relup.terms import Atom

Mode = Literal["up", "dn"]
Dependent = ins.Update | ins.LoadModule | ins.DeleteModule


def _start(app: str, start_type: str) -> list[ins.Instruction]:
    if start_type == "none":
        return []
    if start_type == "load":
        return [ins.Apply("application", "load", [Atom(app)])]
    return [ins.Apply("application", "start", [Atom(app), Atom(start_type)])]


def _removal(app: Application) -> list[ins.Instruction]:
    return [
        ins.Apply("application", "stop", [Atom(app.name)]),
        *(ins.Remove(m) for m in app.modules),
        ins.Purge(app.modules),
    ]


def application_instructions(
    after: Sequence[ins.Instruction],
    appls: Sequence[Application],
    pre_appls: Sequence[Application],
) -> list[ins.Instruction]:
    """Step 7 and 8: application instructions replaced in place, add_module as load_module."""
    target = {a.name: a for a in reversed(appls)}
    source = {a.name: a for a in reversed(pre_appls)}
    out: list[ins.Instruction] = []
    for i in after:
        if isinstance(i, ins.AddApplication):
            app = target.get(i.application)
            if app is None:
                raise PlanError(r.NoSuchApplication(i.application))
            out += [ins.AddModule(m) for m in app.modules] + _start(app.name, i.type)
        elif isinstance(i, ins.RemoveApplication):
            if i.application in target:
                raise PlanError(r.RemovedApplicationPresent(i.application))
            old = source.get(i.application)
            if old is None:
                raise PlanError(r.NoSuchApplication(i.application))
            out += [*_removal(old), ins.Apply("application", "unload", [Atom(old.name)])]
        elif isinstance(i, ins.RestartApplication):
            old = source.get(i.application)
            new = target.get(i.application)
            if old is None or new is None:
                raise PlanError(r.NoSuchApplication(i.application))
            out += _removal(old) + [ins.AddModule(m) for m in new.modules]
            out += _start(new.name, new.type)
        else:
            out.append(i)
    return [
        ins.LoadModule(i.module, "brutal_purge", "brutal_purge", i.dep_mods)
        if isinstance(i, ins.AddModule)
        else i
        for i in out
    ]


# --- dependency groups ---------------------------------------------------------------------


class _Graph:
    """The DepMods graph of one script: a vertex per dependent instruction."""

    def __init__(self, dependents: list[Dependent]) -> None:
        self.index: dict[str, int] = {}
        for n, i in enumerate(dependents):
            if i.module in self.index:
                raise PlanError(r.MuldefModule(i.module))
            self.index[i.module] = n
        self.instrs = dependents
        self.edges: list[list[int]] = [[] for _ in dependents]
        self.reverse: list[list[int]] = [[] for _ in dependents]
        for n, i in enumerate(dependents):
            for dep in i.dep_mods:
                target = self.index.get(dep)
                if target is None:
                    raise PlanError(r.UndefModule(dep))
                self.edges[n].append(target)
                self.reverse[target].append(n)

    def components(self) -> list[int]:
        """Weak component id of each vertex (union-find)."""
        parent = list(range(len(self.instrs)))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for a, targets in enumerate(self.edges):
            for b in targets:
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
        return [find(x) for x in range(len(self.instrs))]

    def dependency_order(
        self, members: list[int], tie_rank: Mapping[str, int] | None = None
    ) -> list[int]:
        """Members in dependency order: SCCs topologically, ties by earliest instruction.

        `tie_rank` (module -> rank) overrides the tie rule; tests use it to show that
        OTP's hash-order choice is one of the orders the dependencies allow.
        """

        def key(scc: list[int]) -> tuple[int, int]:
            first = min(scc)
            if tie_rank is None:
                return (0, first)
            return (tie_rank.get(self.instrs[first].module, len(tie_rank)), first)

        sccs = _strong_components(members, self.edges)
        scc_of = {v: k for k, scc in enumerate(sccs) for v in scc}
        waiting = [0] * len(sccs)  # dependents not yet placed
        for k, scc in enumerate(sccs):
            for v in scc:
                for u in self.reverse[v]:
                    if scc_of[u] != k:
                        waiting[k] += 1
        ready = sorted((key(scc), k) for k, scc in enumerate(sccs) if waiting[k] == 0)
        order: list[int] = []
        heapq.heapify(ready)
        while ready:
            _, k = heapq.heappop(ready)
            order += sorted(sccs[k])
            for v in sccs[k]:
                for w in self.edges[v]:
                    j = scc_of[w]
                    if j != k:
                        waiting[j] -= 1
                        if waiting[j] == 0:
                            heapq.heappush(ready, (key(sccs[j]), j))
        return order


def _strong_components(members: list[int], edges: list[list[int]]) -> list[list[int]]:
    """Tarjan's algorithm, iterative so that long DepMods chains cannot overflow the stack."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    result: list[list[int]] = []
    counter = 0
    for root in members:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, pos = work.pop()
            if pos == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack.add(v)
            recurse = False
            for k in range(pos, len(edges[v])):
                w = edges[v][k]
                if w not in index:
                    work.append((v, k + 1))
                    work.append((w, 0))
                    recurse = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if recurse:
                continue
            if low[v] == index[v]:
                scc = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    scc.append(w)
                    if w == v:
                        break
                result.append(scc)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return result


def _lower(
    mode: Mode, group: list[Dependent], lib_of: Mapping[str, Application]
) -> tuple[list[ins.Instruction], list[ins.Instruction]]:
    """One group (in dependency order) as load_object_code (before) and its script (after)."""
    updates = [i for i in group if isinstance(i, ins.Update)]
    suspend: list[ins.Instruction] = []
    resume: list[ins.Instruction] = []
    if updates:
        suspend = [
            ins.Suspend(tuple(u.module if u.timeout == "default" else (u.module, u.timeout)
                              for u in updates))
        ]  # fmt: skip
        resume = [ins.Resume(tuple(u.module for u in reversed(updates)))]
    chunks: list[list[ins.Instruction]] = []
    for i in group:
        if isinstance(i, ins.DeleteModule):
            chunks.append([ins.Remove(i.module), ins.Purge((i.module,))])
        else:
            chunks.append([ins.Load(i.module, i.pre_purge, i.post_purge)])
    before: list[ins.Instruction] = []
    for chunk in chunks:
        for load in chunk:
            if isinstance(load, ins.Load):
                lib = lib_of.get(load.module)
                if lib is None:
                    raise PlanError(r.NoSuchModule(load.module))
                before.append(ins.LoadObjectCode(lib.name, lib.vsn, (load.module,)))

    def code_change(
        mode_name: Literal["up", "down"], which: list[ins.Update]
    ) -> list[ins.Instruction]:
        entries = tuple(
            (u.module, u.change.extra) for u in which if isinstance(u.change, ins.Advanced)
        )
        return [ins.CodeChange(mode_name, entries)] if entries else []

    after = list(suspend)
    if mode == "up":
        for chunk in reversed(chunks):
            after += chunk
        after += code_change("up", updates)
    else:
        after += code_change("down", [u for u in updates if u.mod_type == "dynamic"])
        for chunk in chunks:
            after += chunk
        after += code_change("down", [u for u in updates if u.mod_type == "static"])
    return before, after + resume


def dependent_instructions(
    mode: Mode,
    after: Sequence[ins.Instruction],
    appls: Sequence[Application],
    tie_rank: Mapping[str, int] | None = None,
) -> tuple[list[ins.Instruction], list[ins.Instruction]]:
    """Step 9: every dependency group lowered at the position of its first member."""
    positions = [
        n
        for n, i in enumerate(after)
        if isinstance(i, (ins.Update, ins.LoadModule, ins.DeleteModule))
    ]
    dependents: list[Dependent] = [after[n] for n in positions]  # type: ignore[misc]
    graph = _Graph(dependents)
    component = graph.components()
    members: dict[int, list[int]] = {}
    for v, c in enumerate(component):
        members.setdefault(c, []).append(v)
    vertex_at = {pos: v for v, pos in enumerate(positions)}
    lib_of: dict[str, Application] = {}
    for app in appls:  # the first application listing a module provides it
        for m in app.modules:
            lib_of.setdefault(m, app)
    done: set[int] = set()
    before: list[ins.Instruction] = []
    out: list[ins.Instruction] = []
    for n, i in enumerate(after):
        vertex = vertex_at.get(n)
        if vertex is None:
            out.append(i)
            continue
        c = component[vertex]
        if c in done:
            continue
        done.add(c)
        order = graph.dependency_order(members[c], tie_rank)
        b, a = _lower(mode, [dependents[x] for x in order], lib_of)
        before += b
        out += a
    return before, out


def merge_load_object_code(before: Sequence[ins.Instruction]) -> list[ins.Instruction]:
    """Step 10: one load_object_code per library, duplicates' last occurrence wins."""
    codes = [i for i in before if isinstance(i, ins.LoadObjectCode)]
    rest = [i for i in before if not isinstance(i, ins.LoadObjectCode)]
    libs: dict[str, list[ins.LoadObjectCode]] = {}
    for c in codes:
        libs.setdefault(c.lib, []).append(c)
    for lib, entries in libs.items():
        # OTP checks library by library and finds the last conflicting entry first.
        for other in reversed(entries):
            if other.lib_vsn != entries[0].lib_vsn:
                raise PlanError(r.ConflictingVersions(lib, entries[0].lib_vsn, other.lib_vsn))
    merged: list[ins.Instruction] = []
    for lib, entries in libs.items():
        modules: list[str] = []
        for entry in reversed(entries):  # union(A, B) = [x in A if x not in B] ++ B
            seen = set(modules)
            modules = [m for m in entry.modules if m not in seen] + modules
        merged.append(ins.LoadObjectCode(lib, entries[0].lib_vsn, tuple(modules)))
    return merged + rest


def emulator_restarts(
    mode: Mode, before: list[ins.Instruction], after: list[ins.Instruction]
) -> tuple[list[ins.Instruction], list[ins.Instruction]]:
    """Step 11: restart_new_emulator first (up) or a final restart_emulator (down)."""
    if ins.RESTART_NEW_EMULATOR in after:
        after = [i for i in after if i != ins.RESTART_NEW_EMULATOR]
        if mode == "up":
            before = [ins.RESTART_NEW_EMULATOR, *before]
        else:
            after = [*after, ins.RESTART_EMULATOR]
    if ins.RESTART_EMULATOR in after:
        after = [*(i for i in after if i != ins.RESTART_EMULATOR), ins.RESTART_EMULATOR]
    return before, after


def translate(
    mode: Mode,
    before: list[ins.Instruction],
    after: list[ins.Instruction],
    appls: Sequence[Application],
    pre_appls: Sequence[Application],
    tie_rank: Mapping[str, int] | None = None,
) -> list[ins.Instruction]:
    """Steps 7-12 on a checked script; `appls` is the target, `pre_appls` the source."""
    after = application_instructions(after, appls, pre_appls)
    generated, after = dependent_instructions(mode, after, appls, tie_rank)
    merged = merge_load_object_code(before + generated)
    merged, after = emulator_restarts(mode, merged, after)
    return [*merged, ins.POINT_OF_NO_RETURN, *after]
