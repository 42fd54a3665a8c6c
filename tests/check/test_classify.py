"""Module kinds, code_change and state shapes are read from source, by the documented rules."""

from __future__ import annotations

import textwrap

from relup.check.classify import (
    ModuleFacts,
    StateChange,
    StateShape,
    classify,
    registered_supervisors,
    scan_module,
    state_change,
    supervisors_started,
)


def facts(source: str) -> ModuleFacts:
    return scan_module(textwrap.dedent(source))


def kind_of(source: str, **others: str) -> str:
    """The kind of module `m` (`source`) in a release that also holds `others`."""
    everything = {"m": facts(source), **{name: facts(src) for name, src in others.items()}}
    started = supervisors_started(everything)
    return classify("m", everything["m"], started, registered_supervisors(everything)).kind


GEN_SERVER = """
    def init(args):
        return ("ok", {"count": 0})

    async def handle_info(msg, state):
        return ("noreply", state)
"""


class TestKind:
    def test_init_and_one_handle_callback_is_a_gen_server(self) -> None:
        """init plus handle_info (async) is enough for a gen_server."""
        assert "gen_server" == kind_of(GEN_SERVER)

    def test_defs_inside_top_level_if_count(self) -> None:
        """Callbacks defined in a top-level if/else are still the module's callbacks."""
        source = """
            import sys
            def init(args):
                return ("ok", None)
            if sys.version_info >= (3, 11):
                def handle_call(request, from_, state):
                    return ("reply", None, state)
        """
        assert "gen_server" == kind_of(source)

    def test_nested_defs_do_not_count(self) -> None:
        """A handle_call defined inside another function is not a callback."""
        source = """
            def init(args):
                def handle_call(request, from_, state):
                    pass
                return ("ok", None)
        """
        assert "plain" == kind_of(source)

    def test_child_spec_dicts_make_a_supervisor(self) -> None:
        """init building dicts with "id" and "start" is a supervisor."""
        source = """
            def init(args):
                child = {"id": "w", "start": ("w", "start_link", ())}
                return ({"strategy": "one_for_one"}, [child])
        """
        assert "supervisor" == kind_of(source)

    def test_child_spec_class_makes_a_supervisor(self) -> None:
        """init building ChildSpecs is a supervisor, whatever it returns."""
        source = """
            from relup.runtime.supervisor import ChildSpec
            def init(args):
                return ("ok", make(ChildSpec("w", ("w", "start_link", ()))))
        """
        assert "supervisor" == kind_of(source)

    def test_started_by_supervisor_start_link_elsewhere(self) -> None:
        """A module with no evidence of its own is a supervisor if another module starts it so."""
        source = """
            def init(args):
                return specs_from_config(args)
        """
        starter = """
            from relup.runtime import supervisor
            async def start(start_type, start_args):
                return ("ok", await supervisor.start_link("m", None, name="m_sup"))
        """
        assert "plain" == kind_of(source)
        assert "supervisor" == kind_of(source, app=starter)

    def test_supervisor_child_of_type_supervisor_elsewhere(self) -> None:
        """A child spec of type "supervisor" that starts the module makes it a supervisor."""
        source = "def init(args):\n    return build(args)\n"
        parent = """
            def init(args):
                return ({}, [{"id": "x", "start": ("m", "start_link", ()), "type": "supervisor"}])
        """
        assert "supervisor" == kind_of(source, parent=parent)

    def test_positional_child_spec_of_type_supervisor_elsewhere(self) -> None:
        """A ChildSpec whose type "supervisor" is given by position counts as by keyword."""
        source = "def init(args):\n    return build(args)\n"
        parent = """
            def init(args):
                child = ChildSpec("x", ("m", "start_link", ()), "permanent", 5.0, "supervisor")
                return ({}, [child])
        """
        assert "supervisor" == kind_of(source, parent=parent)

    def test_init_without_callbacks_or_evidence_is_plain(self) -> None:
        """An init alone, returning ("ok", ...), is no evidence of anything."""
        assert "plain" == kind_of('def init(args):\n    return ("ok", args)\n')

    def test_unparsable_module_is_plain_and_says_why(self) -> None:
        """A syntax error gives a plain module whose evidence names the error and its line."""
        f = facts("def init(:\n")
        info = classify("m", f, {}, {})
        assert "plain" == info.kind
        assert f.syntax_error is not None
        assert "line 1" in info.evidence[0]

    def test_registered_name_comes_from_the_start_call(self) -> None:
        """The name= of supervisor.start_link is the supervisor's registered name."""
        starter = facts('supervisor.start_link("m", None, name="top")\n')
        own = facts("def init(a):\n    return ({}, [])\n")
        everything = {"app": starter, "m": own}
        info = classify(
            "m", own, supervisors_started(everything), registered_supervisors(everything)
        )
        assert "top" == info.registered_as

    def test_start_link_with_dunder_name_means_itself(self) -> None:
        """supervisor.start_link(__name__) inside the module marks the module itself."""
        own = facts("def init(a):\n    return x\nasync def start_link():\n"
                    "    return await supervisor.start_link(__name__, None)\n")  # fmt: skip
        assert ["m starts it with supervisor.start_link"] == supervisors_started({"m": own})["m"]


