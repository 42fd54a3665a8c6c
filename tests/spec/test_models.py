"""Shape checks of .rel, .app, .appup and relup terms name the file and the part at fault."""

from __future__ import annotations

import pytest

from relup.errors import SpecError
from relup.spec import AppFile, Appup, RelApp, RelFile, RelupFile
from relup.terms import equal, parse_term


def term(text: str):  # type: ignore[no-untyped-def]
    return parse_term(text + ".")


class TestRelFile:
    def test_all_entry_forms(self) -> None:
        """The four application entry forms, with permanent as the default type."""
        rel = RelFile.from_term(
            term(
                '{release, {"shop", "2"}, {erts, "13.1.5"}, [{kernel, "8.5.3"}, '
                '{a, "1", temporary}, {b, "1", [c]}, {c, "1", load, []}]}'
            )
        )
        assert ("shop", "2", "13.1.5") == (rel.name, rel.vsn, rel.erts_vsn)
        assert (
            RelApp("kernel", "8.5.3"),
            RelApp("a", "1", "temporary"),
            RelApp("b", "1", "permanent", ("c",)),
            RelApp("c", "1", "load", ()),
        ) == rel.apps

    @pytest.mark.parametrize(
        "text",
        [
            '{release, "shop", {erts, "1"}, []}',
            '{release, {"shop", "2"}, {erts, "1"}, [{a, 1}]}',
            '{release, {"shop", "2"}, {erts, "1"}, [{a, "1", sometimes}]}',
            '{release, {"shop", "2"}, {erts, "1"}, [{"a", "1"}]}',
        ],
    )
    def test_bad_shapes_name_the_file(self, text: str) -> None:
        """A wrong shape is a SpecError naming the file."""
        with pytest.raises(SpecError, match=r"^r2\.rel: "):
            RelFile.from_term(term(text), "r2.rel")


class TestAppFile:
    def test_keys(self) -> None:
        """The keys relup uses are read; unknown keys are ignored."""
        app = AppFile.from_term(
            term(
                '{application, shop, [{vsn, "1.1"}, {modules, [a, b]}, {applications, [kernel]}, '
                "{mod, {shop_app, []}}, {env, [{port, 8080}]}, {whatever, 1}]}"
            )
        )
        assert ("shop", "1.1", ("a", "b"), ("kernel",)) == (
            app.name, app.vsn, app.modules, app.applications,
        )  # fmt: skip
        assert app.mod is not None and "shop_app" == app.mod[0]
        assert "port" == app.env[0][0]

    def test_modules_must_be_atoms(self) -> None:
        """A module that is not an atom is refused, naming the key."""
        with pytest.raises(SpecError, match="modules"):
            AppFile.from_term(term('{application, shop, [{vsn, "1"}, {modules, ["a"]}]}'), "s.app")


class TestAppup:
    def test_entries_and_lookup(self) -> None:
        """Up and down entries keep file order; non-2-tuples are skipped as OTP skips them."""
        appup = Appup.from_term(term('{"2", [{"1", [x]}, junk, {<<"0\\\\..*">>, [y]}], []}'))
        assert 2 == len(appup.up)
        assert equal([parse_term("y.")], appup.script("up", "0.9"))
        assert appup.script("down", "1") is None

    def test_wrong_shape(self) -> None:
        """An appup that is not a 3-tuple is refused."""
        with pytest.raises(SpecError, match="expected"):
            Appup.from_term(term('{"2", []}'), "a.appup")


def test_relup_file_round_trip() -> None:
    """A relup read from a term and written as text reads back as the same term."""
    original = term(
        '{"2", [{"1", [], [{load_object_code, {a, "2", [m]}}, point_of_no_return, '
        '{load, {m, brutal_purge, brutal_purge}}]}], [{"1", "back", [point_of_no_return]}]}'
    )
    relup = RelupFile.from_term(original)
    text = relup.to_text()
    assert text.startswith("%% coding: utf-8\n")
    assert equal(original, parse_term(text.split("\n", 1)[1]))
