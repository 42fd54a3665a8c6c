"""The Python representation of Erlang terms, and Erlang's exact equality on it.

Rules:

* Erlang ``ok`` is :class:`Atom` (never a ``str``); a string literal is a ``str``; a
  list is a ``list``; a tuple a ``tuple``; a binary ``bytes``; integers and floats are
  ``int`` and ``float``; a map is :class:`ErlMap`; ``[a | b]`` with a tail that is not a
  list is :class:`ImproperList`; ``fun m:f/2`` is :class:`ExternalFun`; a pid
  ``<0.42.0>`` (read only when asked for, see :func:`~relup.terms.parse_term`) is
  :class:`ErlPid`.
* Erlang has no string type: ``"hi"`` *is* ``[104,105]`` and ``""`` *is* ``[]``. So a
  ``str`` and the ``list`` of its code points are the same term, anywhere in a term.
  :func:`equal` and :func:`canonical` implement that; Python's ``==`` does not.
* A binary is not a list, and ``1`` is not ``1.0`` (``=:=``, not ``==``).
* ``bool`` is not a term: Erlang's ``true`` and ``false`` are the atoms ``Atom("true")``
  and ``Atom("false")``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeAlias, Union, final

__all__ = [
    "Atom",
    "ErlMap",
    "ErlPid",
    "ExternalFun",
    "ImproperList",
    "Term",
    "as_string",
    "canonical",
    "equal",
    "is_list",
]


@final
class Atom:
    """An Erlang atom. Instances are interned: ``Atom("ok") is Atom("ok")``."""

    __slots__ = ("_hash", "name")
    _interned: ClassVar[dict[str, Atom]] = {}

    name: str
    _hash: int

    def __new__(cls, name: str) -> Atom:
        atom = cls._interned.get(name)
        if atom is None:
            if type(name) is not str:
                raise TypeError(f"an atom's name must be a str, not {type(name).__name__}")
            atom = object.__new__(cls)
            object.__setattr__(atom, "name", name)
            object.__setattr__(atom, "_hash", hash(("Atom", name)))
            atom = cls._interned.setdefault(name, atom)
        return atom

    def __setattr__(self, attr: str, value: object) -> None:
        raise AttributeError("Atom is immutable")

    def __delattr__(self, attr: str) -> None:
        raise AttributeError("Atom is immutable")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Atom):
            return self is other
        return NotImplemented

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"Atom({self.name!r})"

    def __str__(self) -> str:
        return self.name

    def __reduce__(self) -> tuple[type[Atom], tuple[str]]:
        return (Atom, (self.name,))


@dataclass(frozen=True, slots=True)
class ImproperList:
    """``[a, b | tail]`` where ``tail`` is not a list: ``ImproperList((a, b), tail)``.

    ``items`` is never empty, and ``tail`` is never a list, a ``str`` or another
    ImproperList (those would make a proper list, or a longer improper one).
    """

    items: tuple[Term, ...]
    tail: Term

    def __post_init__(self) -> None:
        if not self.items:
            raise ValueError("an improper list needs at least one element before '|'")
        if isinstance(self.tail, list | str | ImproperList):
            raise ValueError(f"the tail of an improper list must not be a list, got {self.tail!r}")


@dataclass(frozen=True, slots=True)
class ExternalFun:
    """``fun module:function/arity``."""

    module: Atom
    function: Atom
    arity: int


@dataclass(frozen=True, slots=True)
class ErlPid:
    """A process identifier as Erlang prints it: ``<0.42.0>`` is ``ErlPid(0, 42, 0)``.

    Erlang's term grammar has no pids (``erl_parse`` refuses ``<0.42.0>``; only
    ``list_to_pid`` reads it), so the reader produces this only when called with
    ``pids=True``, for text that names live processes (relup's ``call``/``cast``).
    """

    node: int
    number: int
    serial: int

    def __post_init__(self) -> None:
        for part in (self.node, self.number, self.serial):
            if type(part) is not int or part < 0:
                raise ValueError(f"the parts of a pid must be non-negative ints, got {self!r}")


@final
class ErlMap(Mapping["Term", "Term"]):
    """An immutable Erlang map; keys are compared with Erlang equality.

    Built from a mapping or from (key, value) pairs; a later pair with an equal key
    replaces the value (as in ``#{k => 1, k => 2}``) and keeps the first key's
    position. Iteration follows insertion order.
    """

    __slots__ = ("_hash", "_items")

    _items: dict[Hashable, tuple[Term, Term]]
    _hash: int | None

    def __init__(self, items: Mapping[Any, Term] | Iterable[tuple[Term, Term]] = ()) -> None:
        pairs: Iterable[tuple[Term, Term]] = items.items() if isinstance(items, Mapping) else items
        store: dict[Hashable, tuple[Term, Term]] = {}
        for key, value in pairs:
            ckey = canonical(key)
            canonical(value)  # reject values that are not terms
            old = store.get(ckey)
            store[ckey] = (key if old is None else old[0], value)
        self._items = store
        self._hash = None

    def __getitem__(self, key: Term) -> Term:
        try:
            ckey = canonical(key)
        except TypeError:
            raise KeyError(key) from None
        return self._items[ckey][1]

    def __contains__(self, key: object) -> bool:
        try:
            return canonical(key) in self._items  # type: ignore[arg-type]
        except TypeError:
            return False

    def __iter__(self) -> Iterator[Term]:
        return (key for key, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def pairs(self) -> list[tuple[Term, Term]]:
        """The (key, value) pairs in insertion order."""
        return list(self._items.values())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ErlMap):
            return NotImplemented
        return canonical(self) == canonical(other)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(canonical(self))
        return self._hash

    def __repr__(self) -> str:
        return f"ErlMap({self.pairs()!r})"


Term: TypeAlias = Union[
    Atom,
    int,
    float,
    str,
    bytes,
    "list[Term]",
    "tuple[Term, ...]",
    ErlMap,
    ImproperList,
    ExternalFun,
    ErlPid,
]


def canonical(term: Term) -> Hashable:
    """A hashable normal form: ``equal(a, b)`` iff ``canonical(a) == canonical(b)``.

    Integers stay ints and atoms stay Atoms; every other kind becomes a tuple tagged
    with a string, so no two kinds collide (``1`` vs ``("f", 1.0)``). A ``str`` and a
    list of its code points both become ``("l", (codes...))``. Raises TypeError for
    anything that is not a term (including ``bool``).
    """
    kind = type(term)
    if kind is int or kind is Atom:
        return term  # type: ignore[return-value]
    if kind is str:
        return ("l", tuple(map(ord, term)))  # type: ignore[arg-type]
    if kind is list:
        return ("l", tuple(canonical(item) for item in term))  # type: ignore[union-attr]
    if kind is tuple:
        return ("t", tuple(canonical(item) for item in term))  # type: ignore[union-attr]
    if kind is bytes:
        return ("b", term)
    if kind is float:
        return ("f", term)
    if kind is ErlMap:
        return (
            "m",
            frozenset((k, canonical(v)) for k, (_, v) in term._items.items()),  # type: ignore[union-attr]
        )
    if kind is ImproperList:
        assert isinstance(term, ImproperList)
        return ("i", tuple(canonical(item) for item in term.items), canonical(term.tail))
    if kind is ExternalFun:
        assert isinstance(term, ExternalFun)
        return ("x", term.module, term.function, term.arity)
    if kind is ErlPid:
        assert isinstance(term, ErlPid)
        return ("p", term.node, term.number, term.serial)
    if isinstance(term, int) and not isinstance(term, bool):
        return int(term)
    raise TypeError(f"not an Erlang term: {term!r} ({kind.__name__})")


def equal(a: Term, b: Term) -> bool:
    """Erlang's exact equality ``=:=``: ``"hi"`` equals ``[104, 105]``; ``1`` is not ``1.0``."""
    if a is b:
        return True
    return canonical(a) == canonical(b)


def is_list(term: Term) -> bool:
    """Erlang's ``is_list``: true for a list, a string and an improper list (a cons cell)."""
    return isinstance(term, (list, str, ImproperList))


def as_string(term: Term) -> str | None:
    """The term as a ``str`` if it is a string (a ``str``, or a list of code points).

    ``[]`` gives ``""``; anything else (an atom, a binary, a list holding a
    non-integer or an integer outside 0..0x10FFFF) gives None.
    """
    if type(term) is str:
        return term
    if type(term) is not list:
        return None
    for item in term:
        if type(item) is not int or not 0 <= item <= 0x10FFFF:
            return None
    return "".join(map(chr, term))  # type: ignore[arg-type]
