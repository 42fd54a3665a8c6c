"""Reading Erlang term text: every grammar point of spec §8.1/§8.2, errors and files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from relup.terms import (
    Atom,
    ErlMap,
    ErlPid,
    ExternalFun,
    ImproperList,
    Term,
    TermSyntaxError,
    equal,
    parse_first_term,
    parse_term,
    parse_terms,
    read_first_term,
    read_terms,
)


def same(expected: Term, text: str) -> None:
    actual = parse_term(text)
    assert equal(expected, actual), f"{text!r} read as {actual!r}"


def error_at(text: str) -> tuple[int, int]:
    with pytest.raises(TermSyntaxError) as info:
        parse_terms(text)
    return info.value.line, info.value.col


class TestAtoms:
    @pytest.mark.parametrize(
        ("text", "name"),
        [
            ("shop_cart.", "shop_cart"),
            ("node_a@host.", "node_a@host"),
            ("aBc_9@.", "aBc_9@"),
            ("'hello world'.", "hello world"),
            ("'Upper'.", "Upper"),
            ("'ok'.", "ok"),
            ("''.", ""),
            (r"'it\'s'.", "it's"),
            (r"'a\nb'.", "a\nb"),
            ("true.", "true"),
            ("false.", "false"),
            ("'end'.", "end"),
            ("ñandú.", "ñandú"),
            ("maybe.", "maybe"),
        ],
    )
    def test_atom(self, text: str, name: str) -> None:
        """Bare and quoted atoms read to the named Atom."""
        assert Atom(name) is parse_term(text)

    @pytest.mark.parametrize("word", ["end", "case", "after", "andalso", "receive", "of", "not"])
    def test_reserved_word_is_not_an_atom(self, word: str) -> None:
        """A bare reserved word is a syntax error, reported at the word's end."""
        assert (1, 2 + len(word)) == error_at(f"[{word}].")

    def test_bare_atom_with_dot_is_not_one_atom(self) -> None:
        """a.b is not an atom: the '.' is not followed by whitespace."""
        assert (1, 3) == error_at("a.b.")

    def test_atom_longer_than_255_characters(self) -> None:
        """Erlang atoms hold at most 255 characters."""
        assert Atom("a" * 255) is parse_term("a" * 255 + ".")
        with pytest.raises(TermSyntaxError):
            parse_term("'" + "a" * 256 + "'.")


class TestNumbers:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("42.", 42),
            ("-5.", -5),
            ("+3.", 3),
            ("- 2.", -2),
            ("-\n 2.", -2),
            ("16#ff.", 255),
            ("16#FF.", 255),
            ("2#101.", 5),
            ("36#zz.", 35 * 36 + 35),
            ("-16#10.", -16),
            ("1_000.", 1000),
            ("16#ff_ff.", 0xFFFF),
            ("$a.", 97),
            ("$\\n.", 10),
            ("$ .", 32),
            ("$\\x{1F600}.", 0x1F600),
            ("$\\^A.", 1),
            ("-$a.", -97),
            ("123456789012345678901234567890.", 123456789012345678901234567890),
        ],
    )
    def test_integer(self, text: str, value: int) -> None:
        """Signs, bases, separators and character literals give ints."""
        actual = parse_term(text)
        assert (int, value) == (type(actual), actual)

    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("1.5.", 1.5),
            ("1.0e10.", 1.0e10),
            ("-2.5e-3.", -0.0025),
            ("2.5E+3.", 2500.0),
            ("1_0.5.", 10.5),
            ("- 0.0.", -0.0),
        ],
    )
    def test_float(self, text: str, value: float) -> None:
        """Floats need digits on both sides of the dot."""
        actual = parse_term(text)
        assert (float, value) == (type(actual), actual)

    @pytest.mark.parametrize(
        ("text", "col"),
        [
            ("1e10.", 2),
            ("1.e5.", 3),
            ("1.5e.", 5),
            ("1__000.", 3),
            ("1_.", 3),
            ("2#102.", 5),
            ("1#0.", 2),
            ("37#0.", 3),
            ("16#.", 4),
            ("1.0e400.", 8),
            ("- a.", 3),
            ("- -1.", 3),
        ],
    )
    def test_bad_number(self, text: str, col: int) -> None:
        """Malformed numbers are reported where they go wrong."""
        assert (1, col) == error_at(text)

    def test_huge_integer(self) -> None:
        """Integers beyond Python's str-conversion limit are read exactly."""
        assert 10**6000 == parse_term("1" + "0" * 6000 + ".")


