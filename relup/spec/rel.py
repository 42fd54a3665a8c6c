"""The `.rel` file: which application versions make up one release.

Shape (OTP): ``{release, {Name, Vsn}, {erts, ErtsVsn}, [AppEntry]}`` where an entry
is ``{App, Vsn}``, ``{App, Vsn, Type}``, ``{App, Vsn, Incls}`` or
``{App, Vsn, Type, Incls}``; a missing type is ``permanent``.
"""

from __future__ import annotations

from dataclasses import dataclass

from relup.errors import SpecError
from relup.spec._shape import atom, atom_list, show, string
from relup.terms import Atom, Term, is_list

START_TYPES = ("permanent", "transient", "temporary", "load", "none")


@dataclass(frozen=True, slots=True)
class RelApp:
    """One application entry of a release."""

    name: str
    vsn: str
    type: str = "permanent"
    includes: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class RelFile:
    """A release: its name and version, its runtime version and its applications."""

    name: str
    vsn: str
    erts_vsn: str
    apps: tuple[RelApp, ...]
    path: str | None = None

    def app(self, name: str) -> RelApp | None:
        for entry in self.apps:
            if entry.name == name:
                return entry
        return None

    @classmethod
    def from_term(cls, term: Term, path: str | None = None) -> RelFile:
        if not (
            isinstance(term, tuple)
            and len(term) == 4
            and term[0] == Atom("release")
            and isinstance(term[1], tuple)
            and len(term[1]) == 2
            and isinstance(term[2], tuple)
            and len(term[2]) == 2
            and term[2][0] == Atom("erts")
            and is_list(term[3])
        ):
            raise SpecError(
                "expected {release, {Name, Vsn}, {erts, ErtsVsn}, [Apps]}, got " + show(term),
                path=path,
            )
        name = string(term[1][0], "release name", path)
        vsn = string(term[1][1], "release version", path)
        erts = string(term[2][1], "erts version", path)
        apps = tuple(_app_entry(e, path) for e in (term[3] if isinstance(term[3], list) else []))
        return cls(name=name, vsn=vsn, erts_vsn=erts, apps=apps, path=path)


def _app_entry(term: Term, path: str | None) -> RelApp:
    bad = SpecError(
        "application entry must be {App, Vsn}, {App, Vsn, Type}, {App, Vsn, Incls} or "
        f"{{App, Vsn, Type, Incls}}, got {show(term)}",
        path=path,
        where="applications",
    )
    if not isinstance(term, tuple) or len(term) not in (2, 3, 4):
        raise bad
    name = atom(term[0], "application name", path)
    vsn = string(term[1], f"version of {name}", path)
    start_type = "permanent"
    includes: tuple[str, ...] | None = None
    rest = term[2:]
    if rest and isinstance(rest[0], Atom):
        start_type = rest[0].name
        if start_type not in START_TYPES:
            raise SpecError(
                f"start type of {name} must be one of {', '.join(START_TYPES)}, got {start_type}",
                path=path,
                where="applications",
            )
        rest = rest[1:]
    if rest:
        if len(rest) > 1 or not is_list(rest[0]):
            raise bad
        includes = atom_list(rest[0], f"included applications of {name}", path)
    return RelApp(name=name, vsn=vsn, type=start_type, includes=includes)
