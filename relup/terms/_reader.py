"""Erlang term text → Python terms, as ``erl_parse:parse_term`` and ``file:consult`` do.

Rules:

* A file is a sequence of terms, each ended by a ``.`` that is followed by
  whitespace, ``%`` or the end of input. :func:`parse_first_term` reads the first
  one and never looks past its dot (systools reads .rel, .app and .appup this way).
* A term is a literal: an atom, a number with an optional ``-`` or ``+`` (``- 2``
  too), a string (adjacent strings concatenate: ``"ab" "cd"``), a tuple, a list
  (``[H | T]``: a proper list when T is one, else :class:`ImproperList`), a map
  ``#{K => V}`` (a later equal key wins), a binary, ``fun m:f/2``, or a term in
  parentheses. Variables, operators and other expressions are syntax errors.
* Two opt-ins for text typed by people rather than read from OTP's files, both off
  by default so that the OTP vectors parse and fail exactly as in OTP: ``pids=True``
  reads ``<0.42.0>`` as :class:`ErlPid`; ``require_dot=False`` lets the term end at
  the end of input (a final ``.`` is still allowed).
* Binary segments are strings, integers, characters or floats with optional
  ``:Size`` and ``/type-spec-list``. Without a type, a string's characters become
  one byte each (their low 8 bits); ``/utf8`` (16, 32) encodes them; an integer
  segment is ``Size * unit`` bits, big-endian unless ``little``. The whole binary
  must come out as whole bytes (Erlang bitstrings are not represented).
* Files are UTF-8 unless the first or second line holds a ``coding: latin-1``
  comment (epp's rule).
* Every failure is a :class:`~relup.errors.TermSyntaxError` with a 1-based line and
  column, at the place the error is detected (see the lexer's rules): the start of
  an unexpected token; the end of input for an unterminated string or a missing
  final dot; the end of a reserved word (``end`` could have become ``ending``); the
  character after a ``.`` that follows a digit (``1.`` could have become ``1.5``);
  the fraction of a float where an integer was due; the token after a binary
  segment whose value does not fit its type. So a one-character edit to valid text
  is never reported before the edit. Nesting deeper than :data:`MAX_DEPTH` is
  refused, so no input can exhaust the Python stack.
"""

from __future__ import annotations

import os
import re
import struct
import sys

from relup.errors import TermSyntaxError

from ._lexer import (
    ATOM,
    DOT,
    EOF,
    FLOAT,
    INT,
    PID,
    PUNCT,
    RESERVED,
    STRING,
    Lexer,
    Token,
    describe,
)
from ._model import ErlMap, ExternalFun, ImproperList, Term

__all__ = [
    "MAX_DEPTH",
    "decode_file",
    "parse_first_term",
    "parse_term",
    "parse_terms",
    "read_first_term",
    "read_terms",
]

#: How deeply tuples, lists and maps may nest; far beyond any real file.
MAX_DEPTH = 200
#: The largest binary segment accepted, in bits (2 MiB).
_MAX_SEGMENT_BITS = 1 << 24

_CODING = re.compile(r"^[ \t]*%.*?coding\s*[:=]\s*([-\w.]+)", re.IGNORECASE)
_LATIN_1 = frozenset({"latin-1", "latin1", "iso-8859-1", "iso8859-1"})
_TYPES = frozenset(
    {"integer", "float", "binary", "bytes", "bitstring", "bits", "utf8", "utf16", "utf32"}
)
_SIGNEDNESS = frozenset({"signed", "unsigned"})
_ENDIANNESS = frozenset({"big", "little", "native"})