class TestFacts:
    def test_code_change_defined_or_assigned(self) -> None:
        """code_change counts whether defined with def or bound by assignment."""
        assert facts("def code_change(o, s, e):\n    return ('ok', s)\n").has_code_change
        assert facts("def _cc(o, s, e):\n    pass\ncode_change = _cc\n").has_code_change
        assert not facts(GEN_SERVER).has_code_change

    def test_imports_are_top_level_names(self) -> None:
        """import a.b, from c import d and import e as f give a, c and e; relative ones none."""
        source = "import a.b\nfrom c import d\nimport e as f\nfrom . import g\n"
        assert frozenset({"a", "c", "e"}) == facts(source).imports

    def test_child_ids_and_strategy(self) -> None:
        """Constant child ids (dicts and ChildSpecs) and the constant strategy are collected."""
        source = """
            def init(args):
                flags = {"strategy": "rest_for_one"}
                a = {"id": "a", "start": ("a", "s", ())}
                return (flags, [a, ChildSpec("b", ("b", "s", ()))])
        """
        f = facts(source)
        assert "rest_for_one" == f.strategy
        assert ["a", "b"] == sorted(f.child_ids or ())

    def test_child_ids_unknown_when_one_is_computed(self) -> None:
        """A child id that is not a constant makes the id list unknown (None)."""
        source = 'def init(a):\n    return ({}, [{"id": a, "start": ("a", "s", ())}])\n'
        assert facts(source).child_ids is None


class TestStateShape:
    def test_dict_literal(self) -> None:
        """("ok", {"a": 1, "b": 2}) is a dict with keys a, b."""
        assert (
            StateShape("dict", frozenset({"a", "b"}))
            == facts('def init(x):\n    return ("ok", {"a": 1, "b": 2})\n').init_shape
        )

    def test_name_assigned_once_with_later_subscript_keys(self) -> None:
        """A local dict, completed with state["k"] = ..., has the literal's keys and k."""
        source = """
            def init(args):
                state = {"a": 1}
                state["b"] = 2
                return ("ok", state)
        """
        assert StateShape("dict", frozenset({"a", "b"})) == facts(source).init_shape

    def test_tuple_constant_and_dict_call(self) -> None:
        """Tuples have a size, constants a type, dict(k=v) keys."""
        assert (
            StateShape("tuple", size=2)
            == facts('def init(a):\n    return ("ok", (1, 2))\n').init_shape
        )
        assert StateShape("int") == facts('def init(a):\n    return ("ok", 0)\n').init_shape
        assert (
            StateShape("dict", frozenset({"k"}))
            == facts('def init(a):\n    return ("ok", dict(k=1))\n').init_shape
        )

    def test_unknown_when_not_a_literal(self) -> None:
        """A parameter, a call, or two different returned shapes are unknown (None)."""
        assert None is facts('def init(a):\n    return ("ok", a)\n').init_shape
        assert None is facts('def init(a):\n    return ("ok", load())\n').init_shape
        two = 'def init(a):\n    if a:\n        return ("ok", 1)\n    return ("ok", {})\n'
        assert None is facts(two).init_shape

    def test_stop_and_ignore_returns_are_not_states(self) -> None:
        """("stop", reason) and "ignore" do not count as states."""
        source = 'def init(a):\n    if a:\n        return ("stop", "no")\n    return ("ok", [])\n'
        assert StateShape("list") == facts(source).init_shape

    def test_state_keys_from_callbacks(self) -> None:
        """Subscripts, get/pop, {**state, k: v} and case {k: _} on the state argument count."""
        source = """
            def handle_call(request, from_, s):
                s.get("a")
                return ("reply", s["b"], {**s, "c": 1})
            def handle_info(msg, st):
                match st:
                    case {"d": _}:
                        pass
                request["not_state"]
        """
        assert frozenset({"a", "b", "c", "d"}) == facts(source).state_keys


class TestStateChange:
    def test_init_dict_keys_differ(self) -> None:
        """A key added to init's dict is a change, described by both shapes."""
        old = facts('def init(a):\n    return ("ok", {"count": 0})\n')
        new = facts('def init(a):\n    return ("ok", {"count": 0, "calls": 0})\n')
        expected = StateChange("init", "a dict with keys count", "a dict with keys calls, count")
        assert expected == state_change(old, new)

    def test_kind_differs(self) -> None:
        """An int becoming a dict is a change."""
        old = facts('def init(a):\n    return ("ok", 0)\n')
        new = facts('def init(a):\n    return ("ok", {"n": 0})\n')
        change = state_change(old, new)
        assert change is not None
        assert "a int -> a dict with keys n" == f"{change.old} -> {change.new}"

    def test_callback_keys_differ_when_init_is_unknown(self) -> None:
        """With init's state unknown, different keys used by the callbacks are a change."""
        old = facts(
            'def init(a):\n    return ("ok", a)\ndef handle_cast(m, s):\n    return s["x"]\n'
        )
        new = facts(
            'def init(a):\n    return ("ok", a)\ndef handle_cast(m, s):\n    return s["y"]\n'
        )
        assert StateChange("keys", "x", "y") == state_change(old, new)

    def test_callbacks_reading_more_of_the_same_keys_is_no_change(self) -> None:
        """A callback starting to read a key init already had is not a change."""
        init = 'def init(a):\n    return ("ok", {"x": 0, "y": 0})\n'
        old = facts(init + 'def handle_cast(m, s):\n    return s["x"]\n')
        new = facts(init + 'def handle_cast(m, s):\n    return s["y"]\n')
        assert None is state_change(old, new)

    def test_nothing_known_is_no_change(self) -> None:
        """When neither side shows a shape or keys, no change is reported (a heuristic)."""
        source = 'def init(a):\n    return ("ok", a)\n'
        assert None is state_change(facts(source), facts(source + "# edited\n"))

    def test_same_non_dict_shape_is_no_change(self) -> None:
        """Two ints are the same shape, whatever the callbacks read."""
        old = facts('def init(a):\n    return ("ok", 0)\n')
        assert None is state_change(old, old)
