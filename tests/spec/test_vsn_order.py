"""Versions ordered for people: PEP 440 where it parses, natural order otherwise, always total."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relup.spec.vsn_order import latest, sorted_vsns, vsn_key

#: Version-like text: digits, dots, letters and separators, so that both branches are hit.
vsn_like = st.text(alphabet="0123456789.abcrRBv-+_ ", max_size=12)
any_vsn = st.one_of(st.text(max_size=12), vsn_like)


class TestOrder:
    @pytest.mark.parametrize(
        "ordered",
        [
            ["1.9", "1.10", "2.0rc1", "2.0", "2.0.post1", "10.0"],
            ["R9B", "R16B", "R16B01", "R16B03", "R16B03-1"],
            ["R16B03", "17.0"],
            ["1.0", "1.0.0"],
            ["build-2", "build-10"],
            ["x9", "x0010", "x10"],
        ],
    )
    def test_examples(self, ordered: list[str]) -> None:
        """Known versions come out in the order people expect."""
        assert ordered == sorted_vsns(reversed(ordered))

    def test_fallback_sorts_before_pep440(self) -> None:
        """A string packaging cannot parse sorts before every one it can."""
        assert ["latest", "0.0.1"] == sorted_vsns(["0.0.1", "latest"])

    def test_newest_first(self) -> None:
        """newest_first reverses the order."""
        assert ["2.0", "1.10", "1.9"] == sorted_vsns(["1.9", "2.0", "1.10"], newest_first=True)

    def test_latest(self) -> None:
        """latest picks the greatest version, and None from nothing."""
        assert "1.10" == latest(["1.9", "1.10", "R16B"])
        assert latest([]) is None

    def test_huge_numbers(self) -> None:
        """Numbers longer than int() accepts still order numerically, without raising."""
        small, big = "9" * 5000, "1" + "0" * 5000
        assert [small, big] == sorted_vsns([big, small])


class TestTotalOrder:
    @settings(max_examples=500)
    @given(any_vsn)
    def test_never_raises(self, vsn: str) -> None:
        """Any string has a key, and it compares with itself."""
        key = vsn_key(vsn)
        assert key == vsn_key(vsn)

    @settings(max_examples=500)
    @given(any_vsn, any_vsn)
    def test_equal_keys_only_for_equal_strings(self, a: str, b: str) -> None:
        """Two different strings never tie, so sorting is deterministic."""
        assert (a == b) == (vsn_key(a) == vsn_key(b))

    @settings(max_examples=500)
    @given(any_vsn, any_vsn)
    def test_trichotomy(self, a: str, b: str) -> None:
        """Exactly one of a < b, a == b, a > b holds."""
        ka, kb = vsn_key(a), vsn_key(b)
        assert 1 == [ka < kb, ka == kb, ka > kb].count(True)

    @settings(max_examples=500)
    @given(any_vsn, any_vsn, any_vsn)
    def test_transitive(self, a: str, b: str, c: str) -> None:
        """a <= b and b <= c imply a <= c."""
        ka, kb, kc = vsn_key(a), vsn_key(b), vsn_key(c)
        if ka <= kb <= kc:
            assert ka <= kc

    @settings(max_examples=200)
    @given(st.lists(any_vsn, max_size=8))
    def test_sorting_ignores_input_order(self, vsns: list[str]) -> None:
        """The same versions in any order sort to the same list."""
        assert sorted_vsns(vsns) == sorted_vsns(reversed(vsns))
