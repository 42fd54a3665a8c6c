"""Python terms → Erlang term text that ``file:consult`` reads back to the same terms.

Rules:

* Output is deterministic: the same term always gives the same text.
* Atoms are written as OTP 25's ``io_lib:write_atom`` does: bare when they match
  ``[a-zß-öø-ÿ][A-Za-z0-9_@À-ÖØ-öø-ÿ]*`` and are not reserved words, otherwise in
  single quotes with ``'`` and ``\\`` escaped. ``maybe`` and ``else`` are quoted too,
  because newer OTP releases reserve them.
* A ``str`` is written as ``"..."``: ``"`` and ``\\`` are escaped, control
  characters use ``\\n``, ``\\t`` ... or ``\\x{..}``, everything else is written as
  itself (files are UTF-8). A ``str`` holding a code point Erlang text cannot
  contain (a surrogate, U+FFFE, U+FFFF) is written as the list of its codes.
  A list of integers stays a list: it is never turned into a string.
* Binaries are ``<<"...">>`` when every byte is printable ASCII, else
  ``<<1,2,3>>``. Floats use the shortest digits that read back exactly, laid out as
  OTP's ``float_to_list(F, [short])`` (``1.0e10``, ``-0.0025``, ``100.0``); NaN and
  infinities raise ValueError. ``bool`` and anything else that is not a term raises
  TypeError.
* An :class:`ErlPid` is written ``<0.42.0>``, as Erlang prints pids; only a reader
  called with ``pids=True`` reads it back.
* :func:`format_term` writes one line with no spaces after commas, like ``~w``.
  :func:`format_pretty` keeps a term on one line when it fits in ``width`` and
  otherwise breaks tuples, lists and maps one element per line, aligned after the
  opening bracket (after ``{tag,`` when a tuple starts with an atom), like ``~p``.
* :func:`format_file` starts with ``%% coding: utf-8`` and ends every term with
  ``.`` and a newline, as OTP writes consultable files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from decimal import Decimal

from ._lexer import RESERVED_WORDS
from ._model import Atom, ErlMap, ErlPid, ExternalFun, ImproperList, Term

__all__ = ["format_atom", "format_file", "format_pretty", "format_term"]

_BARE_ATOM = re.compile(r"[a-zß-öø-ÿ][A-Za-z0-9_@À-ÖØ-öø-ÿ]*")
_QUOTE_ALWAYS = RESERVED_WORDS | {"maybe", "else"}
_NEEDS_ESCAPE = re.compile(r"[\"'\\\x00-\x1f\x7f-\x9f]")
_NOT_UNICODE = re.compile("[\ud800-\udfff\ufffe\uffff]")
_PRINTABLE_BYTES = re.compile(rb"[\x20-\x7e]*")
_ESCAPES = {
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\b": "\\b",
    "\f": "\\f",
    "\x1b": "\\e",
    "\x7f": "\\d",
}
_atom_cache: dict[Atom, str] = {}
# str(int) refuses more than 4300 digits; larger integers are split first.
_DIGITS_AT_ONCE = 4000


def _escape(body: str, quote: str) -> str:
    def one(m: re.Match[str]) -> str:
        ch = m.group()
        if ch == quote:
            return "\\" + ch
        if ch in "\"'":
            return ch
        return _ESCAPES.get(ch) or f"\\x{{{ord(ch):X}}}"

    return _NEEDS_ESCAPE.sub(one, body)


def format_atom(atom: Atom) -> str:
    """The atom as OTP writes it: ``ok``, ``'end'``, ``'Foo'``, ``'it\\'s'``."""
    written = _atom_cache.get(atom)
    if written is None:
        name = atom.name
        if _NOT_UNICODE.search(name):
            raise ValueError(f"atom {name!r} holds a character Erlang text cannot contain")
        if _BARE_ATOM.fullmatch(name) and name not in _QUOTE_ALWAYS:
            written = name
        else:
            written = "'" + _escape(name, "'") + "'"
        _atom_cache[atom] = written
    return written


def _format_string(text: str) -> str:
    if _NOT_UNICODE.search(text):
        return "[" + ",".join(str(ord(c)) for c in text) + "]"
    return '"' + _escape(text, '"') + '"'


def _format_int(value: int) -> str:
    if value.bit_length() < _DIGITS_AT_ONCE * 3:
        return str(value)
    if value < 0:
        return "-" + _format_int(-value)
    low_digits = int(value.bit_length() * 0.30103) // 2
    high, low = divmod(value, 10**low_digits)
    return _format_int(high) + _format_int(low).zfill(low_digits)


def _format_float(value: float) -> str:
    """Shortest round-trip digits, placed as OTP's io_lib_format:insert_decimal/3."""
    if not math.isfinite(value):
        raise ValueError(f"Erlang has no float {value!r}")
    if value == 0.0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    _, digit_tuple, place = Decimal(repr(abs(value))).as_tuple()
    assert isinstance(place, int)
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    place += len(digit_tuple) - len(digits)
    length = len(digits)
    exp = place + length - 1
    exp_text = str(exp)
    exp_cost = len(exp_text) + 2
    if place < 0:
        if exp >= 0:
            body = digits[: length + place] + "." + digits[length + place :]
        elif 2 - place - length <= exp_cost:
            body = "0." + "0" * (-place - length) + digits
        else:
            body = _insert_exp(exp_text, digits)
    else:
        dot = 1 if length == 1 else 0
        if exp_cost + dot >= place + 2 and abs(value) < float(1 << 53):
            body = digits + "0" * place + ".0"
        else:
            body = _insert_exp(exp_text, digits)
    return sign + body