class TestStrings:
    @pytest.mark.parametrize(
        ("escape", "code"),
        [
            ("b", 8),
            ("d", 127),
            ("e", 27),
            ("f", 12),
            ("n", 10),
            ("r", 13),
            ("s", 32),
            ("t", 9),
            ("v", 11),
            ("\\", 92),
            ('"', 34),
            ("'", 39),
            ("0", 0),
            ("7", 7),
            ("12", 10),
            ("123", 83),
            ("x41", 65),
            ("x{41}", 65),
            ("x{1F600}", 0x1F600),
            ("x{0000041}", 65),
            ("^A", 1),
            ("^a", 1),
            ("^[", 27),
            ("^?", 31),
            (".", 46),
            ("q", 113),
            ("8", 56),
            ("\n", 10),
        ],
    )
    def test_escape(self, escape: str, code: int) -> None:
        """Each escape of spec §8.1 decodes to its character."""
        assert chr(code) == parse_term(f'"\\{escape}".')
        assert Atom(chr(code)) is parse_term(f"'\\{escape}'.")
        assert code == parse_term(f"$\\{escape}.")

    def test_octal_takes_at_most_three_digits(self) -> None:
        """\\1234 is \\123 followed by 4."""
        assert "S4" == parse_term(r'"\1234".')

    def test_adjacent_strings_concatenate(self) -> None:
        """ "ab" "cd" is "abcd", across lines and comments too."""
        assert "abcd" == parse_term('"ab" "cd".')
        assert "abcd" == parse_term('"ab" % c\n "c" "" "d".')

    def test_percent_inside_string_is_not_a_comment(self) -> None:
        """ "a%b" is a three-character string."""
        assert "a%b" == parse_term('"a%b".')

    def test_regex_keys_of_spec_8_1(self) -> None:
        """The appup regex-key table: \\\\ is a backslash, \\. is a dot, \\d is DEL."""
        assert b"^1\\.[01]$" == parse_term(r'<<"^1\\.[01]$">>.')
        assert b"^1.[01]$" == parse_term(r'<<"^1\.[01]$">>.')
        assert b"\\d+" == parse_term(r'<<"\\d+">>.')
        assert b"\x7f+" == parse_term(r'<<"\d+">>.')

    @pytest.mark.parametrize(
        ("text", "col"),
        [
            (r'"\x4".', 5),
            (r'"\xg1".', 4),
            (r'"\x{41".', 7),
            (r'"\x{}".', 5),
            (r'"\x{D800}".', 9),
            (r'"\x{110000}".', 11),
        ],
    )
    def test_bad_escape(self, text: str, col: int) -> None:
        """A malformed \\x escape is reported at the offending character."""
        assert (1, col) == error_at(text)

    def test_unterminated_string_is_reported_at_end_of_input(self) -> None:
        """An unterminated string is detected, and reported, at the end of input."""
        assert (2, 5) == error_at('ok.\n"abc')
        assert (2, 1) == error_at("'abc.\n")


class TestBinaries:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ('<<"abc">>.', b"abc"),
            ('<<"a", "b">>.', b"ab"),
            ('<<"a" "b">>.', b"ab"),
            ("<<97,98>>.", b"ab"),
            ("<<>>.", b""),
            ('<<"">>.', b""),
            ('<<"a":8>>.', b"a"),
            ('<<"é"/utf8>>.', "é".encode()),
            ('<<"é">>.', b"\xe9"),
            (r'<<"\x{100}">>.', b"\x00"),
            ("<<256:16>>.", b"\x01\x00"),
            ("<<1:16/little>>.", b"\x01\x00"),
            ("<<1:4, 2:4>>.", b"\x12"),
            ("<<-1>>.", b"\xff"),
            ("<<-1:16/signed>>.", b"\xff\xff"),
            ("<<1:1/unit:8>>.", b"\x01"),
            ("<<1.5/float>>.", b"\x3f\xf8\x00\x00\x00\x00\x00\x00"),
            ("<<1.5:32/float>>.", b"\x3f\xc0\x00\x00"),
            ('<<"ab"/utf16>>.', b"\x00a\x00b"),
            ("<<$a/utf32-little>>.", b"a\x00\x00\x00"),
            ("<<$a/big-unsigned-integer>>.", b"a"),
        ],
    )
    def test_binary(self, text: str, value: bytes) -> None:
        """Segments, sizes and types build the documented bytes."""
        assert value == parse_term(text)

    @pytest.mark.parametrize(
        ("text", "col"),
        [
            ("<<1:4>>.", 6),
            ("<<1/foo>>.", 8),
            ("<<1.5>>.", 6),
            ("<<1:8/utf8>>.", 11),
            ("<<a>>.", 3),
            ("<<1:a>>.", 5),
            ("<<1 2>>.", 5),
            ("<<1>.", 5),
        ],
    )
    def test_bad_binary(self, text: str, col: int) -> None:
        """Bits that do not make whole bytes, unknown types and stray tokens are errors."""
        assert (1, col) == error_at(text)


