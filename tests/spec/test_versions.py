"""Appup version keys: exact strings, and regexes under OTP's first-match rule (spec §1.2, §8.1)."""

from __future__ import annotations

import pytest

from relup.spec.versions import VersionPatternError, find_appup_entry, version_key_matches
from relup.terms import Atom, parse_term


def key(text: str) -> object:
    return parse_term(text + ".")


class TestVersionKeyMatches:
    @pytest.mark.parametrize(
        ("written", "vsn", "expected"),
        [
            ('"1.0"', "1.0", True),
            ("[49,46,48]", "1.0", True),  # a string is its list of codes
            ('"1.0"', "1.0.1", False),
            (r'<<"1\\.0|1\\.0\\.1">>', "1.0.1", False),  # first match is "1.0"
            (r'<<"1\\.0\\.1|1\\.0">>', "1.0.1", True),
            (r'<<"2\\.1\\.[0-9]+">>', "2.1.1.1", False),
            ('<<"1.0">>', "1x0", True),  # a binary is always a pattern
            ('<<"">>', "", True),
            ('<<"">>', "1", False),
            (r'<<"^1\.[01]$">>', "1x0", True),  # \. is not an Erlang escape: any character
            (r'<<"\\d+">>', "12", True),
            (r'<<"\d+">>', "12", False),  # \d is Erlang's DEL escape
        ],
    )
    def test_otp_semantics(self, written: str, vsn: str, expected: bool) -> None:
        """Each key matches exactly as OTP's appup_search_for_version decides."""
        assert expected == version_key_matches(key(written), vsn)  # type: ignore[arg-type]

    def test_unicode_digits_are_not_digits(self) -> None:
        r"""\d means ASCII digits, as in PCRE without Unicode classes."""
        assert not version_key_matches(b"\\d", "\u0663")

    @pytest.mark.parametrize("pattern", [rb"\p{L}+", rb"1\K0", rb"(?|a|b)", rb"a\z", rb"(?<v>1)"])
    def test_pcre_only_constructs_are_refused(self, pattern: bytes) -> None:
        """A construct re lacks or reads differently is a clear error, not a silent mismatch."""
        with pytest.raises(VersionPatternError, match="PCRE construct"):
            version_key_matches(pattern, "1.0")

    def test_invalid_pattern(self) -> None:
        """An invalid pattern names the pattern."""
        with pytest.raises(VersionPatternError, match=r"\(1"):
            version_key_matches(b"(1", "1")


def test_first_matching_entry_wins() -> None:
    """Entries are tried in order; other key types are skipped."""
    entries = [(Atom("x"), "atom"), (b"1\\..*", "regex"), ("1.0", "exact")]
    assert "regex" == find_appup_entry(entries, "1.0")
    assert find_appup_entry(entries, "2.0") is None
