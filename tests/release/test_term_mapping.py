"""The term mapping: Erlang text and terms ↔ runtime values, and apply through a handle."""

from __future__ import annotations

import enum
import math
import textwrap
from collections import namedtuple
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import relup.runtime
from relup.errors import RelupError, TermSyntaxError
from relup.release import term_mapping
from relup.release.term_mapping import apply, format_value, from_term, parse_value, to_term
from relup.runtime import Node, Pid, Ref, TermMappingError, process
from relup.terms import Atom, ErlMap, ErlPid, ExternalFun, ImproperList
from relup.testing import run
from tests.strategies import erlang_chars

Write = Callable[[str, str], Path]


def same(a: Any, b: Any) -> bool:
    """Exactly the same value: same types all the way down, -0.0 is not 0.0, key order kept."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same(k1, k2) and same(a[k1], b[k2]) for k1, k2 in zip(a, b, strict=True)
        )
    return bool(a == b)


class TestParse:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("ok", "ok"),
            ("'Hello world'", "Hello world"),
            ("true", True),
            ("'false'", False),
            ("undefined", None),
            ("-42", -42),
            ("1.5e3", 1500.0),
            ('"abc"', "abc"),
            ('""', ""),
            ("[]", []),
            ("[1, 2]", [1, 2]),
            ("{get, 1}", ("get", 1)),
            ("{}", ()),
            ('#{k => [v], "s" => {1}}', {"k": ["v"], "s": (1,)}),
            ('<<"bin">>', b"bin"),
            ("{increment}.", ("increment",)),
            ("{a, % a comment\n b}", ("a", "b")),
        ],
    )
    def test_erlang_to_python(self, text: str, value: Any) -> None:
        """Each row of the mapping table, read from text with or without its final dot."""
        assert same(value, parse_value(text))

    def test_from_term_takes_parsed_terms(self) -> None:
        """from_term converts what relup.terms reads (a relup's {apply, {M, F, A}} args)."""
        term = [Atom("ok"), "str", (Atom("undefined"), b"b"), ErlMap([(Atom("k"), 1.0)])]
        assert same(["ok", "str", (None, b"b"), {"k": 1.0}], from_term(term))

    def test_syntax_errors_carry_line_and_column(self) -> None:
        """Bad text is a TermSyntaxError placed where it goes wrong."""
        with pytest.raises(TermSyntaxError) as info:
            parse_value("{a,\n ,b}")
        assert (2, 2) == (info.value.line, info.value.col)
        with pytest.raises(TermSyntaxError) as info:
            parse_value("{a} b")
        assert (1, 5) == (info.value.line, info.value.col)

    @pytest.mark.parametrize(
        ("text", "named"),
        [
            ("[a | b]", "ImproperList"),
            ("fun m:f/1", "ExternalFun"),
            ("#{[1] => a}", "list cannot be a dict key"),
            ("#{#{} => a}", "dict cannot be a dict key"),
            ("#{1 => a, 1.0 => b}", "keys 1 and 1.0"),
            ("#{true => a, 1 => b}", "keys true and 1"),
            ('#{"a" => 1, a => 2}', 'keys "a" and a'),
            ("<1.2.0>", "not a pid of this node"),
            ("<0.2.1>", "not a pid of this node"),
        ],
    )
    def test_terms_without_a_python_value(self, text: str, named: str) -> None:
        """Improper lists, funs, unusable map keys and foreign pids are refused by name."""
        with pytest.raises(TermMappingError) as info:
            parse_value(text)
        assert named in str(info.value)

    def test_lossy_direction_is_as_documented(self) -> None:
        """A string reads as str and prints as an atom; a list of codes stays a list."""
        assert "abc" == parse_value('"abc"')
        assert "abc" == format_value(parse_value('"abc"'))
        assert [104, 105] == parse_value("[104, 105]")  # not "hi", though Erlang says equal
        assert "[104,105]" == format_value(parse_value("[104, 105]"))
        assert True is parse_value("'true'")

    def test_errors_are_relup_errors(self) -> None:
        """A mapping failure is a RelupError, so the CLI reports it as one."""
        assert issubclass(TermMappingError, RelupError)


class TestFormat:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            ("ok", "ok"),
            ("Hello world", "'Hello world'"),
            ("end", "'end'"),
            ("it's", "'it\\'s'"),
            ("", "''"),
            ("true", '"true"'),
            ("undefined", '"undefined"'),
            (True, "true"),
            (None, "undefined"),
            (3, "3"),
            (-0.0, "-0.0"),
            (("get", 1), "{get,1}"),
            ([], "[]"),
            ({"a": [1, b"\x00"]}, "#{a => [1,<<0>>]}"),
            ("x" * 256, '"' + "x" * 256 + '"'),
        ],
    )
    def test_python_to_erlang(self, value: Any, text: str) -> None:
        """Each row of the mapping table; text that needs no final dot."""
        assert text == format_value(value)

    def test_subclasses_are_written_as_their_base_type(self) -> None:
        """IntEnum, str enums and named tuples are written as int, atom and tuple."""

        class Color(enum.IntEnum):
            RED = 1

        class Mode(str, enum.Enum):  # noqa: UP042 - its str() is "Mode.FAST": the case tested
            FAST = "fast"

        point = namedtuple("point", "x y")
        assert "{1,fast,{1,2}}" == format_value((Color.RED, Mode.FAST, point(1, 2)))
        assert same(
            (1, "fast", (1, 2)), parse_value(format_value((Color.RED, Mode.FAST, point(1, 2))))
        )

    @pytest.mark.parametrize(
        ("value", "named"),
        [
            (object(), "object"),
            ({1, 2}, "set"),
            (frozenset(), "frozenset"),
            (bytearray(b"x"), "bytearray"),
            (1j, "complex"),
            (Ref(), "Ref"),
            (float("nan"), "nan"),
            (float("-inf"), "-inf"),
            ("a\ud800", "'a\\ud800'"),
            (("ok", [lambda: 1]), "function"),
        ],
    )
    def test_values_without_a_term_name_their_type(self, value: Any, named: str) -> None:
        """A value with no term form raises TermMappingError naming its type, with .value."""
        with pytest.raises(TermMappingError) as info:
            format_value(value)
        assert named in str(info.value)
        assert info.value.value is value or named == "function"

    def test_cycles_and_deep_nesting_are_refused(self) -> None:
        """A list that contains itself, or nesting the reader would refuse, is an error."""
        loop: list[Any] = []
        loop.append(loop)
        with pytest.raises(TermMappingError, match="contains itself"):
            format_value(loop)
        deep: Any = 1
        for _ in range(200):
            deep = [deep]
        assert same(deep, parse_value(format_value(deep)))  # 200 levels: the reader's limit
        with pytest.raises(TermMappingError, match="deeper"):
            format_value([deep])

    def test_shared_values_are_not_cycles(self) -> None:
        """The same list twice in a value is fine."""
        shared = [1]
        assert "{[1],[1]}" == format_value((shared, shared))

    def test_to_term_gives_relup_terms(self) -> None:
        """to_term builds relup.terms values (atoms as Atom)."""
        assert (Atom("ok"), Atom("undefined"), "true", [1]) == to_term(("ok", None, "true", [1]))


