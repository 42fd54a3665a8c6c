"""Writing terms: format_term, format_pretty and format_file."""

from __future__ import annotations

import math

import pytest

from relup.terms import (
    Atom,
    ErlMap,
    ErlPid,
    ExternalFun,
    ImproperList,
    Term,
    equal,
    format_file,
    format_pretty,
    format_term,
    parse_term,
    parse_terms,
)


class TestFormatTerm:
    @pytest.mark.parametrize(
        ("term", "text"),
        [
            (Atom("ok"), "ok"),
            (Atom("Foo"), "'Foo'"),
            (Atom("maybe"), "'maybe'"),
            (Atom("a\\b"), "'a\\\\b'"),
            (Atom("a\nb"), "'a\\nb'"),
            (Atom('say "hi"'), "'say \"hi\"'"),
            (-17, "-17"),
            ("plain", '"plain"'),
            ("", '""'),
            ('q" b\\', '"q\\" b\\\\"'),
            ("a\nb\tc\r\x0b\x08\x0c\x1b\x7f", '"a\\nb\\tc\\r\\v\\b\\f\\e\\d"'),
            ("\x01\x9f", '"\\x{1}\\x{9F}"'),
            ("it's ünï 😀", '"it\'s ünï 😀"'),
            ("\ud800x", "[55296,120]"),
            ([104, 105], "[104,105]"),
            ([1, "a", Atom("b"), (Atom("c"),)], '[1,"a",b,{c}]'),
            (b"bin", '<<"bin">>'),
            (b'q"\\', '<<"q\\"\\\\">>'),
            (b"\x01\x02\x03", "<<1,2,3>>"),
            (b"caf\xc3\xa9", "<<99,97,102,195,169>>"),
            (b"", "<<>>"),
            ((), "{}"),
            (ErlMap(), "#{}"),
            (ErlMap([(Atom("a"), 1), ("k", [Atom("x")])]), '#{a => 1,"k" => [x]}'),
            (ImproperList((1, 2), Atom("t")), "[1,2|t]"),
            (ExternalFun(Atom("m"), Atom("f"), 2), "fun m:f/2"),
            (ExternalFun(Atom("M"), Atom("end"), 0), "fun 'M':'end'/0"),
        ],
    )
    def test_spelling(self, term: Term, text: str) -> None:
        """Each kind of term is written in its documented spelling."""
        assert text == format_term(term)
        assert equal(term, parse_term(text + "."))

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (1.0, "1.0"),
            (-0.0025, "-0.0025"),
            (1.0e10, "1.0e10"),
            (0.1, "0.1"),
            (100.0, "100.0"),
            (1000.0, "1.0e3"),
            (123.456, "123.456"),
            (1e-5, "1.0e-5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (2.0**53, "9.007199254740992e15"),
            (5e-324, "5.0e-324"),
            (1.7976931348623157e308, "1.7976931348623157e308"),
        ],
    )
    def test_float(self, value: float, text: str) -> None:
        """Floats use OTP's short form and read back exactly."""
        assert text == format_term(value)
        again = parse_term(text + ".")
        assert value == again
        assert math.copysign(1, value) == math.copysign(1, again)  # type: ignore[arg-type]

    @pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
    def test_non_finite_float_is_refused(self, value: float) -> None:
        """Erlang has no infinities or NaN."""
        with pytest.raises(ValueError):
            format_term(value)

    @pytest.mark.parametrize("value", [True, False, None, 1j, {1: 2}, {1}, object()])
    def test_non_terms_are_refused(self, value: object) -> None:
        """bool and other Python values are not terms."""
        with pytest.raises(TypeError):
            format_term(value)  # type: ignore[arg-type]

    def test_bool_inside_a_list_is_refused(self) -> None:
        """Nested non-terms are refused too."""
        with pytest.raises(TypeError):
            format_term([1, True])  # type: ignore[list-item]

    def test_huge_integer(self) -> None:
        """Integers past Python's str-conversion limit are written in decimal."""
        value = -(7**9000)
        text = format_term(value)
        assert (True, value) == (text[1:].isdigit(), parse_term(text + "."))


def test_pid_is_written_as_erlang_prints_it() -> None:
    """An ErlPid is written <A.B.C>, and reads back only with pids=True."""
    term = (Atom("from"), ErlPid(0, 42, 0), [ErlPid(1, 2, 3)])
    assert "{from,<0.42.0>,[<1.2.3>]}" == format_term(term)
    assert term == parse_term(format_term(term) + ".", pids=True)


class TestFormatPretty:
    def test_short_terms_stay_on_one_line(self) -> None:
        """A term that fits is written as format_term writes it."""
        term = (Atom("apply"), (Atom("application"), Atom("start"), [Atom("mail")]))
        assert format_term(term) == format_pretty(term)

    def test_long_tuple_breaks_with_aligned_elements(self) -> None:
        """Elements go one per line, aligned after the opening bracket."""
        term = ("2.0.0", [("1.0.0", [Atom("abcdef") for _ in range(30)])], [])
        expected = '{"2.0.0",\n [{"1.0.0",\n   [abcdef,\n    abcdef,'
        assert expected == format_pretty(term)[: len(expected)]

    def test_tagged_tuple_keeps_its_tag_on_the_first_line(self) -> None:
        """{tag, ...} breaks after the tag, aligned after it."""
        term = (Atom("modules"), [Atom(f"shop_module_{i}") for i in range(10)])
        lines = format_pretty(term, width=40).splitlines()
        assert "{modules,[shop_module_0," == lines[0]
        assert " " * 10 + "shop_module_1," == lines[1]

    def test_every_line_fits_when_possible(self) -> None:
        """No line is longer than the width when all atoms are short."""
        term = [(Atom("load_module"), Atom(f"m{i}"), Atom("soft_purge")) for i in range(40)]
        assert max(len(line) for line in format_pretty(term, width=60).splitlines()) <= 60

    def test_maps_and_improper_lists_break_too(self) -> None:
        """Maps and improper lists laid out over lines still read back."""
        term: Term = [
            ErlMap([(Atom(f"key{i}"), [Atom("value")] * 8) for i in range(4)]),
            ImproperList(tuple(range(30)), Atom("tail")),
        ]
        text = format_pretty(term, width=40)
        assert text.count("\n") > 4
        assert equal(term, parse_term(text + "."))


class TestFormatFile:
    def test_layout(self) -> None:
        """A coding line, then each term followed by '.' and a newline."""
        text = format_file([Atom("a"), [1, 2]])
        assert "%% coding: utf-8\na.\n[1,2].\n" == text
        assert [Atom("a"), [1, 2]] == parse_terms(text)

    def test_without_coding_line(self) -> None:
        """coding=False leaves the coding line out."""
        assert "a.\n" == format_file([Atom("a")], coding=False)

    def test_empty(self) -> None:
        """No terms, no text but the coding line."""
        assert "%% coding: utf-8\n" == format_file([])