def _insert_exp(exp_text: str, digits: str) -> str:
    if len(digits) == 1:
        return digits + ".0e" + exp_text
    return digits[0] + "." + digits[1:] + "e" + exp_text


def _format_binary(data: bytes) -> str:
    if not data:
        return "<<>>"
    if _PRINTABLE_BYTES.fullmatch(data):
        text = data.decode("ascii").replace("\\", "\\\\").replace('"', '\\"')
        return '<<"' + text + '">>'
    return "<<" + ",".join(map(str, data)) + ">>"


def _format_fun(fun: ExternalFun) -> str:
    if not isinstance(fun.module, Atom) or not isinstance(fun.function, Atom):
        raise TypeError(f"module and function of {fun!r} must be atoms")
    if type(fun.arity) is not int or fun.arity < 0:
        raise ValueError(f"arity of {fun!r} must be a non-negative int")
    return f"fun {format_atom(fun.module)}:{format_atom(fun.function)}/{fun.arity}"


def _write(term: Term, out: list[str]) -> None:
    kind = type(term)
    if kind is Atom:
        out.append(format_atom(term))  # type: ignore[arg-type]
    elif kind is int:
        out.append(_format_int(term))  # type: ignore[arg-type]
    elif kind is str:
        out.append(_format_string(term))  # type: ignore[arg-type]
    elif kind is list or kind is tuple:
        brackets = "[]" if kind is list else "{}"
        out.append(brackets[0])
        first = True
        for item in term:  # type: ignore[union-attr]
            if not first:
                out.append(",")
            first = False
            _write(item, out)
        out.append(brackets[1])
    elif kind is float:
        out.append(_format_float(term))  # type: ignore[arg-type]
    elif kind is bytes:
        out.append(_format_binary(term))  # type: ignore[arg-type]
    elif kind is ErlMap:
        out.append("#{")
        first = True
        for key, value in term.pairs():  # type: ignore[union-attr]
            if not first:
                out.append(",")
            first = False
            _write(key, out)
            out.append(" => ")
            _write(value, out)
        out.append("}")
    elif kind is ImproperList:
        assert isinstance(term, ImproperList)
        out.append("[")
        for i, item in enumerate(term.items):
            if i:
                out.append(",")
            _write(item, out)
        out.append("|")
        _write(term.tail, out)
        out.append("]")
    elif kind is ExternalFun:
        out.append(_format_fun(term))  # type: ignore[arg-type]
    elif kind is ErlPid:
        assert isinstance(term, ErlPid)
        out.append(f"<{term.node}.{term.number}.{term.serial}>")
    elif isinstance(term, int) and not isinstance(term, bool):
        out.append(_format_int(int(term)))
    else:
        raise TypeError(f"not an Erlang term: {term!r} ({kind.__name__})")


def format_term(term: Term) -> str:
    """The term on one line, without the final ``.``: ``{ok,[1,2],"s"}``."""
    out: list[str] = []
    _write(term, out)
    return "".join(out)


def _pretty(term: Term, col: int, trail: int, width: int) -> str:
    """``term`` starting at column ``col``, with ``trail`` characters after it."""
    flat = format_term(term)
    if col + len(flat) + trail <= width:
        return flat
    if isinstance(term, tuple) and term:
        items: list[Term] = list(term)
        head = "{"
        first = items[0]
        if isinstance(first, Atom) and len(items) > 1:
            tag = "{" + format_atom(first) + ","
            if col + len(tag) <= width // 2:
                head, items = tag, items[1:]
        return head + _lines(items, col + len(head), trail + 1, width) + "}"
    if isinstance(term, list) and term:
        return "[" + _lines(term, col + 1, trail + 1, width) + "]"
    if isinstance(term, ImproperList):
        body = _lines(term.items, col + 1, 0, width)
        tail = _pretty(term.tail, col + 1, trail + 1, width)
        return "[" + body + "\n" + " " * col + "|" + tail + "]"
    if isinstance(term, ErlMap) and term:
        pairs = term.pairs()
        lines = []
        for i, (key, value) in enumerate(pairs):
            key_text = format_term(key) + " => "
            last = i == len(pairs) - 1
            value_text = _pretty(value, col + 2 + len(key_text), trail + 1 if last else 1, width)
            lines.append(key_text + value_text)
        return "#{" + (",\n" + " " * (col + 2)).join(lines) + "}"
    return flat


def _lines(items: Iterable[Term], col: int, last_trail: int, width: int) -> str:
    items = list(items)
    parts = [
        _pretty(item, col, last_trail if i == len(items) - 1 else 1, width)
        for i, item in enumerate(items)
    ]
    return (",\n" + " " * col).join(parts)


def format_pretty(term: Term, width: int = 80) -> str:
    """The term laid out over several lines when it does not fit in ``width``."""
    return _pretty(term, 0, 0, width)


def format_file(terms: Iterable[Term], *, coding: bool = True) -> str:
    """A consultable file: a coding line, then each term pretty-printed and ``.``-ended."""
    parts = ["%% coding: utf-8\n"] if coding else []
    parts.extend(_pretty(term, 0, 1, 80) + ".\n" for term in terms)
    return "".join(parts)