class TestCompound:
    def test_tuples(self) -> None:
        """Empty and nested tuples."""
        same((), "{}.")
        same((Atom("a"), (Atom("b"), (1, "x"))), '{a, {b, {1, "x"}}}.')

    def test_lists(self) -> None:
        """Empty, proper and cons-built lists."""
        same([], "[].")
        same([1, 2], "[1, 2].")
        same([1, 2], "[1|[2]].")
        same([1, 2, 3], "[1, 2 | [3]].")
        same([1, 97, 98], '[1 | "ab"].')
        same([1], "[1|[]].")

    def test_improper_list(self) -> None:
        """[a | b] with a non-list tail is an ImproperList."""
        assert ImproperList((Atom("a"),), Atom("b")) == parse_term("[a | b].")
        assert ImproperList((1, 2), 3) == parse_term("[1, 2 | 3].")
        assert ImproperList((1, 2), 3) == parse_term("[1 | [2 | 3]].")

    def test_maps(self) -> None:
        """Maps, the empty map, and equal keys (the later value wins)."""
        same(ErlMap(), "#{}.")
        same(ErlMap(), "# {}.")
        same(ErlMap([(Atom("k"), Atom("v"))]), "#{k => v}.")
        m = parse_term('#{"k" => 1, [107] => 2, k => 3}.')
        assert isinstance(m, ErlMap)
        assert (2, 2, 3) == (len(m), m["k"], m[Atom("k")])

    def test_external_fun(self) -> None:
        """fun m:f/2 is an ExternalFun."""
        assert ExternalFun(Atom("m"), Atom("f"), 2) == parse_term("fun m:f/2.")
        assert ExternalFun(Atom("M"), Atom("end"), 0) == parse_term("fun 'M':'end'/0.")

    def test_parentheses(self) -> None:
        """A term in parentheses is the term."""
        same([Atom("a"), 1], "([(a), (1)]).")

    def test_comments(self) -> None:
        """Comments run to the end of the line, anywhere whitespace may be."""
        same([Atom("a"), Atom("b")], "%% head\n[a, % one\n b] % tail\n. % after")

    @pytest.mark.parametrize(
        "text", ["X.", "_.", "1 + 2.", "{a} ++ [].", "f(x).", "fun f/2.", "a = 1.", "#{a := 1}."]
    )
    def test_expressions_are_errors(self, text: str) -> None:
        """Variables, operators and other expressions are syntax errors."""
        with pytest.raises(TermSyntaxError):
            parse_term(text)


class TestTermsAndDots:
    def test_parse_terms(self) -> None:
        """All dot-terminated terms, like file:consult."""
        assert [Atom("a"), 1, "s"] == parse_terms('a.\n1. %c\n"s".\n')
        assert [] == parse_terms("  %% only a comment\n")

    def test_dot_needs_whitespace_percent_or_end(self) -> None:
        """'.' ends a term before whitespace, '%' or the end of input."""
        assert [Atom("a"), Atom("b")] == parse_terms("a.%c\nb.")
        assert (1, 3) == error_at("a.b.")

    def test_parse_term_takes_exactly_one(self) -> None:
        """Anything but whitespace and comments after the first term is an error."""
        assert Atom("a") == parse_term("a. %% fine\n")
        with pytest.raises(TermSyntaxError) as info:
            parse_term("a. b.")
        assert (1, 4) == (info.value.line, info.value.col)

    def test_parse_first_term_ignores_the_rest(self) -> None:
        """Text after the first term's dot is never read, even if invalid."""
        assert (Atom("a"),) == parse_first_term('{a}. {{{ "unterminated ]]] X Y Z')
        assert (Atom("a"),) == parse_first_term("{a}.\n\x00\ud800'")

    def test_parse_first_term_does_not_scan_the_rest(self) -> None:
        """A huge tail after the first term costs nothing."""
        text = "{a}.\n" + "x" * 5_000_000
        started = time.perf_counter()
        parse_first_term(text)
        assert time.perf_counter() - started < 0.01

    def test_missing_final_dot_is_reported_at_end_of_input(self) -> None:
        """A term without its dot is reported where the input ends."""
        assert (2, 4) == error_at("{a,\n b}")
        with pytest.raises(TermSyntaxError):
            parse_first_term("{a}")

    def test_empty_input(self) -> None:
        """parse_term needs a term; parse_terms accepts none."""
        with pytest.raises(TermSyntaxError) as info:
            parse_term("  \n")
        assert (2, 1) == (info.value.line, info.value.col)


