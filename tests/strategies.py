"""Hypothesis strategies shared by the test suite.

Terms: :data:`atoms` (including names that need quotes and reserved words),
:data:`integers` (including bignums), :data:`floats` (finite), :data:`texts`
(unicode and control characters), :data:`binaries`, and :data:`terms`, which nests
lists, tuples, maps and improper lists of all of them; :data:`terms_with_pids` may
also hold :data:`pids` (read back only with ``pids=True``).
"""

from __future__ import annotations

from hypothesis import strategies as st

from relup.terms import Atom, ErlMap, ErlPid, ExternalFun, ImproperList, Term

#: Erlang's reserved words, plus two that newer OTP releases reserve.
RESERVED_WORDS = [
    "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor",
    "case", "catch", "cond", "div", "end", "fun", "if", "let", "not", "of", "or",
    "orelse", "receive", "rem", "try", "when", "xor", "maybe", "else",
]  # fmt: skip

#: Characters Erlang text can hold: every code point except surrogates, U+FFFE, U+FFFF.
erlang_chars = st.characters(
    exclude_categories=("Cs",), exclude_characters="\ufffe\uffff"
) | st.characters(min_codepoint=0, max_codepoint=0x9F)

_atom_names = st.one_of(
    st.from_regex(r"[a-z][A-Za-z0-9_@]{0,12}", fullmatch=True),
    st.sampled_from(
        [
            *RESERVED_WORDS,
            *["true", "false", "", "Foo", "a b", "it's", "a\\b", "é", "ñandú", "_x"],
            *["a-b", "a.b", "node@host", "x1", "aBc", "'", '"', "%", "\n", "日本"],
        ]
    ),
    st.text(erlang_chars, max_size=12),
)


@st.composite
def atom_names(draw: st.DrawFn) -> str:
    """Names that need no quotes, reserved words, names that need quotes, any text."""
    return draw(_atom_names)


@st.composite
def _atoms(draw: st.DrawFn) -> Atom:
    return Atom(draw(atom_names()))


atoms = _atoms()

integers = st.one_of(
    st.integers(min_value=-1000, max_value=1000),
    st.integers(),
    st.integers(min_value=-(2**200), max_value=2**200),
)
floats = st.floats(allow_nan=False, allow_infinity=False)
texts = st.text(erlang_chars, max_size=20) | st.text(
    st.characters(categories=["Cs"]) | st.sampled_from("a\ufffe\uffff"), max_size=3
)
binaries = st.binary(max_size=20) | st.text(
    st.characters(min_codepoint=32, max_codepoint=126), max_size=20
).map(str.encode)
char_lists = st.lists(st.integers(min_value=0, max_value=0x10FFFF), max_size=6)
funs = st.builds(ExternalFun, atoms, atoms, st.integers(min_value=0, max_value=255))

_scalars = st.one_of(atoms, integers, floats, texts, binaries, funs, char_lists)


@st.composite
def _scalar(draw: st.DrawFn) -> Term:
    return draw(_scalars)


#: Any term that holds no other term (code-point lists included).
scalars: st.SearchStrategy[Term] = _scalar()


def _not_a_list(term: Term) -> bool:
    return not isinstance(term, list | str | ImproperList)


def _extend(inner: st.SearchStrategy[Term]) -> st.SearchStrategy[Term]:
    small = st.lists(inner, max_size=4)
    return st.one_of(
        small,
        small.map(tuple),
        st.lists(st.tuples(inner, inner), max_size=3).map(ErlMap),
        st.builds(
            ImproperList,
            st.lists(inner, min_size=1, max_size=3).map(tuple),
            inner.filter(_not_a_list),
        ),
    )


_terms = st.recursive(scalars, _extend, max_leaves=12)


@st.composite
def _term(draw: st.DrawFn) -> Term:
    return draw(_terms)


#: Any term, nested a few levels deep. (Composite wrappers keep the reprs short.)
terms: st.SearchStrategy[Term] = _term()

pids = st.builds(
    ErlPid,
    st.integers(min_value=0, max_value=3),
    st.integers(min_value=0, max_value=2**40),
    st.integers(min_value=0, max_value=3),
)
_terms_with_pids = st.recursive(scalars | pids, _extend, max_leaves=12)


@st.composite
def _term_with_pids(draw: st.DrawFn) -> Term:
    return draw(_terms_with_pids)


#: Any term, with pids among its leaves.
terms_with_pids: st.SearchStrategy[Term] = _term_with_pids()