#: str values: atom-like names, names that need quotes or read as constants, long ones.
names = st.one_of(
    st.text(erlang_chars, max_size=12),
    st.sampled_from(["true", "false", "undefined", "", "end", "maybe", "Foo", "a b", "'\\\""]),
    st.text(st.sampled_from("ab'"), min_size=250, max_size=260),
)
_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers() | st.integers(min_value=-(2**100), max_value=2**100),
    st.floats(allow_nan=False, allow_infinity=False),
    names,
    st.binary(max_size=8),
)
hashables = st.recursive(
    _leaves, lambda inner: st.lists(inner, max_size=3).map(tuple), max_leaves=6
)
values = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(hashables, inner, max_size=3),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_python_to_text_to_python_is_exact(value: Any) -> None:
    """format_value then parse_value gives back exactly the value (types, -0.0, key order)."""
    text = format_value(value)
    assert "\n" not in text
    assert same(value, parse_value(text)), text
    assert text == format_value(parse_value(text))  # and the text is stable


class TestPids:
    def test_live_pid_comes_back_as_the_same_object(self) -> None:
        """<0.N.0> of a live process parses to that process's own Pid (identity matters)."""

        async def main(node: Node) -> None:
            me = process.self()
            other = process.spawn(process.receive)
            text = format_value(("from", me, [other]))
            assert f"{{from,{me!r},[{other!r}]}}" == text
            back = parse_value(text, node=node)
            assert back[1] is me and back[2][0] is other
            assert parse_value(repr(me)) is me  # the current node by default

        run(main)

    def test_dead_or_unknown_pid_is_a_dead_pid_value(self) -> None:
        """A pid no live process has parses to a dead Pid: sending to it does nothing."""

        async def main(node: Node) -> None:
            gone = process.spawn(lambda: None)
            ref = process.monitor(gone)
            await process.receive(lambda m: m[0] == "DOWN" and m[1] is ref, timeout=1)
            dead = parse_value(repr(gone), node=node)
            assert isinstance(dead, Pid) and dead.id == gone.id and not process.is_alive(dead)
            process.send(dead, "hello")  # a no-op, as in Erlang
            assert repr(gone) == format_value(dead)
            never = parse_value("<0.999999999.0>", node=node)
            assert 999_999_999 == never.id and not process.is_alive(never)

        run(main)

    def test_without_a_node_every_pid_is_dead(self) -> None:
        """Outside any node (a CLI client) pids still read and print the same."""
        pid = parse_value("{<0.7.0>}")[0]
        assert isinstance(pid, Pid) and 7 == pid.id and pid._proc is None
        assert "{<0.7.0>}" == format_value((pid,))