class TestPids:
    def test_pids_are_read_only_when_asked_for(self) -> None:
        """<0.42.0> is an ErlPid with pids=True and the same scan error as before without."""
        assert (Atom("a"), ErlPid(0, 42, 0), [ErlPid(1, 2, 3)]) == parse_term(
            "{a, <0.42.0>, [<1.2.3>]}.", pids=True
        )
        with pytest.raises(TermSyntaxError) as info:
            parse_term("{a, <0.42.0>}.")
        assert ("scan", 1, 6) == (info.value.stage, info.value.line, info.value.col)
        assert "expected '<<', got '<0'" == info.value.message

    def test_pids_in_maps_and_every_reader(self) -> None:
        """Pids may be map keys and values; parse_terms and parse_first_term take the flag."""
        m = parse_term("#{<0.1.0> => <0.2.0>}.", pids=True)
        assert isinstance(m, ErlMap) and ErlPid(0, 2, 0) == m[ErlPid(0, 1, 0)]
        assert [ErlPid(0, 7, 0)] == parse_terms("<0.7.0>.", pids=True)
        assert ErlPid(0, 7, 0) == parse_first_term("<0.7.0>. <junk", pids=True)

    @pytest.mark.parametrize(
        ("text", "col"),
        [
            ("<0.1>.", 5),  # the second dot is missing
            ("<0.1.>.", 6),
            ("<0 .1.0>.", 3),  # no blanks inside a pid
            ("<a.1.0>.", 2),
            ("<-1.0.0>.", 2),
            ("<0.1.0.", 7),
            ("<<<0.1.0>>>.", 3),  # a binary segment cannot be a pid
        ],
    )
    def test_malformed_pid_is_reported_where_it_goes_wrong(self, text: str, col: int) -> None:
        """The column is the first character that cannot continue a pid."""
        with pytest.raises(TermSyntaxError) as info:
            parse_term(text, pids=True)
        assert (1, col) == (info.value.line, info.value.col)


class TestOptionalDot:
    def test_final_dot_may_be_left_out(self) -> None:
        """require_dot=False: the term may end at the end of input, or with its dot."""
        assert (Atom("get"), 1) == parse_term("{get, 1}", require_dot=False)
        assert (Atom("get"), 1) == parse_term("{get, 1}. % done", require_dot=False)
        assert Atom("a") == parse_term("a % comment", require_dot=False)

    def test_anything_else_after_the_term_is_an_error(self) -> None:
        """A second term is refused where it starts, as with the dot required."""
        with pytest.raises(TermSyntaxError) as info:
            parse_term("{a} b", require_dot=False)
        assert (1, 5) == (info.value.line, info.value.col)
        with pytest.raises(TermSyntaxError) as info:
            parse_term("a. b", require_dot=False)
        assert (1, 4) == (info.value.line, info.value.col)

    def test_default_still_requires_the_dot(self) -> None:
        """Without the opt-in a missing dot is reported at the end of input, as before."""
        with pytest.raises(TermSyntaxError) as info:
            parse_term("{a}")
        assert (1, 4) == (info.value.line, info.value.col)


class TestErrorPositions:
    def test_appup_with_wrong_bracket(self) -> None:
        """The offending '}' on line 3 is pointed at, by line and character column."""
        text = (
            '{"1.1",\n [{"1.0", [{load_module, shop_fmt}]}],\n'
            ' [{"1.0", [{load_module, shop_fmt}]}}.'
        )
        with pytest.raises(TermSyntaxError) as info:
            parse_first_term(text, path="shop.appup")
        assert ("shop.appup", 3, 37) == (info.value.path, info.value.line, info.value.col)

    def test_columns_count_characters(self) -> None:
        """Columns count characters, not bytes."""
        assert (1, 12) == error_at('["ünï", é, }].')

    @pytest.mark.parametrize(
        ("text", "where"),
        [
            ("[1}.", (1, 3)),
            ("{a b}.", (1, 4)),
            ("#{a, b}.", (1, 4)),
            ("{a,\n;}.", (2, 1)),
            ("[a|b|c].", (1, 5)),
            ("\tX.", (1, 2)),
            ("fun m:f/-1.", (1, 9)),
        ],
    )
    def test_unexpected_token(self, text: str, where: tuple[int, int]) -> None:
        """An unexpected token is reported at its first character."""
        assert where == error_at(text)

    @pytest.mark.parametrize(("text", "col"), [("#{a = b}.", 6), ("<a>.", 2), ("<<1>.", 5)])
    def test_lone_angle_or_equals_is_reported_at_the_next_character(
        self, text: str, col: int
    ) -> None:
        """'<', '>' and '=' could start '<<', '>>' or '=>': the next character decides."""
        assert (1, col) == error_at(text)

    def test_deep_nesting_is_refused_fast(self) -> None:
        """'[' * 100000 raises TermSyntaxError, not RecursionError, quickly."""
        started = time.perf_counter()
        for opener in "[{(":
            with pytest.raises(TermSyntaxError):
                parse_terms(opener * 100_000)
        with pytest.raises(TermSyntaxError):
            parse_terms("#{" * 100_000)
        assert time.perf_counter() - started < 1.0

    def test_nesting_within_the_limit_reads(self) -> None:
        """Nesting to 150 levels reads fine."""
        term = parse_term("[" * 150 + "]" * 150 + ".")
        for _ in range(149):
            assert isinstance(term, list)
            term = term[0]
        assert [] == term


