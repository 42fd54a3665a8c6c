"""Tokens of Erlang term text, cut lazily from the front of a string.

Rules (the subset of OTP's ``erl_scan`` that consultable files use):

* Whitespace is every character up to ``\\s`` (32) and 128..160, as in erl_scan.
  ``%`` starts a comment that runs to the end of the line (never inside a string or
  a quoted atom).
* A bare atom is ``[a-zß-öø-ÿ][A-Za-z0-9_@À-ÖØ-öø-ÿ]*`` (Latin-1 letters count);
  Erlang's reserved words (``end``, ``case``, ``fun`` ...) are not atoms when bare.
  A word starting with ``[A-Z_À-ÖØ-Þ]`` is a variable, which a term cannot hold.
  An atom has at most 255 characters.
* Quoted atoms ``'...'``, strings ``"..."`` and character literals ``$c`` use the
  escapes of spec §8.1: ``\\b \\d \\e \\f \\n \\r \\s \\t \\v``; ``\\NNN`` one to three
  octal digits; ``\\xHH`` exactly two hex digits; ``\\x{H...}`` a code point;
  ``\\^c`` is ``ord(c) & 31``; any other ``\\c`` is ``c``.
* Integers: ``1_000`` (one ``_`` between digits), ``16#ff`` (base 2..36); floats need
  digits on both sides of the dot: ``1.5``, ``2.0e-3``.
* A ``.`` ends a term only when followed by whitespace, ``%`` or the end of input.
* Only with ``pids=True``: ``<A.B.C>`` (three integers, no blanks, as ``list_to_pid``
  reads it) is a pid. Without it, that text is the same error as before: erl_scan
  has no such token.

Errors are reported where they are *detected*: at the first character that no valid
text could continue with (the start of a bad token, the bad digit inside a number,
the character after a ``.``, the end of input for an unterminated string). So a
one-character edit to valid text is never reported before the edit.

Tokens are ``(kind, value, start, end)`` tuples; :meth:`Lexer.next` cuts one token
at a time, so text after the last token read is never looked at.
"""

from __future__ import annotations

import re
from typing import Any, Final

from relup.errors import TermSyntaxError

from ._model import Atom, ErlPid

__all__ = [
    "ATOM",
    "DOT",
    "EOF",
    "FLOAT",
    "INT",
    "MAX_ATOM_LENGTH",
    "PID",
    "PUNCT",
    "RESERVED",
    "RESERVED_WORDS",
    "STRING",
    "Lexer",
    "Token",
    "describe",
    "is_unicode",
    "position",
]

#: (kind, value, start offset, end offset); the value's type depends on the kind.
Token = tuple[str, Any, int, int]

ATOM: Final = "atom"
RESERVED: Final = "reserved"
INT: Final = "int"
FLOAT: Final = "float"
STRING: Final = "string"
PUNCT: Final = "punct"
DOT: Final = "dot"
EOF: Final = "eof"
PID: Final = "pid"

MAX_ATOM_LENGTH: Final = 255

#: erl_scan:reserved_word/1 (OTP 25).
RESERVED_WORDS: Final = frozenset(
    {
        "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor",
        "case", "catch", "cond", "div", "end", "fun", "if", "let", "not", "of", "or",
        "orelse", "receive", "rem", "try", "when", "xor",
    }
)  # fmt: skip

_WS = "\x00-\x20\x80-\xa0"
_NAME = "A-Za-z0-9_@À-ÖØ-öø-ÿ"

