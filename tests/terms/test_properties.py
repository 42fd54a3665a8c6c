"""Properties of the reader and writer, checked on generated terms and texts."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from relup.terms import (
    ErlMap,
    ErlPid,
    ImproperList,
    Term,
    TermSyntaxError,
    equal,
    format_file,
    format_pretty,
    format_term,
    parse_first_term,
    parse_term,
    parse_terms,
)
from tests.strategies import terms, terms_with_pids

SHARED = Path(__file__).resolve().parents[2].parent / "shared"

FEW = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Valid files written by hand, covering every grammar feature.
HANDWRITTEN = [
    '%% coding: utf-8\n{"2.0.0",\n [{"1.0.0", [{load_module, shop_fmt},\n'
    "   {update, shop_cart, {advanced, {add_promo, []}}, [shop_fmt]}]},\n"
    ' {<<"^1\\\\.[0-9]+$">>, [restart_application]}],\n [{"1.0.0", []}]}.\n',
    "{a, 'B c', 'it\\'s', node@host, true}. % comment\n[1|2].\n[1, 2 | [3]].\n",
    "16#ff. 2#1010. -17. + 3. - 2. 1_000. $a. $\\n. $\\x{1F600}. 1.5. -2.5e-3. 1.0e10.\n",
    '"a\\nb\\tc\\"\\\\\\x41\\x{42}\\101\\^A\\s" "more".\n"ünïcödé". "a%b".\n',
    '<<"bin">>. <<1, 2, 3>>. <<>>. <<"a":8, "é"/utf8, 1:4, 2:4, 1:16/little>>.\n',
    '#{a => 1, "k" => [x], {t} => #{}}. fun m:f/2. ({paren}). {}. [].\n',
    "<<1:1/unit:8, 1.5/float, $a/utf32-little, -1:16/signed>>. fun 'M':'end'/0.\n",
    "{'end', 'maybe', ending, [1 | 2], [a, b | \"cd\"], 36#zz, 1.0e-5}.\n",
]


def base_files() -> list[str]:
    vectors = SHARED / "term-vectors"
    spelled = [(vectors / n).read_text("utf-8") for n in ("source.terms", "pretty.terms")]
    return HANDWRITTEN + spelled


valid_files = st.one_of(
    st.sampled_from(base_files()),
    st.lists(terms, min_size=1, max_size=3).map(format_file),
)

#: Characters that matter to the grammar, plus any character at all.
edit_chars = st.sampled_from(list(".,{}[]()<>|#=:/-+$\"'\\%_ \n\t0179aeExXA^@é")) | st.characters()


@st.composite
def one_char_edits(draw: st.DrawFn) -> tuple[str, str]:
    """A valid file and the same file with one character deleted, inserted or replaced."""
    old = draw(valid_files)
    at = draw(st.integers(min_value=0, max_value=len(old)))
    op = draw(st.sampled_from(["delete", "insert", "replace"]))
    if op == "insert" or at == len(old):
        return old, old[:at] + draw(edit_chars) + old[at:]
    if op == "delete":
        return old, old[:at] + old[at + 1 :]
    return old, old[:at] + draw(edit_chars) + old[at + 1 :]


def offset_of(text: str, line: int, col: int) -> int:
    lines = text.split("\n")
    return sum(len(lines[i]) + 1 for i in range(line - 1)) + col - 1


def common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


@FEW
@given(terms)
def test_format_term_then_parse_term_gives_an_equal_term(term: Term) -> None:
    """Whatever format_term writes, parse_term reads back to an equal term."""
    assert equal(term, parse_term(format_term(term) + "."))


def holds_pid(term: Term) -> bool:
    if isinstance(term, ErlPid):
        return True
    if isinstance(term, list | tuple):
        return any(holds_pid(t) for t in term)
    if isinstance(term, ErlMap):
        return any(holds_pid(k) or holds_pid(v) for k, v in term.pairs())
    if isinstance(term, ImproperList):
        return any(holds_pid(t) for t in term.items) or holds_pid(term.tail)
    return False


@FEW
@given(terms_with_pids)
def test_pids_round_trip_only_when_asked_for(term: Term) -> None:
    """With pids=True every term reads back; without, text holding a pid is refused."""
    text = format_term(term) + "."
    assert equal(term, parse_term(text, pids=True))
    if holds_pid(term):
        with pytest.raises(TermSyntaxError):
            parse_term(text)
    else:
        assert equal(term, parse_term(text))


@FEW
@given(terms)
def test_pid_opt_in_changes_nothing_for_pid_free_text(term: Term) -> None:
    """Text without pids reads the same with and without the opt-ins."""
    text = format_term(term)
    assert equal(term, parse_term(text + ".", pids=True))
    assert equal(term, parse_term(text, pids=True, require_dot=False))


@FEW
@given(terms, st.integers(min_value=1, max_value=100))
def test_format_pretty_then_parse_term_gives_an_equal_term(term: Term, width: int) -> None:
    """Whatever format_pretty writes, at any width, reads back to an equal term."""
    assert equal(term, parse_term(format_pretty(term, width) + "."))


@FEW
@given(st.lists(terms, max_size=4), st.booleans())
def test_format_file_then_parse_terms_gives_equal_terms(batch: list[Term], coding: bool) -> None:
    """format_file output is read back by parse_terms, term for term."""
    again = parse_terms(format_file(batch, coding=coding))
    assert len(batch) == len(again)
    assert all(equal(a, b) for a, b in zip(batch, again, strict=True))


@FEW
@given(terms)
def test_format_term_is_one_line(term: Term) -> None:
    """format_term never writes a line break."""
    assert "\n" not in format_term(term)


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=60)
    | st.text(st.sampled_from(list("<>{}[]|#=:/-+.$\"'\\%_ a1Xe#\n")), max_size=40)
)
@example("[" * 10_000)
@example("1" * 5000 + "#1.")
@example("<<0:16777216/unit:256>>.")
@example("<<1.0e308:32/float>>.")
def test_any_text_parses_or_raises_term_syntax_error(text: str) -> None:
    """The reader raises nothing but TermSyntaxError, whatever the text."""
    for parse in (parse_terms, parse_first_term, parse_term):
        for pids in (False, True):
            with contextlib.suppress(TermSyntaxError):
                parse(text, pids=pids)


@settings(max_examples=300, deadline=None)
@given(one_char_edits())
def test_one_char_edit_parses_or_raises_term_syntax_error(edit: tuple[str, str]) -> None:
    """A valid file with one character changed parses or raises TermSyntaxError."""
    _, new = edit
    with contextlib.suppress(TermSyntaxError):
        parse_terms(new)


@settings(max_examples=300, deadline=None)
@given(one_char_edits())
@example(("{ends}.", "{end}."))
@example(("[1.5].", "[1.x]."))
@example(("[a|b].", "[a||b]."))
@example(("#{a => 1}.", "#{a = 1}."))
@example(("1.0e-5.", "1.0e-x."))
@example(('"\\x41".', '"\\x4".'))
@example(("2#101.", "2#121."))
@example(("[1,#{}].", "[1#{}]."))
def test_error_is_reported_at_or_after_the_edit(edit: tuple[str, str]) -> None:
    """An edit that breaks a valid file is reported at or after the first changed character.

    The text before the edit is a prefix of a valid file, so no error can be detected
    there; the reader reports each error where it is detected.
    """
    old, new = edit
    try:
        parse_terms(new)
    except TermSyntaxError as exc:
        offset = offset_of(new, exc.line, exc.col)
        assert common_prefix(old, new) <= offset <= len(new), str(exc)