class TestFiles:
    def test_read_terms_and_first_term(self, tmp_path: Path) -> None:
        """Files are read as UTF-8; the first term alone ignores the rest."""
        path = tmp_path / "x.app"
        path.write_text('{application, shop, [{description, "ünï"}]}.\nbroken {\n', "utf-8")
        assert equal(
            (Atom("application"), Atom("shop"), [(Atom("description"), "ünï")]),
            read_first_term(path),
        )
        with pytest.raises(TermSyntaxError) as info:
            read_terms(str(path))
        assert (str(path), 2) == (info.value.path, info.value.line)

    @pytest.mark.parametrize(
        "header",
        ["%% coding: latin-1\n", "%% -*- coding: latin-1 -*-\n", "%% x\n%% coding: latin-1\n"],
    )
    def test_latin_1_coding_comment(self, tmp_path: Path, header: str) -> None:
        """A coding: latin-1 comment on line 1 or 2 makes the file Latin-1."""
        path = tmp_path / "l1.terms"
        path.write_bytes(header.encode() + '"\xe9". \xe9t\xe9.\n'.encode("latin-1"))
        assert ["é", Atom("été")] == read_terms(path)

    def test_coding_comment_on_line_3_is_ignored(self, tmp_path: Path) -> None:
        """Only the first two lines can name the encoding."""
        path = tmp_path / "l1.terms"
        path.write_bytes(b'%\n%\n%% coding: latin-1\n"\xe9".\n')
        with pytest.raises(TermSyntaxError) as info:
            read_terms(path)
        assert (4, 2) == (info.value.line, info.value.col)

    def test_utf8_bom_is_skipped(self, tmp_path: Path) -> None:
        """A UTF-8 byte order mark is not part of the text."""
        path = tmp_path / "bom.terms"
        path.write_bytes(b"\xef\xbb\xbfok.\n")
        assert [Atom("ok")] == read_terms(path)

    def test_missing_file_raises_oserror(self, tmp_path: Path) -> None:
        """File errors propagate as OSError for the caller to map."""
        with pytest.raises(FileNotFoundError):
            read_first_term(tmp_path / "absent.appup")


def test_reading_a_release_tree_is_fast() -> None:
    """50 .app files of 40 modules and 50 .appup files parse in well under 0.1 s."""
    modules = ", ".join(f"shop_module_{i}" for i in range(40))
    app = (
        "%% coding: utf-8\n"
        '{application, shop,\n [{description, "The shop"},\n  {vsn, "2.0.0"},\n'
        f"  {{modules, [{modules}]}},\n  {{registered, [shop_sup]}},\n"
        "  {applications, [kernel, stdlib]},\n  {mod, {shop_app, []}},\n"
        '  {env, [{port, 8080}, {name, <<"shop">>}]}]}.\n'
    )
    appup = (
        '{"2.0.0",\n [{"1.0.0", [{load_module, shop_fmt},\n'
        "             {update, shop_cart, {advanced, {add_promo, []}}, [shop_fmt]}]},\n"
        ' {<<"^1\\\\.[0-9]+\\\\.[0-9]+$">>, [restart_application]}],\n'
        ' [{"1.0.0", [{load_module, shop_fmt}]}]}.\n'
    )
    files = [app] * 50 + [appup] * 50
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for text in files:
            parse_first_term(text)
        best = min(best, time.perf_counter() - started)
    assert best < 0.05, f"took {best:.3f} s"