# One match per token: blanks and comments are skipped by the same pattern, and the
# token is the named group that matched (its start is the token's start). Common
# tokens come first; a float is tried before an integer.
_TOKEN = re.compile(
    rf"""
    (?:[{_WS}]+|%[^\n]*)*
    (?:
    (?P<punct><<|>>|=>|[{{}}\[\]()|,:/\#+\-])
  | (?P<word>[a-zß-öø-ÿ][{_NAME}]*)
  | (?P<string>"[^"\\]*(?:\\.[^"\\]*)*")
  | (?P<float>[0-9]+(?:_[0-9]+)*\.[0-9]+(?:_[0-9]+)*(?:[eE][+-]?[0-9]+(?:_[0-9]+)*)?)
  | (?P<based>[0-9]+(?:_[0-9]+)*\#)
  | (?P<int>[0-9]+(?:_[0-9]+)*)
  | (?P<var>[A-Z_À-ÖØ-Þ][{_NAME}]*)
  | (?P<qatom>'[^'\\]*(?:\\.[^'\\]*)*')
  | (?P<char>\$)
  | (?P<dot>\.(?=[{_WS}%]|\Z))
  | (?P<eof>\Z)
  | (?P<pid><[0-9]+\.[0-9]+\.[0-9]+>)
  | (?P<other>.)
    )
    """,
    re.VERBOSE | re.DOTALL,
)

#: As much of ``<A.B.C>`` as the text holds, to place the error in a malformed pid.
_PID_PREFIX = re.compile(r"<(?:[0-9]+(?:\.(?:[0-9]+(?:\.[0-9]*)?)?)?)?")
_BASED_DIGITS = re.compile(r"[0-9a-zA-Z]+(?:_[0-9a-zA-Z]+)*")
_OCTAL = re.compile(r"[0-7]{1,3}")
_HEX = re.compile(r"[0-9a-fA-F]*")
_HEX2 = re.compile(r"[0-9a-fA-F]{2}")
_NOT_UNICODE = re.compile("[\ud800-\udfff\ufffe\uffff]")
_ESCAPES: Final = {
    "b": 8,
    "d": 127,
    "e": 27,
    "f": 12,
    "n": 10,
    "r": 13,
    "s": 32,
    "t": 9,
    "v": 11,
}
# int() refuses more than 4300 digits in a base that is not a power of two.
_INT_CHUNK = 4000


