"""One mapping between Erlang term text and the Python values the runtime uses.

The outside world names Python things in Erlang's notation: a relup's
``{apply, {M, F, A}}`` instruction, the CLI's ``call``/``cast`` messages and the
replies it prints. Runtime code, for its part, uses plain Python values: ``str``
tags (``"increment"``, ``("get", pid)``), ``None``, dicts. This module is the one
place where the two meet, so that every entry point converts the same way.

Erlang → Python (:func:`parse_value`, :func:`from_term`)::

    atom ok, 'Quoted'     str "ok", "Quoted"
    true, false           True, False
    undefined             None
    42, 1.5               int, float
    "abc" (a string)      str "abc"                (the same str as the atom abc)
    [1, 2], []            list
    {a, 1}                tuple
    #{k => v}             dict                     (keys must become distinct hashables)
    <<"bin">>             bytes
    <0.42.0>              the live node's Pid 42, else a dead Pid with that number

Python → Erlang (:func:`format_value`, :func:`to_term`)::

    str                   atom, quoted when needed ('Hello world');
                          "true", "false", "undefined" and names longer than 255
                          characters as a string ("true"), which reads back as str
    True, False, None     true, false, undefined
    int, float            integer, float (NaN and infinities have no term)
    tuple, list, dict     tuple, list, map
    bytes                 binary
    Pid                   <0.N.0>

Rules:

* **Python → text → Python is exact** for every value :func:`to_term` accepts:
  the same types, the same values, dict keys in the same order; a live pid comes
  back as the same Pid object. Subclasses (``IntEnum``, ``StrEnum``, named tuples)
  are accepted as their base type and come back as it.
* **Text → Python → text is lossy** where Python has one value for two Erlang terms:
  a string ``"abc"`` becomes the str ``"abc"`` and prints back as the atom ``abc``;
  ``'true'`` is ``true``; a list of integers stays a list (it is never shown as a
  string). Improper lists, funs and pids of other nodes have no Python value.
* Anything else raises :class:`TermMappingError` naming the type (an object, a set,
  a Ref, a float NaN, a str holding a surrogate, a cycle, nesting deeper than the
  reader accepts). Bad text raises :class:`~relup.errors.TermSyntaxError` with its
  line and column; the final ``.`` may be left out.
* Every atom read or written is interned by :class:`relup.terms.Atom` for the life of
  the OS process, as atoms are in Erlang's atom table: map untrusted, unbounded text
  to Python values with care.

:func:`apply` is the release handler's ``{apply, {M, F, A}}``: a fully qualified call
of ``F`` in the current version of ``M``, with the arguments converted by this
mapping.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from relup.runtime import Pid, TermMappingError
from relup.runtime.node import current_node, maybe_await
from relup.terms import MAX_DEPTH, Atom, ErlMap, ErlPid, Term, format_term, parse_term

if TYPE_CHECKING:
    from relup.runtime.node import Node

__all__ = [
    "TermMappingError",
    "apply",
    "format_value",
    "from_term",
    "parse_value",
    "to_term",
]

#: Atoms that read as Python constants; a str with one of these names prints as a string.
_CONSTANTS: Final[dict[str, Any]] = {"true": True, "false": False, "undefined": None}
_ATOM_OF: Final[dict[Any, Atom]] = {
    True: Atom("true"),
    False: Atom("false"),
    None: Atom("undefined"),
}
_MAX_ATOM = 255
_NOT_TEXT = re.compile("[\ud800-\udfff\ufffe\uffff]")


def _describe(value: Any) -> str:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{type(value).__qualname__} {shown}"


# ---------------------------------------------------------------------- Python → term
def to_term(value: Any) -> Term:
    """The :mod:`relup.terms` value for a runtime value (see the module docstring)."""
    return _to(value, 0, set())


def _to(value: Any, depth: int, path: set[int]) -> Term:
    if value is None or value is True or value is False:
        return _ATOM_OF[value]
    if isinstance(value, str):
        return _str_term(str.__str__(value))  # the str itself, whatever a subclass's __str__
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TermMappingError(f"no Erlang term for the float {value!r}", value)
        return float(value)
    if type(value) is bytes:
        return value
    if value.__class__ is Pid:
        return ErlPid(0, value.id, 0)
    if isinstance(value, (tuple, list, dict)):
        if depth >= MAX_DEPTH:
            raise TermMappingError(
                f"no Erlang term for a value nested deeper than {MAX_DEPTH} levels", value
            )
        if id(value) in path:
            raise TermMappingError(
                f"no Erlang term for a {type(value).__qualname__} that contains itself", value
            )
        path.add(id(value))
        try:
            d = depth + 1
            if isinstance(value, dict):
                pairs = [(_to(k, d, path), _to(v, d, path)) for k, v in value.items()]
                return ErlMap(pairs)  # distinct Python keys stay distinct terms
            items = [_to(v, d, path) for v in value]
            return tuple(items) if isinstance(value, tuple) else items
        finally:
            path.discard(id(value))
    raise TermMappingError(f"no Erlang term for a Python {_describe(value)}", value)


def _str_term(text: str) -> Term:
    """An atom when the atom reads back as this str, else an Erlang string."""
    if _NOT_TEXT.search(text):
        raise TermMappingError(
            f"no Erlang term for the str {text!r}: it holds a character Erlang text cannot hold",
            text,
        )
    if text in _CONSTANTS or len(text) > _MAX_ATOM:
        return text  # relup.terms writes a str as "...", which reads back as this str
    return Atom(text)


def format_value(value: Any) -> str:
    """``value`` as one line of Erlang term text, without a final ``.``; deterministic."""
    return format_term(to_term(value))


# ---------------------------------------------------------------------- term → Python
class _Pids:
    """Finds live pids by number, indexing the node's processes only if a pid is met."""

    __slots__ = ("_by_number", "node")

    def __init__(self, node: Node | None) -> None:
        self.node = node
        self._by_number: dict[int, Pid] | None = None

    def get(self, pid: ErlPid) -> Pid:
        if pid.node != 0 or pid.serial != 0:
            raise TermMappingError(
                f"no Python value for the pid {format_term(pid)}: it is not a pid of this node",
                pid,
            )
        if self._by_number is None:
            procs = self.node.procs if self.node is not None else {}
            self._by_number = {p.id: p for p in procs}
        live = self._by_number.get(pid.number)
        return live if live is not None else Pid(pid.number, None)


