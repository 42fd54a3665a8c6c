"""The `.app` file: an application's version, modules and dependencies.

Shape (OTP): ``{application, Name, [{Key, Value}]}``. relup keeps the keys the
generator and the release handler need; the others are ignored, as systools
ignores keys it does not know.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from relup.errors import SpecError
from relup.spec._shape import atom, atom_list, show, string
from relup.terms import Atom, Term


@dataclass(frozen=True, slots=True)
class AppFile:
    """An application resource file, or its equivalent from another front end."""

    name: str
    vsn: str
    modules: tuple[str, ...] = ()
    applications: tuple[str, ...] = ()
    included_applications: tuple[str, ...] = ()
    optional_applications: tuple[str, ...] = ()
    registered: tuple[str, ...] = ()
    description: str = ""
    mod: tuple[str, Term] | None = None
    env: tuple[tuple[str, Term], ...] = ()
    path: str | None = field(default=None, compare=False)

    @classmethod
    def from_term(cls, term: Term, path: str | None = None) -> AppFile:
        if not (
            isinstance(term, tuple)
            and len(term) == 3
            and term[0] == Atom("application")
            and isinstance(term[1], Atom)
            and isinstance(term[2], list)
        ):
            raise SpecError(
                "expected {application, Name, [{Key, Value}, ...]}, got " + show(term), path=path
            )
        name = term[1].name
        items: dict[str, Term] = {}
        for item in term[2]:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Atom):
                items.setdefault(item[0].name, item[1])
        if "vsn" not in items:
            raise SpecError(f"application {name} has no vsn", path=path, where="vsn")
        if "modules" not in items:
            raise SpecError(f"application {name} has no modules list", path=path, where="modules")

        def atoms(key: str) -> tuple[str, ...]:
            return atom_list(items[key], key, path) if key in items else ()

        mod: tuple[str, Term] | None = None
        raw_mod = items.get("mod")
        if isinstance(raw_mod, tuple) and len(raw_mod) == 2:
            mod = (atom(raw_mod[0], "mod", path), raw_mod[1])
        env: list[tuple[str, Term]] = []
        raw_env = items.get("env", [])
        if isinstance(raw_env, list):
            for pair in raw_env:
                if isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], Atom):
                    env.append((pair[0].name, pair[1]))
        description = items.get("description", "")
        return cls(
            name=name,
            vsn=string(items["vsn"], "vsn", path),
            modules=atoms("modules"),
            applications=atoms("applications"),
            included_applications=atoms("included_applications"),
            optional_applications=atoms("optional_applications"),
            registered=atoms("registered"),
            description=description if isinstance(description, str) else "",
            mod=mod,
            env=tuple(env),
            path=path,
        )
