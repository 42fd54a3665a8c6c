"""The release model the generator works on, whatever front end read it.

A front end (OTP release trees in :mod:`relup.plan.otp_tree`; Python releases in
TOML in :mod:`relup.plan.python_tree`) reads release descriptions and application
metadata, checks them, and hands the generator :class:`Release` values with
applications in boot order, plus the appup of any application version on request.
:func:`checked_release` holds the release-level checks systools_make makes, which
hold for every front end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from relup.plan import reasons as r
from relup.plan.reasons import PlanError
from relup.spec.appup import Appup
from relup.terms import Atom, Term


@dataclass(frozen=True, slots=True)
class Application:
    """One application version as a release uses it (OTP's ``#application{}``)."""

    name: str
    vsn: str
    type: str
    modules: tuple[str, ...]
    directory: str
    applications: tuple[str, ...] = ()
    included_applications: tuple[str, ...] = ()
    optional_applications: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Release:
    """A release: `apps` in boot order, `rel_order` the names as the release file lists them."""

    name: str
    vsn: str
    runtime_vsn: str
    apps: tuple[Application, ...]
    rel_order: tuple[str, ...]
    path: str

    def app(self, name: str) -> Application | None:
        for a in self.apps:
            if a.name == name:
                return a
        return None

    def in_rel_order(self) -> list[Application]:
        by_name = {a.name: a for a in self.apps}
        return [by_name[n] for n in self.rel_order]


class ReleaseSource(Protocol):
    """What the generator asks of a front end."""

    #: Whether OTP's rules for kernel/stdlib/sasl and the erts version apply.
    otp_rules: bool

    def read_release(self, ref: str) -> Release:
        """Read and check one release; raise PlanError if it is not usable."""
        ...

    def read_appup(self, app: Application) -> Appup:
        """The appup of `app` (from its directory); raise PlanError if unreadable."""
        ...


def boot_order(
    rel_entries: Sequence[tuple[str, tuple[str, ...] | None]],
    uses: dict[str, tuple[str, ...]],
    includes: dict[str, tuple[str, ...]],
    optional: dict[str, tuple[str, ...]],
) -> tuple[list[str], list[str], list[str]]:
    """The order a boot script starts applications in (systools_make's sort).

    Returns ``(order, missing, circular)``; the order is valid only if both
    other lists are empty. `includes` already reflects a release file's override.
    Rules (spec §3.1, §8.3): a dependency on an included application counts as a
    dependency on the top of its including chain, and one on the including top
    itself is dropped; dependencies and included applications are sorted by their
    position in the release file; walking the release order, an application whose
    dependencies or included applications are still waiting goes back behind
    them (dependencies first), recursively.
    """
    names = [n for n, _ in rel_entries]
    position = {n: i for i, n in enumerate(names)}
    parent: dict[str, str] = {}
    for n in names:
        for i in includes.get(n, ()):
            parent.setdefault(i, n)

    def top(x: str) -> str:
        seen = set()
        while x in parent and x not in seen:
            seen.add(x)
            x = parent[x]
        return x

    def by_position(xs: list[str]) -> list[str]:
        return sorted(xs, key=lambda x: position.get(x, len(names)))

    deps: dict[str, list[str]] = {}
    for n in names:
        mine = top(n)
        acc = list(uses.get(n, ()))
        for u in uses.get(n, ()):
            if u == mine:
                if u in acc:
                    acc.remove(u)
            elif u in parent:
                t = top(parent[u])
                if t in acc:
                    if u in acc:
                        acc.remove(u)
                elif t != mine:
                    if u in acc:
                        acc.remove(u)
                    acc.append(t)
        deps[n] = by_position(acc)
    incl = {n: by_position(list(includes.get(n, ()))) for n in names}

    work = list(names)
    order: list[str] = []
    visited: set[str] = set()
    missing: list[str] = []
    circular: list[str] = []
    while work:
        head, rest = work[0], work[1:]
        found: list[str] = []
        not_found: dict[str, list[str]] = {"uses": [], "incl": []}
        for kind, wanted in (("uses", deps[head]), ("incl", incl[head])):
            for w in wanted:
                if w in rest and head not in incl.get(w, []):
                    rest.remove(w)
                    found.append(w)
                elif w not in visited:
                    not_found[kind].append(w)
        missing += [w for w in not_found["uses"] if w not in optional.get(head, ())]
        missing += not_found["incl"]
        if not found:
            order.append(head)
            visited.add(head)
            work = rest
        else:
            back = [w for w in found if w in visited]
            if back:
                circular += [head, *back]
            work = [w for w in [*found, head, *rest] if w not in back]
            visited.add(head)
    return order, missing, circular


def release_problem(
    problem: str, subject: Term, message: str, hint: str | None = None
) -> PlanError:
    """The refusal of a release a front end cannot read or check (systools_make's `problem`)."""
    return PlanError(r.ReleaseProblem(problem, subject, message, hint))


def checked_release(
    name: str, vsn: str, runtime_vsn: str, apps: Sequence[Application], path: str
) -> Release:
    """A release of `apps` (in release-file order), checked and put in boot order.

    The checks are systools_make's, in its order, reported with its tags: every
    dependency and included application is in the release (``undefined_applications``;
    a missing optional one is fine), no application is included twice
    (``duplicate_include``), no module is in two applications (``duplicate_modules``),
    and dependencies have no cycle (``circular_dependencies``).
    """
    names = {a.name for a in apps}
    undefined: list[str] = []
    for a in apps:
        for dep in [*a.applications, *a.included_applications]:
            if dep not in names and dep not in a.optional_applications and dep not in undefined:
                undefined.append(dep)
    if undefined:
        raise release_problem(
            "undefined_applications",
            [Atom(u) for u in undefined],
            f"{path}: applications needed but not in the release: {', '.join(undefined)}",
        )
    included: dict[str, Application] = {}
    for a in apps:
        for i in a.included_applications:
            if i in included:
                first = included[i]
                raise release_problem(
                    "duplicate_include",
                    [((Atom(i), Atom(first.name), first.vsn, first.directory),
                      (Atom(i), Atom(a.name), a.vsn, a.directory))],
                    f"{path}: {i} is included by both {first.name} and {a.name}",
                )  # fmt: skip
            included[i] = a
    owner: dict[str, Application] = {}
    for a in apps:
        for m in a.modules:
            if m in owner:
                first = owner[m]
                raise release_problem(
                    "duplicate_modules",
                    [((Atom(m), Atom(first.name), first.directory),
                      (Atom(m), Atom(a.name), a.directory))],
                    f"{path}: module {m} is in both {first.name} and {a.name}",
                    "a module may belong to one application of a release only",
                )  # fmt: skip
            owner[m] = a
    order, missing, circular = boot_order(
        [(a.name, a.included_applications) for a in apps],
        {a.name: a.applications for a in apps},
        {a.name: a.included_applications for a in apps},
        {a.name: a.optional_applications for a in apps},
    )
    if circular:
        versions = {a.name: a.vsn for a in apps}
        raise release_problem(
            "circular_dependencies",
            [(Atom(c), versions.get(c, "")) for c in dict.fromkeys(circular)],
            f"{path}: applications depend on each other in a cycle: {', '.join(circular)}",
        )
    if missing:
        raise release_problem(
            "undefined_applications",
            [Atom(m) for m in missing],
            f"{path}: applications needed but not in the release: {', '.join(missing)}",
        )
    by_name = {a.name: a for a in apps}
    return Release(
        name=name,
        vsn=vsn,
        runtime_vsn=runtime_vsn,
        apps=tuple(by_name[n] for n in order),
        rel_order=tuple(a.name for a in apps),
        path=path,
    )