class _Parser:
    """Recursive descent over a lazy token stream; each method gets the term's first
    token and returns the value with the token that follows it."""

    __slots__ = ("lexer", "text")

    def __init__(self, text: str, path: str | None, *, pids: bool = False) -> None:
        self.text = text
        self.lexer = Lexer(text, path, pids=pids)

    def error(self, message: str, offset: int) -> TermSyntaxError:
        return self.lexer.error(message, offset, stage="parse")

    def unexpected(self, expected: str, token: Token) -> TermSyntaxError:
        """An error for ``token`` where ``expected`` was due, placed where it is detected."""
        kind, _, start, end = token
        got = describe(self.text, token)
        if kind == DOT and start and self.text[start - 1].isdigit():
            # '1.' could still have become the float '1.5': the character after the
            # dot is where the text goes wrong.
            return self.error(
                f"expected {expected}, got '.' (a float needs digits after its '.')", start + 1
            )
        if kind == RESERVED:
            # 'end' could still have become the atom 'ending' until the word ended.
            return self.error(f"expected {expected}, got reserved word {got}", end)
        return self.error(f"expected {expected}, got {got}", start)

    def unexpected_in_int_place(self, expected: str, token: Token) -> TermSyntaxError:
        """Like :meth:`unexpected` where an integer is due: '2.0' went wrong after '2.'."""
        if token[0] == FLOAT:
            after_dot = self.text.index(".", token[2], token[3]) + 1
            got = describe(self.text, token)
            return self.error(f"expected {expected}, got float {got}", after_dot)
        return self.unexpected(expected, token)

    def value(self, tok: Token, depth: int) -> tuple[Term, Token]:
        kind = tok[0]
        nxt = self.lexer.next
        if kind in (ATOM, INT, FLOAT, PID):
            return tok[1], nxt()
        if kind == STRING:
            text: str = tok[1]
            following = nxt()
            if following[0] != STRING:
                return text, following
            parts = [text]
            while following[0] == STRING:
                parts.append(following[1])
                following = nxt()
            return "".join(parts), following
        if kind == PUNCT:
            punct = tok[1]
            if punct in "{[#(" and depth >= MAX_DEPTH:
                raise self.error(f"nesting too deep (more than {MAX_DEPTH} levels)", tok[2])
            if punct == "{":
                return self.parse_tuple(depth)
            if punct == "[":
                return self.parse_list(depth)
            if punct == "#":
                return self.parse_map(depth)
            if punct == "<<":
                return self.parse_binary()
            if punct in ("-", "+"):
                return self.parse_signed(tok)
            if punct == "(":
                inner, following = self.value(nxt(), depth + 1)
                if following[0] != PUNCT or following[1] != ")":
                    raise self.unexpected("')'", following)
                return inner, nxt()
        if kind == RESERVED:
            if tok[1] == "fun":
                return self.parse_fun()
            word = tok[1]
            # Detected at the word's end: until then it could still grow into an atom.
            raise self.error(
                f"{word!r} is a reserved word, not an atom; quote it: '{word}'", tok[3]
            )
        raise self.unexpected("a term", tok)

    def parse_signed(self, sign: Token) -> tuple[int | float, Token]:
        tok = self.lexer.next()
        if tok[0] not in (INT, FLOAT):
            raise self.unexpected(f"a number after {sign[1]!r}", tok)
        number: int | float = tok[1]
        return (-number if sign[1] == "-" else number), self.lexer.next()

    def parse_tuple(self, depth: int) -> tuple[Term, Token]:
        nxt = self.lexer.next
        tok = nxt()
        if tok[0] == PUNCT and tok[1] == "}":
            return (), nxt()
        items: list[Term] = []
        while True:
            item, tok = self.value(tok, depth + 1)
            items.append(item)
            if tok[0] == PUNCT:
                if tok[1] == ",":
                    tok = nxt()
                    continue
                if tok[1] == "}":
                    return tuple(items), nxt()
            raise self.unexpected("',' or '}' after tuple element", tok)

    def parse_list(self, depth: int) -> tuple[Term, Token]:
        nxt = self.lexer.next
        tok = nxt()
        if tok[0] == PUNCT and tok[1] == "]":
            return [], nxt()
        items: list[Term] = []
        while True:
            item, tok = self.value(tok, depth + 1)
            items.append(item)
            if tok[0] == PUNCT:
                if tok[1] == ",":
                    tok = nxt()
                    continue
                if tok[1] == "]":
                    return items, nxt()
                if tok[1] == "|":
                    tail, tok = self.value(nxt(), depth + 1)
                    if tok[0] != PUNCT or tok[1] != "]":
                        raise self.unexpected("']' after list tail", tok)
                    return _cons(items, tail), nxt()
            raise self.unexpected("',', '|' or ']' after list element", tok)

    def parse_map(self, depth: int) -> tuple[Term, Token]:
        nxt = self.lexer.next
        tok = nxt()
        if tok[0] != PUNCT or tok[1] != "{":
            raise self.unexpected("'{' after '#'", tok)
        tok = nxt()
        if tok[0] == PUNCT and tok[1] == "}":
            return ErlMap(), nxt()
        pairs: list[tuple[Term, Term]] = []
        while True:
            key, tok = self.value(tok, depth + 1)
            if tok[0] != PUNCT or tok[1] != "=>":
                raise self.unexpected("'=>' after map key", tok)
            value, tok = self.value(nxt(), depth + 1)
            pairs.append((key, value))
            if tok[0] == PUNCT:
                if tok[1] == ",":
                    tok = nxt()
                    continue
                if tok[1] == "}":
                    return ErlMap(pairs), nxt()
            raise self.unexpected("',' or '}' after map value", tok)

    def parse_fun(self) -> tuple[Term, Token]:
        nxt = self.lexer.next
        module = nxt()
        if module[0] != ATOM:
            raise self.unexpected("a module name (an atom) after 'fun'", module)
        tok = nxt()
        if tok[0] != PUNCT or tok[1] != ":":
            raise self.unexpected("':' after the module name in 'fun'", tok)
        function = nxt()
        if function[0] != ATOM:
            raise self.unexpected("a function name (an atom) after ':'", function)
        tok = nxt()
        if tok[0] != PUNCT or tok[1] != "/":
            raise self.unexpected("'/' after the function name in 'fun'", tok)
        arity = nxt()
        if arity[0] != INT:
            raise self.unexpected_in_int_place("an arity (an integer) after '/'", arity)
        fun = ExternalFun(module[1], function[1], arity[1])
        return fun, nxt()

    # -- binaries ----------------------------------------------------------------

    def parse_binary(self) -> tuple[Term, Token]:
        nxt = self.lexer.next
        tok = nxt()
        if tok[0] == PUNCT and tok[1] == ">>":
            return b"", nxt()
        out = _Bits()
        while True:
            tok = self.parse_segment(tok, out)
            if tok[0] == PUNCT:
                if tok[1] == ",":
                    tok = nxt()
                    continue
                if tok[1] == ">>":
                    if out.pending_bits:
                        raise self.error(
                            "binary is not a whole number of bytes "
                            f"({len(out.data) * 8 + out.pending_bits} bits)",
                            tok[2],
                        )
                    return bytes(out.data), nxt()
            raise self.unexpected("',' or '>>' after binary segment", tok)

    def parse_segment(self, tok: Token, out: _Bits) -> Token:
        """Reads one segment starting at ``tok`` into ``out``; returns the next token."""
        nxt = self.lexer.next
        values: list[int | float]
        kind = tok[0]
        if kind == STRING:
            parts = [tok[1]]
            tok = nxt()
            while tok[0] == STRING:
                parts.append(tok[1])
                tok = nxt()
            values = [ord(c) for part in parts for c in part]
        elif kind in (INT, FLOAT):
            values = [tok[1]]
            tok = nxt()
        elif kind == PUNCT and tok[1] in ("-", "+"):
            number, tok = self.parse_signed(tok)
            values = [number]
        else:
            raise self.unexpected("a string or a number in binary segment", tok)
        size: int | None = None
        if tok[0] == PUNCT and tok[1] == ":":
            size_tok = nxt()
            if size_tok[0] != INT:
                raise self.unexpected_in_int_place("a size (an integer) after ':'", size_tok)
            size = size_tok[1]
            assert size is not None
            if size > _MAX_SEGMENT_BITS:
                raise self.error("binary segment size is too large", size_tok[3])
            tok = nxt()
        seg_type, signed, endian, unit = "integer", False, "big", None
        if tok[0] == PUNCT and tok[1] == "/":
            while True:
                word = nxt()
                if word[0] != ATOM:
                    raise self.unexpected("a type specifier after '/' or '-'", word)
                name = str(word[1])
                tok = nxt()
                if name in _TYPES:
                    seg_type = name
                elif name in _SIGNEDNESS:
                    signed = name == "signed"
                elif name in _ENDIANNESS:
                    endian = sys.byteorder if name == "native" else name
                elif name == "unit":
                    if tok[0] != PUNCT or tok[1] != ":":
                        raise self.unexpected("':' after 'unit'", tok)
                    unit_tok = nxt()
                    if unit_tok[0] != INT:
                        raise self.unexpected_in_int_place("a unit (an integer)", unit_tok)
                    if not 1 <= unit_tok[1] <= 256:
                        raise self.error("a unit must be between 1 and 256", unit_tok[3])
                    unit = unit_tok[1]
                    tok = nxt()
                else:
                    raise self.error(f"unknown binary type specifier {name!r}", word[3])
                if tok[0] != PUNCT or tok[1] != "-":
                    break
        # Detected only now: the segment ends at ``tok``.
        del signed  # two's complement bytes are the same either way
        problem = _encode(values, out, seg_type=seg_type, size=size, unit=unit, endian=endian)
        if problem is not None:
            raise self.error(problem, tok[2])
        return tok