def is_unicode(code: int) -> bool:
    """True for the code points erl_scan accepts in text (not surrogates, FFFE, FFFF)."""
    return 0 <= code < 0xD800 or 0xDFFF < code < 0xFFFE or 0xFFFF < code <= 0x10FFFF


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of ``offset``; columns count characters."""
    line = text.count("\n", 0, offset) + 1
    col = offset - text.rfind("\n", 0, offset)
    return line, col


def describe(text: str, token: Token) -> str:
    """How an error message names a token: ``'}'``, ``end of input``, ``"abc"``."""
    kind, _, start, end = token
    if kind == EOF:
        return "end of input"
    shown = text[start:end]
    if len(shown) > 20:
        shown = shown[:17] + "..."
    if kind == STRING:
        return f"string {shown}"
    return f"'{shown}'" if not shown.startswith("'") else shown


def _digits_to_int(digits: str, base: int) -> int:
    if len(digits) <= _INT_CHUNK:
        return int(digits, base)
    half = len(digits) // 2
    scale: int = base ** (len(digits) - half)
    return _digits_to_int(digits[:half], base) * scale + _digits_to_int(digits[half:], base)


def _clip(spelled: str) -> str:
    return spelled if len(spelled) <= 30 else spelled[:27] + "..."


def _show_char(text: str, offset: int) -> str:
    return "end of input" if offset >= len(text) else repr(text[offset])


class Lexer:
    """Cuts tokens from ``text`` one at a time; raises TermSyntaxError on bad text."""

    __slots__ = ("path", "pids", "pos", "text")

    def __init__(self, text: str, path: str | None = None, *, pids: bool = False) -> None:
        self.text = text
        self.path = path
        self.pos = 0
        self.pids = pids

    def error(self, message: str, offset: int, stage: str = "scan") -> TermSyntaxError:
        line, col = position(self.text, offset)
        return TermSyntaxError(message, path=self.path, line=line, col=col, stage=stage)

    def next(self) -> Token:
        m = _TOKEN.match(self.text, self.pos)
        assert m is not None  # the last alternatives match the end or any character
        kind = m.lastgroup
        assert kind is not None
        start, end = m.start(kind), m.end()
        self.pos = end
        if kind == "eof":
            return (EOF, None, start, start)
        if kind == "punct":
            return (PUNCT, m.group(kind), start, end)
        if kind == "word":
            word = m.group(kind)
            if word in RESERVED_WORDS:
                return (RESERVED, word, start, end)
            if len(word) > MAX_ATOM_LENGTH:
                raise self.error(f"atom is longer than {MAX_ATOM_LENGTH} characters", end)
            return (ATOM, Atom(word), start, end)
        if kind == "int":
            self._check_number_end(end)
            return (INT, _digits_to_int(m.group(kind).replace("_", ""), 10), start, end)
        if kind == "string":
            return (STRING, self._quoted(start + 1, end - 1), start, end)
        if kind == "qatom":
            name = self._quoted(start + 1, end - 1)
            if len(name) > MAX_ATOM_LENGTH:
                raise self.error(f"atom is longer than {MAX_ATOM_LENGTH} characters", end - 1)
            return (ATOM, Atom(name), start, end)
        if kind == "dot":
            return (DOT, None, start, end)
        if kind == "float":
            return self._float(m.group(kind), start, end)
        if kind == "based":
            return self._based(m.group(kind), start, end)
        if kind == "char":
            return self._char(start)
        if kind == "pid" and self.pids:
            a, b, c = m.group(kind)[1:-1].split(".")
            pid = ErlPid(_digits_to_int(a, 10), _digits_to_int(b, 10), _digits_to_int(c, 10))
            return (PID, pid, start, end)
        if kind == "var":
            raise self.error(
                f"variables are not allowed in a term, got {_clip(m.group(kind))!r}"
                " (quote it to make an atom)",
                start,
                stage="parse",  # Erlang scans a variable fine; only a term cannot hold it
            )
        return self._other(start)

    # -- numbers ---------------------------------------------------------------

    def _check_number_end(self, end: int) -> None:
        """A number directly followed by ``_`` has a separator with no digit after it."""
        if end < len(self.text) and self.text[end] == "_":
            raise self.error(
                f"expected a digit after '_' in a number, got {_show_char(self.text, end + 1)}",
                end + 1,
            )

    def _float(self, spelled: str, start: int, end: int) -> Token:
        text = self.text
        if end < len(text) and text[end] in "eE":
            at = end + 1
            if at < len(text) and text[at] in "+-":
                at += 1
            raise self.error(
                f"expected a digit in the float's exponent, got {_show_char(text, at)}", at
            )
        self._check_number_end(end)
        value = float(spelled.replace("_", ""))
        if value in (float("inf"), float("-inf")):
            raise self.error(f"float {_clip(spelled)} is out of range", end)
        return (FLOAT, value, start, end)

    def _based(self, prefix: str, start: int, end: int) -> Token:
        text = self.text
        base = _digits_to_int(prefix[:-1].replace("_", ""), 10)
        hash_at = end - 1
        if not 2 <= base <= 36:
            raise self.error(f"base {_clip(prefix[:-1])} is not between 2 and 36", hash_at)
        m = _BASED_DIGITS.match(text, end)
        if m is None:
            raise self.error(
                f"expected a base-{base} digit after '#', got {_show_char(text, end)}", end
            )
        digits = m.group()
        for i, ch in enumerate(digits):
            if ch != "_" and int(ch, 36) >= base:
                raise self.error(f"digit {ch!r} is not valid in base {base}", end + i)
        self.pos = m.end()
        self._check_number_end(m.end())
        return (INT, _digits_to_int(digits.replace("_", ""), base), start, m.end())

    # -- characters, strings and quoted atoms ----------------------------------

    def _char(self, start: int) -> Token:
        text = self.text
        at = start + 1
        if at >= len(text):
            raise self.error("expected a character after '$', got end of input", at)
        if text[at] == "\\":
            code, end = self._escape(at + 1, len(text))
        else:
            code, end = ord(text[at]), at + 1
            if not is_unicode(code):
                raise self.error(f"invalid character U+{code:04X} after '$'", at)
        self.pos = end
        return (INT, code, start, end)

    def _quoted(self, begin: int, limit: int) -> str:
        """Decodes the body ``text[begin:limit]`` of a string or quoted atom."""
        text = self.text
        bad = _NOT_UNICODE.search(text, begin, limit)
        if bad is not None:
            raise self.error(f"invalid character U+{ord(bad.group()):04X}", bad.start())
        slash = text.find("\\", begin, limit)
        if slash < 0:
            return text[begin:limit]
        parts: list[str] = []
        at = begin
        while slash >= 0:
            parts.append(text[at:slash])
            code, at = self._escape(slash + 1, limit)
            parts.append(chr(code))
            slash = text.find("\\", at, limit)
        parts.append(text[at:limit])
        return "".join(parts)

    def _escape(self, at: int, limit: int) -> tuple[int, int]:
        """Decodes the escape whose first character (after ``\\``) is at ``at``."""
        text = self.text
        if at >= limit:
            raise self.error(
                f"expected an escape character after '\\', got {_show_char(text, at)}", at
            )
        ch = text[at]
        if "0" <= ch <= "7":
            m = _OCTAL.match(text, at, limit)
            assert m is not None
            return int(m.group(), 8), m.end()
        if ch == "x":
            at += 1
            if at < limit and text[at] == "{":
                m = _HEX.match(text, at + 1, limit)
                assert m is not None
                close = m.end()
                if close >= limit or text[close] != "}":
                    got = _show_char(text, close)
                    raise self.error(f"expected a hex digit or '}}' in '\\x{{', got {got}", close)
                if not m.group():
                    raise self.error("expected a hex digit in '\\x{}', got '}'", close)
                code = int(m.group(), 16)
                if not is_unicode(code):
                    raise self.error(f"'\\x{{{m.group()}}}' is not a valid character", close)
                return code, close + 1
            m = _HEX2.match(text, at, limit)
            if m is None:
                bad = at if at >= limit or text[at] not in "0123456789abcdefABCDEF" else at + 1
                got = _show_char(text, bad)
                raise self.error(f"expected two hex digits or '{{' after '\\x', got {got}", bad)
            return int(m.group(), 16), m.end()
        if ch == "^":
            at += 1
            if at >= limit:
                raise self.error(
                    f"expected a character after '\\^', got {_show_char(text, at)}", at
                )
            return ord(text[at]) & 31, at + 1
        known = _ESCAPES.get(ch)
        if known is not None:
            return known, at + 1
        if not is_unicode(ord(ch)):
            raise self.error(f"invalid character U+{ord(ch):04X}", at)
        return ord(ch), at + 1

    # -- everything else is an error -------------------------------------------

    def _other(self, start: int) -> Token:
        text = self.text
        ch = text[start]
        if ch in "\"'":
            what = "string" if ch == '"' else "quoted atom"
            line, col = position(text, start)
            raise self.error(
                f"unterminated {what} (it starts at line {line}, column {col})", len(text)
            )
        if ch == ".":
            raise self.error(
                "expected whitespace, '%' or end of input after '.', got " + repr(text[start + 1]),
                start + 1,
            )
        if ch == "<" and self.pids and start + 1 < len(text) and text[start + 1] != "<":
            m = _PID_PREFIX.match(text, start)
            assert m is not None
            at = m.end()
            if at == start + 1:
                raise self.error(
                    f"expected '<<' or a pid like <0.42.0>, got {text[start : at + 1]!r}", at
                )
            got = _show_char(text, at)
            raise self.error(
                f"expected a pid like <0.42.0>, got {got} after {text[start:at]!r}", at
            )
        if ch in "<>=":
            # The first character could begin '<<', '>>' or '=>': the next one decides.
            pair = {"<": "<<", ">": ">>", "=": "=>"}[ch]
            raise self.error(
                f"expected {pair!r}, got {text[start : start + 2]!r}"
                if start + 1 < len(text)
                else f"expected {pair!r}, got end of input",
                start + 1,
            )
        if ch == "\\":
            raise self.error("unexpected '\\' outside a string or quoted atom", start)
        return_char = f"U+{ord(ch):04X}" if not ch.isprintable() else repr(ch)
        raise self.error(f"unexpected character {return_char}", start)
