"""Small shape checks shared by the file models; each raises SpecError."""

from __future__ import annotations

from relup.errors import SpecError
from relup.terms import Atom, Term, as_string, format_term


def show(term: Term) -> str:
    """A short rendering of `term` for an error message."""
    text = format_term(term)
    return text if len(text) <= 80 else text[:77] + "..."


def string(term: Term, what: str, path: str | None) -> str:
    value = as_string(term)
    if value is None:
        raise SpecError(f"{what} must be a string, got {show(term)}", path=path, where=what)
    return value


def atom(term: Term, what: str, path: str | None) -> str:
    if not isinstance(term, Atom):
        raise SpecError(f"{what} must be an atom, got {show(term)}", path=path, where=what)
    return term.name


def atom_list(term: Term, what: str, path: str | None) -> tuple[str, ...]:
    if not isinstance(term, list) or not all(isinstance(x, Atom) for x in term):
        raise SpecError(f"{what} must be a list of atoms, got {show(term)}", path=path, where=what)
    return tuple(x.name for x in term if isinstance(x, Atom))