def test_term_mapping_leaves_erlang_terms_alone() -> None:
    """Improper lists, funs and pids are relup.terms values, not runtime values."""
    for term in (ImproperList((1,), 2), ExternalFun(Atom("m"), Atom("f"), 1)):
        with pytest.raises(TermMappingError):
            from_term(term)
    with pytest.raises(TermMappingError):
        to_term(ErlPid(0, 1, 0))  # a runtime value must be a Pid


MOD = """
    __vsn__ = "{vsn}"

    def greet(who, punct):
        return f"{vsn}: hello {{who}}{{punct}}"

    async def later(x):
        return (__vsn__, x)
"""


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Write dedented ``source`` to ``tmp_path/filename`` (as tests/runtime's fixture)."""

    def _write(filename: str, source: str) -> Path:
        path = tmp_path / filename
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return path

    return _write


class TestApply:
    def test_apply_calls_the_current_version_and_awaits(self, write: Write) -> None:
        """{apply, {M, F, A}} is a fully qualified call: it reaches the version loaded last."""
        v1 = write("greeter_1.py", MOD.format(vsn="1"))
        v2 = write("greeter_2.py", MOD.format(vsn="2"))

        async def main(node: Node) -> None:
            node.code.load("greeter", v1)
            m, f, a = parse_value('{greeter, greet, ["world", "!"]}')
            assert "1: hello world!" == await apply(node, m, f, a)
            node.code.load("greeter", v2)
            assert "2: hello world!" == await apply(node, m, f, a)
            assert ("2", {"k": None}) == await apply(node, "greeter", "later", [{"k": None}])

        run(main)

    def test_apply_errors(self, write: Write) -> None:
        """A missing function is an AttributeError; arguments must be a list or tuple."""
        v1 = write("greeter_1.py", MOD.format(vsn="1"))

        async def main(node: Node) -> None:
            node.code.load("greeter", v1)
            with pytest.raises(AttributeError, match="nope"):
                await apply(node, "greeter", "nope", [])
            with pytest.raises(TypeError, match="list"):
                await apply(node, "greeter", "greet", "ab")
            with pytest.raises(TypeError):
                await apply(node, "greeter", "greet", ["only one"])

        run(main)


def test_module_is_public_in_the_release_layer() -> None:
    """relup.release.term_mapping is the public home; the runtime no longer carries it."""
    assert term_mapping.__name__ == "relup.release.term_mapping"
    assert term_mapping.parse_value is parse_value
    assert term_mapping.TermMappingError is TermMappingError
    assert sorted(term_mapping.__all__) == term_mapping.__all__
    assert all(hasattr(term_mapping, name) for name in term_mapping.__all__)
    assert "term_mapping" not in relup.runtime.__all__