def from_term(term: Term, *, node: Node | None = None) -> Any:
    """The runtime value for a :mod:`relup.terms` value (see the module docstring).

    Pids are looked up in ``node``, by default the current node; without a node
    every pid is a dead Pid value.
    """
    if node is None:
        try:
            node = current_node()
        except RuntimeError:
            node = None
    return _from(term, _Pids(node))


def _from(term: Term, pids: _Pids) -> Any:
    kind = type(term)
    if kind is Atom:
        name = term.name  # type: ignore[union-attr]
        return _CONSTANTS.get(name, name)
    if kind in (int, float, str, bytes):
        return term
    if kind is list:
        return [_from(t, pids) for t in term]  # type: ignore[union-attr]
    if kind is tuple:
        return tuple(_from(t, pids) for t in term)  # type: ignore[union-attr]
    if kind is ErlMap:
        assert isinstance(term, ErlMap)
        out: dict[Any, Any] = {}
        spelled: dict[Any, Term] = {}  # the Erlang key each Python key came from
        for k, v in term.pairs():
            key = _from(k, pids)
            try:
                first = spelled.get(key)
            except TypeError:
                raise TermMappingError(
                    f"no Python value for the map key {format_term(k)}: "
                    f"a {type(key).__qualname__} cannot be a dict key",
                    term,
                ) from None
            if first is not None:
                raise TermMappingError(
                    f"no Python value for a map whose keys {format_term(first)} and "
                    f"{format_term(k)} are the same Python key {key!r}",
                    term,
                )
            spelled[key] = k
            out[key] = _from(v, pids)
        return out
    if kind is ErlPid:
        return pids.get(term)  # type: ignore[arg-type]
    raise TermMappingError(
        f"no Python value for the Erlang {type(term).__name__} {format_term(term)}", term
    )


def parse_value(text: str, *, node: Node | None = None, path: str | None = None) -> Any:
    """Read one term from ``text`` (the final ``.`` is optional) as a runtime value."""
    term = parse_term(text, path=path, pids=True, require_dot=False)
    return from_term(term, node=node)


# ---------------------------------------------------------------------- apply
async def apply(node: Node, module: str | Any, function: str, args: Sequence[Any]) -> Any:
    """Erlang's ``apply(M, F, A)``: call ``F`` in the *current* version of ``M``.

    ``module`` is a module name (or handle); the call goes through the code server's
    handle, so it is fully qualified, as ``{apply, {M, F, A}}`` is in OTP. The result
    is awaited if it is awaitable. It runs in the caller's context (the release
    handler's process), and raises whatever ``F`` raises (``AttributeError`` if the
    current version of ``M`` has no ``F``).
    """
    if not isinstance(args, (list, tuple)):
        raise TypeError(f"the arguments of apply must be a list, got {_describe(args)}")
    fn = getattr(node.code.resolve(module), function)
    result = fn(*args)
    aw = maybe_await(result)
    return await aw if aw is not None else result
