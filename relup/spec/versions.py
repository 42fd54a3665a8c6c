"""Which appup entry applies to a base version (OTP's ``appup_search_for_version``).

Rules, in the order OTP applies them:

1. Entries are tried in list order; the first that matches wins.
2. A key that is a string (or a list of character codes) matches when it equals
   the base version exactly.
3. A key that is a binary is a regular expression (the binary literal's escapes are
   already decoded by the term reader). It matches when the *first* match found by
   a backtracking search is the whole version string: ``<<"1\\\\.0|1\\\\.0\\\\.1">>``
   does not match ``"1.0.1"`` (the first match is ``"1.0"``). PCRE is run without
   Unicode character classes, so ``\\d`` means ASCII digits: Python's ``re`` runs
   with ``re.ASCII`` to agree.
4. Keys of any other type are skipped.

Python's ``re`` agrees with PCRE on the constructs appups use (anchors, classes,
groups, alternation, greedy and lazy quantifiers). Constructs that PCRE has and
``re`` lacks, or reads differently, are refused with :class:`VersionPatternError`
instead of being silently misread.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import TypeVar

from relup.errors import RelupError
from relup.terms import Term, as_string

T = TypeVar("T")

# PCRE syntax that Python's re either rejects with an obscure message or reads differently.
_PCRE_ONLY = re.compile(
    r"\\[pPXRhHvVKQEGzCN]|\(\*|\(\?R\)|\(\?[0-9+\-]|\(\?<[A-Za-z_]|\(\?'|\(\?\||\\g\{|\\k[<{']|\(\?C"
)


class VersionPatternError(RelupError):
    """A regular-expression version key that relup cannot run with PCRE's meaning."""

    def __init__(self, pattern: str, problem: str) -> None:
        super().__init__(f"version pattern <<{pattern!r}>>: {problem}")
        self.pattern = pattern
        self.problem = problem


@functools.lru_cache(maxsize=1024)
def compile_version_pattern(raw: bytes) -> re.Pattern[str]:
    """Compile a binary version key with PCRE's meaning, or explain why not."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise VersionPatternError(repr(raw), "is not valid UTF-8") from None
    found = _PCRE_ONLY.search(text)
    if found:
        raise VersionPatternError(
            text,
            f"uses the PCRE construct {found.group(0)!r}, which Python's re lacks or reads "
            "differently; rewrite it with plain classes, groups and alternation",
        )
    try:
        return re.compile(text, re.ASCII)
    except re.error as exc:
        raise VersionPatternError(text, f"is not a valid regular expression ({exc})") from None


def version_key_matches(key: Term, vsn: str) -> bool:
    """Whether one appup version key selects the base version `vsn`."""
    if isinstance(key, bytes):
        found = compile_version_pattern(key).search(vsn)
        return found is not None and found.group(0) == vsn
    return as_string(key) == vsn


def find_appup_entry(entries: Sequence[tuple[Term, T]], vsn: str) -> T | None:
    """The instructions of the first entry whose key selects `vsn`, else None."""
    for key, instructions in entries:
        if version_key_matches(key, vsn):
            return instructions
    return None