def _encode(
    values: list[int | float],
    out: _Bits,
    *,
    seg_type: str,
    size: int | None,
    unit: int | None,
    endian: str,
) -> str | None:
    """Appends one segment's values to ``out``; returns what is wrong, if anything."""
    if seg_type in ("utf8", "utf16", "utf32"):
        if size is not None or unit is not None:
            return f"a {seg_type} segment cannot have a size or unit"
        codec = {"utf8": "utf-8", "utf16": "utf-16", "utf32": "utf-32"}[seg_type]
        codec += "" if seg_type == "utf8" else ("-be" if endian == "big" else "-le")
        for value in values:
            if type(value) is not int or not 0 <= value <= 0x10FFFF or 0xD800 <= value <= 0xDFFF:
                return f"{_show(value)} is not a character for a {seg_type} segment"
            out.add_bytes(chr(value).encode(codec))
        return None
    if seg_type == "float":
        bits = (64 if size is None else size) * (1 if unit is None else unit)
        fmt = {16: "e", 32: "f", 64: "d"}.get(bits)
        if fmt is None:
            return f"a float segment must be 16, 32 or 64 bits, not {bits}"
        order = ">" if endian == "big" else "<"
        for value in values:
            try:
                out.add_bytes(struct.pack(order + fmt, float(value)))
            except (OverflowError, struct.error):
                return f"{_show(value)} does not fit in a {bits}-bit float"
        return None
    if seg_type == "integer":
        bits = (8 if size is None else size) * (1 if unit is None else unit)
        if bits > _MAX_SEGMENT_BITS:
            return f"binary segment of {bits} bits is too large"
        if endian == "little" and bits % 8:
            return "a little-endian segment must be a whole number of bytes"
        for value in values:
            if type(value) is not int:
                return f"{_show(value)} is not an integer for an integer segment"
            masked = value & ((1 << bits) - 1)
            if endian == "little":
                out.add_bytes(masked.to_bytes(bits // 8, "little"))
            else:
                out.add_int(masked, bits)
        return None
    return f"a {seg_type} segment needs a binary value"


class _Bits:
    """Bytes built so far plus up to 7 bits not yet making a byte."""

    __slots__ = ("data", "pending", "pending_bits")

    def __init__(self) -> None:
        self.data = bytearray()
        self.pending = 0
        self.pending_bits = 0

    def add_bytes(self, chunk: bytes) -> None:
        if not self.pending_bits:
            self.data += chunk
        else:
            self.add_int(int.from_bytes(chunk, "big"), len(chunk) * 8)

    def add_int(self, value: int, bits: int) -> None:
        if not self.pending_bits and bits == 8:
            self.data.append(value)
            return
        total = self.pending_bits + bits
        acc = (self.pending << bits) | value
        whole, rest = divmod(total, 8)
        if whole:
            self.data += (acc >> rest).to_bytes(whole, "big")
        self.pending = acc & ((1 << rest) - 1)
        self.pending_bits = rest


def _show(value: float) -> str:
    """A number for an error message; huge integers are not spelled out."""
    if isinstance(value, int) and value.bit_length() > 100:
        return f"a {value.bit_length()}-bit integer"
    return repr(value)


def _cons(items: list[Term], tail: Term) -> Term:
    """``[items... | tail]``: a proper list when the tail is one."""
    if type(tail) is list:
        return items + tail
    if type(tail) is str:
        return items + [ord(c) for c in tail]
    if type(tail) is ImproperList:
        return ImproperList((*items, *tail.items), tail.tail)
    return ImproperList(tuple(items), tail)


def _expect_dot(parser: _Parser, tok: Token) -> None:
    if tok[0] != DOT:
        raise parser.unexpected("'.' after term", tok)


def parse_terms(text: str, *, path: str | None = None, pids: bool = False) -> list[Term]:
    """Every dot-terminated term of ``text``, as ``file:consult`` reads a file.

    ``pids=True`` also reads ``<0.42.0>`` as :class:`ErlPid` (not Erlang term text).
    """
    parser = _Parser(text, path, pids=pids)
    terms: list[Term] = []
    while True:
        tok = parser.lexer.next()
        if tok[0] == EOF:
            return terms
        term, tok = parser.value(tok, 0)
        _expect_dot(parser, tok)
        terms.append(term)


def parse_term(
    text: str, *, path: str | None = None, pids: bool = False, require_dot: bool = True
) -> Term:
    """Exactly one term followed by ``.``; only whitespace and comments may follow.

    ``pids=True`` also reads ``<0.42.0>`` as :class:`ErlPid` (not Erlang term text);
    ``require_dot=False`` makes the final ``.`` optional (``{get, x}`` as typed on a
    command line).
    """
    parser = _Parser(text, path, pids=pids)
    term, tok = parser.value(parser.lexer.next(), 0)
    if tok[0] == EOF and not require_dot:
        return term
    if tok[0] != DOT and not require_dot:
        raise parser.unexpected("'.' or end of input after term", tok)
    _expect_dot(parser, tok)
    tok = parser.lexer.next()
    if tok[0] != EOF:
        raise parser.unexpected("end of input after the term's final '.'", tok)
    return term


def parse_first_term(text: str, *, path: str | None = None, pids: bool = False) -> Term:
    """The first term of ``text``; whatever follows its final ``.`` is never read."""
    parser = _Parser(text, path, pids=pids)
    term, tok = parser.value(parser.lexer.next(), 0)
    _expect_dot(parser, tok)
    return term


def decode_file(data: bytes, *, path: str | None = None) -> str:
    """The text of a term file: UTF-8 unless line 1 or 2 says ``coding: latin-1``."""
    head = data.split(b"\n", 2)[:2]
    encoding = "utf-8"
    for first_line in head:
        m = _CODING.match(first_line.decode("latin-1"))
        if m is not None:
            if m.group(1).lower() in _LATIN_1:
                encoding = "latin-1"
            break
    if encoding == "latin-1":
        return data.decode("latin-1")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        raise TermSyntaxError(
            f"invalid UTF-8 byte 0x{data[exc.start]:02x} (add '%% coding: latin-1' "
            "on the first line if the file is Latin-1)",
            path=path,
            line=line,
            col=col,
        ) from None
    return text.removeprefix("\ufeff")


def read_terms(path: str | os.PathLike[str]) -> list[Term]:
    """All terms of the file at ``path`` (``file:consult``); OSError propagates."""
    with open(path, "rb") as f:
        data = f.read()
    name = str(path)
    return parse_terms(decode_file(data, path=name), path=name)


def read_first_term(path: str | os.PathLike[str]) -> Term:
    """The first term of the file at ``path``, as systools reads .rel/.app/.appup."""
    with open(path, "rb") as f:
        data = f.read()
    name = str(path)
    return parse_first_term(decode_file(data, path=name), path=name)


def scan_to_first_dot(text: str, *, path: str | None = None) -> None:
    """Tokenize up to the first terminating dot, as OTP's ``erl_scan`` does before any
    parsing; raise the scan error (``stage == "scan"``) if a bad token comes first.

    systools reports such a file as unreadable rather than unparsable, even when a
    syntax error comes earlier in the text.
    """
    lexer = Lexer(text, path)
    while True:
        kind = lexer.next()[0]
        if kind in (DOT, EOF):
            return
