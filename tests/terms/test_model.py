"""Atom, ErlMap, ErlPid, ImproperList and Erlang's exact equality."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from relup.terms import (
    Atom,
    ErlMap,
    ErlPid,
    ExternalFun,
    ImproperList,
    Term,
    as_string,
    canonical,
    equal,
)


class TestAtom:
    def test_interned(self) -> None:
        """Two atoms with the same name are the same object."""
        assert Atom("ok") is Atom("ok")

    def test_not_equal_to_str(self) -> None:
        """An atom is never equal to the string of its name."""
        assert Atom("ok") != "ok"
        assert "ok" != Atom("ok")

    def test_repr_and_str(self) -> None:
        """repr shows the constructor call, str the bare name."""
        assert ("Atom('ok')", "ok") == (repr(Atom("ok")), str(Atom("ok")))

    def test_immutable(self) -> None:
        """An atom's name cannot be changed."""
        with pytest.raises(AttributeError):
            Atom("ok").name = "error"  # type: ignore[misc]

    def test_hashable_in_sets(self) -> None:
        """Atoms work as dict keys and set members."""
        assert {Atom("a"), Atom("a"), Atom("b")} == {Atom("b"), Atom("a")}

    def test_copy_and_pickle_keep_identity(self) -> None:
        """Copies and unpickled atoms are the interned instance."""
        assert Atom("x") is copy.deepcopy(Atom("x"))
        assert Atom("x") is pickle.loads(pickle.dumps(Atom("x")))

    def test_name_must_be_str(self) -> None:
        """Only a str names an atom."""
        with pytest.raises(TypeError):
            Atom(1)  # type: ignore[arg-type]


class TestEqual:
    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ("hi", [104, 105]),
            ("", []),
            ((Atom("a"), "x"), (Atom("a"), [120])),
            ([["ab"]], [[[97, 98]]]),
            (ErlMap([("k", "v")]), ErlMap([([107], [118])])),
            (ImproperList(("a",), 1), ImproperList(([97],), 1)),
            (ErlMap([(Atom("a"), 1), (Atom("b"), 2)]), ErlMap([(Atom("b"), 2), (Atom("a"), 1)])),
            (0.0, -0.0),
        ],
    )
    def test_equal_terms(self, a: Term, b: Term) -> None:
        """Strings equal their code lists anywhere; maps ignore order."""
        assert equal(a, b)
        assert canonical(a) == canonical(b)

    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ("ok", Atom("ok")),
            ("ok", b"ok"),
            ([], b""),
            (1, 1.0),
            ((1, 2), [1, 2]),
            (ImproperList((1,), 2), [1, 2]),
            (ErlMap([(1, 2)]), ErlMap([(1.0, 2)])),
            (ExternalFun(Atom("m"), Atom("f"), 1), ExternalFun(Atom("m"), Atom("f"), 2)),
            ((), []),
        ],
    )
    def test_different_terms(self, a: Term, b: Term) -> None:
        """Atoms, strings and binaries differ; so do 1 and 1.0, tuples and lists."""
        assert not equal(a, b)
        assert canonical(a) != canonical(b)

    def test_bool_is_not_a_term(self) -> None:
        """Python booleans are refused: Erlang's true is an atom."""
        with pytest.raises(TypeError):
            canonical(True)


class TestAsString:
    @pytest.mark.parametrize(
        ("term", "expected"),
        [
            ("abc", "abc"),
            ([104, 105], "hi"),
            ([], ""),
            ([0x10FFFF], "\U0010ffff"),
            ([0xD800], "\ud800"),
            ([-1], None),
            ([0x110000], None),
            ([1, Atom("a")], None),
            (Atom("abc"), None),
            (b"abc", None),
            ((104,), None),
        ],
    )
    def test_as_string(self, term: Term, expected: str | None) -> None:
        """Strings and code-point lists give a str; anything else gives None."""
        assert expected == as_string(term)


class TestErlMap:
    def test_equal_keys_are_one_key(self) -> None:
        """ "k" and [107] are the same key; the later value wins, the first key stays."""
        m = ErlMap([("k", 1), ([107], 2)])
        assert (1, 2) == (len(m), m["k"])
        assert [[107]] == [list(map(ord, k)) if isinstance(k, str) else k for k in m]
        assert 2 == m[[107]]

    def test_insertion_order(self) -> None:
        """Iteration follows insertion order."""
        assert [Atom("b"), Atom("a")] == list(ErlMap([(Atom("b"), 1), (Atom("a"), 2)]))

    def test_missing_and_unhashable_keys(self) -> None:
        """A missing or non-term key raises KeyError; `in` says False."""
        m = ErlMap({Atom("a"): 1})
        with pytest.raises(KeyError):
            m[Atom("b")]
        with pytest.raises(KeyError):
            m[object()]  # type: ignore[index]
        assert object() not in m
        assert Atom("a") in m

    def test_hash_and_eq(self) -> None:
        """Equal maps hash alike and compare equal; a dict is not an ErlMap."""
        a = ErlMap([("k", 1)])
        b = ErlMap([([107], 1)])
        assert a == b
        assert hash(a) == hash(b)
        assert a != {"k": 1}

    def test_values_must_be_terms(self) -> None:
        """Building a map with a non-term raises TypeError."""
        with pytest.raises(TypeError):
            ErlMap([(Atom("a"), None)])  # type: ignore[list-item]


class TestImproperList:
    @pytest.mark.parametrize("tail", [[1], "a", ImproperList((1,), 2)])
    def test_tail_must_not_be_a_list(self, tail: Term) -> None:
        """A list tail would make a proper (or longer) list, so it is refused."""
        with pytest.raises(ValueError):
            ImproperList((1,), tail)

    def test_needs_items(self) -> None:
        """[| b] is not a list."""
        with pytest.raises(ValueError):
            ImproperList((), 1)


class TestErlPid:
    def test_equality_and_hash(self) -> None:
        """Pids are values: equal parts, equal pids; Erlang equality agrees."""
        assert ErlPid(0, 1, 0) == ErlPid(0, 1, 0)
        assert {ErlPid(0, 1, 0)} == {ErlPid(0, 1, 0)}
        assert equal(ErlPid(0, 1, 0), ErlPid(0, 1, 0))
        assert not equal(ErlPid(0, 1, 0), ErlPid(0, 2, 0))
        assert not equal(ErlPid(0, 1, 0), (0, 1, 0))

    @pytest.mark.parametrize("parts", [(-1, 0, 0), (0, 1.0, 0), (0, 0, True)])
    def test_parts_are_non_negative_ints(self, parts: tuple[Any, ...]) -> None:
        """A pid part that Erlang could not print is refused."""
        with pytest.raises(ValueError):
            ErlPid(*parts)
