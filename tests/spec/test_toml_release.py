"""release.toml and app.toml: what they accept, where each error points, and dumps/parse.

Every refusal must name the file (``path``) and the part at fault (``where``): the
CLI shows nothing else, so a test here pins both, never the wording. TOML syntax
errors are pinned to their 1-based line and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relup.errors import SpecError
from relup.spec.rel import START_TYPES, RelApp
from relup.spec.toml_release import AppManifest, ReleaseManifest, TomlSyntaxError

RELEASE = """\
# shop 2.0
[release]
name = "shop"
version = "2.0"
python = "3.12"

[applications]
shop = "2.0"
stats = { version = "1.0", type = "temporary" }
web = { version = "R16B", included = ["hooks"] }
hooks = { version = "1", type = "load", included = [] }

[config.shop]
port = 8080
greeting = "hi"

[config.shop.limits]
max = 10
"""

APP = """\
[application]
name = "shop"
version = "2.0"
description = "The shop"
modules = ["shop_app", "shop_srv"]
registered = ["shop_srv"]
applications = ["stats", "web"]
included_applications = ["hooks"]
optional_applications = ["web"]
start = "shop_app"
start_args = [1, "two"]

[application.env]
port = 80
"""


def release_error(text: str) -> SpecError:
    with pytest.raises(SpecError) as caught:
        ReleaseManifest.parse(text, "releases/2.0/release.toml")
    return caught.value


def app_error(text: str) -> SpecError:
    with pytest.raises(SpecError) as caught:
        AppManifest.parse(text, "lib/shop-2.0/app.toml")
    return caught.value


HEAD = 'name = "s"\nversion = "1"\npython = "3.12"'


def release_text(release: str = "", applications: str = 'shop = "2.0"', extra: str = "") -> str:
    head = release or 'name = "shop"\nversion = "2.0"\npython = "3.12"'
    return f"[release]\n{head}\n\n[applications]\n{applications}\n{extra}"


def app_text(body: str) -> str:
    return f"[application]\n{body}\n"


class TestReleaseManifest:
    def test_every_field(self) -> None:
        """Name, version, Python version, every application entry form and the config."""
        manifest = ReleaseManifest.parse(RELEASE, "r.toml")
        assert ("shop", "2.0", "3.12") == (manifest.name, manifest.vsn, manifest.python)
        assert (
            RelApp("shop", "2.0"),
            RelApp("stats", "1.0", "temporary"),
            RelApp("web", "R16B", "permanent", ("hooks",)),
            RelApp("hooks", "1", "load", ()),
        ) == manifest.apps
        assert {"shop": {"port": 8080, "greeting": "hi", "limits": {"max": 10}}} == manifest.config
        assert "r.toml" == manifest.path

    def test_read_names_the_file(self, tmp_path: Path) -> None:
        """read() takes a path; its errors name it, a missing file included."""
        path = tmp_path / "release.toml"
        path.write_text(RELEASE, encoding="utf-8")
        assert "shop" == ReleaseManifest.read(path).name
        with pytest.raises(SpecError) as caught:
            ReleaseManifest.read(tmp_path / "nope.toml")
        assert str(tmp_path / "nope.toml") == caught.value.path

    def test_not_utf8(self, tmp_path: Path) -> None:
        """A file that is not UTF-8 is refused with its path."""
        path = tmp_path / "release.toml"
        path.write_bytes(b'[release]\nname = "\xff"\n')
        with pytest.raises(SpecError) as caught:
            ReleaseManifest.read(path)
        assert str(path) == caught.value.path

    def test_byte_order_mark_is_accepted(self, tmp_path: Path) -> None:
        """A UTF-8 byte order mark (some editors write one) does not break reading."""
        path = tmp_path / "release.toml"
        path.write_text("\ufeff" + RELEASE, encoding="utf-8")
        assert "2.0" == ReleaseManifest.read(path).vsn

    @pytest.mark.parametrize(
        ("text", "where"),
        [
            ('[applications]\nshop = "1"\n', "release"),
            (release_text(extra='[extras]\nx = 1\n'), "top level"),
            (release_text('name = "s"\nversion = "1"\npython = "3.12"\npyhton = "3"'), "release"),
            (release_text('version = "1"\npython = "3.12"'), "release.name"),
            (release_text('name = "s"\npython = "3.12"'), "release.version"),
            (release_text('name = "s"\nversion = ""\npython = "3.12"'), "release.version"),
            (release_text('name = "s"\nversion = "a/b"\npython = "3.12"'), "release.version"),
            (release_text('name = "s"\nversion = ".."\npython = "3.12"'), "release.version"),
            (release_text('name = "s"\nversion = 2\npython = "3.12"'), "release.version"),
            (release_text('name = "s"\nversion = "1"'), "release.python"),
            (release_text('name = "s"\nversion = "1"\npython = "3"'), "release.python"),
            (release_text('name = "s"\nversion = "1"\npython = "3.011"'), "release.python"),
            (release_text('name = "s"\nversion = "1"\npython = 3.12'), "release.python"),
            ('[release]\nname = "s"\nversion = "1"\npython = "3.12"\n', "applications"),
            (release_text(applications=""), "applications"),
            (release_text(applications='Shop = "1"'), "applications.Shop"),
            (release_text(applications='"shop-x" = "1"'), "applications.shop-x"),
            (release_text(applications="shop = 1"), "applications.shop"),
            (release_text(applications='shop = { vsn = "1" }'), "applications.shop"),
            (release_text(applications='shop = { type = "load" }'), "applications.shop"),
            (release_text(applications='shop = "x\\\\y"'), "applications.shop"),
            (release_text(applications='shop = { version = "1", type = "sometimes" }'),
             "applications.shop"),
            (release_text(applications='shop = { version = "1", included = "web" }'),
             "applications.shop"),
            (release_text(applications='shop = { version = "1", included = ["a", "a"] }'),
             "applications.shop"),
            ("config = 1\n" + release_text(), "config"),
            (release_text(extra="[config]\nshop = 1\n"), "config.shop"),
            (release_text(extra="[config.Shop]\nx = 1\n"), "config.Shop"),
            (release_text(f"{HEAD}\nexercise = 'shop_app'"), "release.exercise"),
            (release_text(f"{HEAD}\nexercise = 'shop_app.exercise'"), "release.exercise"),
            (release_text(f"{HEAD}\nexercise = 'Shop:exercise'"), "release.exercise"),
            (release_text(f"{HEAD}\nexercise = 'shop_app:ex-ercise'"), "release.exercise"),
            (release_text(f"{HEAD}\nexercise = 'shop_app:exercise:x'"), "release.exercise"),
            (release_text(f"{HEAD}\nexercise = ''"), "release.exercise"),
            (release_text(f"{HEAD}\nexercise = 1"), "release.exercise"),
        ],
    )  # fmt: skip
    def test_errors_name_file_and_part(self, text: str, where: str) -> None:
        """Each wrong shape is a SpecError naming the file and the part at fault."""
        error = release_error(text)
        assert ("releases/2.0/release.toml", where) == (error.path, error.where)
        assert str(error).startswith(f"releases/2.0/release.toml: {where}: ")

    def test_exercise_names_module_and_function(self) -> None:
        """The optional exercise key is kept as written and split into module and function."""
        manifest = ReleaseManifest.parse(release_text(f"{HEAD}\nexercise = 'shop_app:Drive_1'"))
        assert ("shop_app:Drive_1", ("shop_app", "Drive_1")) == (
            manifest.exercise,
            manifest.exercise_function,
        )

    def test_no_exercise_by_default(self) -> None:
        """A release without the key names no exercise function."""
        manifest = ReleaseManifest.parse(release_text())
        assert (None, None) == (manifest.exercise, manifest.exercise_function)

    def test_arbitrary_versions_are_accepted(self) -> None:
        """Versions are arbitrary strings, as in OTP: only what cannot name a directory is out."""
        text = release_text(
            'name = "s"\nversion = "R16B03-1 (blue)"\npython = "3.12"',
            'shop = "1.0-rc.1+build"',
        )
        manifest = ReleaseManifest.parse(text)
        assert ("R16B03-1 (blue)", "1.0-rc.1+build") == (manifest.vsn, manifest.apps[0].vsn)


class TestTomlSyntaxErrors:
    @pytest.mark.parametrize(
        ("text", "line", "col"),
        [
            ("[release]\nname = @\n", 2, 8),
            ('[release]\nname = "shop" "x"\n', 2, 15),
            ("[release]\nname = [1,,]\n", 2, 11),
            ('a = 1\r\nb = "x\n', 2, 7),
            ('[release]\nname = "shop', 2, 13),
            ("[release]\nname = ", 2, 8),
            ("[release]\nname = \n", 2, 8),
            ('[release]\nname = "a"\nname = "b"\n', 3, 1),
            ("[a]\nb = 1\n[a.b]\n", 3, 1),
            ("[a]\n  x = 1\n  x = 2\n", 3, 3),
        ],
    )
    def test_line_and_column(self, text: str, line: int, col: int) -> None:
        """A TOML syntax error is a TomlSyntaxError at the 1-based line and column at fault."""
        error = release_error(text)
        assert isinstance(error, TomlSyntaxError)
        assert ("releases/2.0/release.toml", line, col) == (error.path, error.line, error.col)
        assert f"line {line}, column {col}" == error.where

    def test_app_toml_too(self, tmp_path: Path) -> None:
        """app.toml syntax errors carry the file and position the same way."""
        path = tmp_path / "app.toml"
        path.write_text('[application]\nname = "shop"\nmodules = ["a" "b"]\n', encoding="utf-8")
        with pytest.raises(TomlSyntaxError) as caught:
            AppManifest.read(path)
        assert (str(path), 3, 16) == (caught.value.path, caught.value.line, caught.value.col)


class TestAppManifest:
    def test_every_field(self) -> None:
        """Every key of app.toml is read."""
        app = AppManifest.parse(APP, "a.toml")
        assert (
            AppManifest(
                name="shop",
                vsn="2.0",
                modules=("shop_app", "shop_srv"),
                description="The shop",
                registered=("shop_srv",),
                applications=("stats", "web"),
                included_applications=("hooks",),
                optional_applications=("web",),
                start="shop_app",
                start_args=(1, "two"),
                env={"port": 80},
            )
            == app
        )

    def test_library_defaults(self) -> None:
        """A library application needs only name, version and modules."""
        app = AppManifest.parse(app_text('name = "lib"\nversion = "1"\nmodules = []'))
        assert (None, (), {}, ()) == (app.start, app.start_args, app.env, app.applications)

    @pytest.mark.parametrize(
        ("body", "where"),
        [
            ("", "application"),
            ('version = "1"\nmodules = []', "application.name"),
            ('name = "Shop"\nversion = "1"\nmodules = []', "application.name"),
            ('name = "shop"\nmodules = []', "application.version"),
            ('name = "shop"\nversion = "a/b"\nmodules = []', "application.version"),
            ('name = "shop"\nversion = "1"\nmodules = []\nmods = []', "application"),
            ('name = "shop"\nversion = "1"', "application.modules"),
            ('name = "shop"\nversion = "1"\nmodules = "a"', "application.modules"),
            ('name = "shop"\nversion = "1"\nmodules = ["a", "a"]', "application.modules"),
            ('name = "shop"\nversion = "1"\nmodules = ["a-b"]', "application.modules"),
            ('name = "shop"\nversion = "1"\nmodules = []\nregistered = [1]',
             "application.registered"),
            ('name = "shop"\nversion = "1"\nmodules = []\napplications = "web"',
             "application.applications"),
            ('name = "shop"\nversion = "1"\nmodules = []\nincluded_applications = ["X"]',
             "application.included_applications"),
            ('name = "shop"\nversion = "1"\nmodules = []\noptional_applications = ["web"]',
             "application.optional_applications"),
            ('name = "shop"\nversion = "1"\nmodules = ["a"]\nstart = "b"', "application.start"),
            ('name = "shop"\nversion = "1"\nmodules = ["a"]\nstart = 1', "application.start"),
            ('name = "shop"\nversion = "1"\nmodules = ["a"]\nstart = "a"\nstart_args = 1',
             "application.start_args"),
            ('name = "shop"\nversion = "1"\nmodules = ["a"]\nstart_args = [1]',
             "application.start_args"),
            ('name = "shop"\nversion = "1"\nmodules = []\nenv = 1', "application.env"),
            ('name = "shop"\nversion = "1"\nmodules = []\ndescription = 1',
             "application.description"),
        ],
    )  # fmt: skip
    def test_errors_name_file_and_part(self, body: str, where: str) -> None:
        """Each wrong shape is a SpecError naming the file and the key at fault."""
        error = app_error(app_text(body) if body else "[other]\n")
        expected_where = "top level" if not body else where
        assert ("lib/shop-2.0/app.toml", expected_where) == (error.path, error.where)

    def test_missing_application_table(self) -> None:
        """A file without [application] says so."""
        error = app_error("x = 1\n")
        assert ("lib/shop-2.0/app.toml", "top level") == (error.path, error.where)
        error = app_error("")
        assert ("lib/shop-2.0/app.toml", "application") == (error.path, error.where)


# --- dumps and parse round trips ------------------------------------------------------------

names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
vsns = st.text(min_size=1, max_size=12).filter(
    lambda v: v not in (".", "..") and not any(c in v for c in "/\\\0")
)
toml_scalars = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(max_size=10),
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
tables = st.dictionaries(st.text(max_size=6), toml_values, max_size=4)


@st.composite
def release_manifests(draw: st.DrawFn) -> ReleaseManifest:
    app_names = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    apps = tuple(
        RelApp(
            name,
            draw(vsns),
            draw(st.sampled_from(START_TYPES)),
            draw(st.none() | st.lists(names, max_size=2, unique=True).map(tuple)),
        )
        for name in app_names
    )
    return ReleaseManifest(
        name=draw(st.text(min_size=1, max_size=10)),
        vsn=draw(vsns),
        python=f"{draw(st.integers(0, 20))}.{draw(st.integers(0, 40))}",
        apps=apps,
        config=draw(st.dictionaries(names, tables, max_size=3)),
        exercise=draw(st.none() | st.builds("{}:{}".format, names, names)),
    )


@st.composite
def app_manifests(draw: st.DrawFn) -> AppManifest:
    modules = tuple(draw(st.lists(names, max_size=5, unique=True)))
    applications = tuple(draw(st.lists(names, max_size=3, unique=True)))
    start = draw(st.none() | st.sampled_from(modules)) if modules else None
    args: tuple[Any, ...] = ()
    if start is not None:
        args = tuple(draw(st.lists(toml_values, max_size=3)))
    return AppManifest(
        name=draw(names),
        vsn=draw(vsns),
        modules=modules,
        description=draw(st.text(max_size=10)),
        registered=tuple(draw(st.lists(names, max_size=2, unique=True))),
        applications=applications,
        included_applications=tuple(draw(st.lists(names, max_size=2, unique=True))),
        optional_applications=tuple(a for a in applications if draw(st.booleans())),
        start=start,
        start_args=args,
        env=draw(tables),
    )


class TestRoundTrip:
    @settings(max_examples=200, deadline=None)
    @given(release_manifests())
    def test_release_dumps_then_parse(self, manifest: ReleaseManifest) -> None:
        """Whatever ReleaseManifest.dumps writes, parse reads back as the same manifest."""
        assert manifest == ReleaseManifest.parse(manifest.dumps())

    @settings(max_examples=200, deadline=None)
    @given(app_manifests())
    def test_app_dumps_then_parse(self, manifest: AppManifest) -> None:
        """Whatever AppManifest.dumps writes, parse reads back as the same manifest."""
        assert manifest == AppManifest.parse(manifest.dumps())

    def test_example_round_trips(self) -> None:
        """The hand-written examples survive a dumps/parse cycle."""
        release = ReleaseManifest.parse(RELEASE)
        app = AppManifest.parse(APP)
        assert (release, app) == (
            ReleaseManifest.parse(release.dumps()),
            AppManifest.parse(app.dumps()),
        )

    @settings(max_examples=300, deadline=None)
    @given(st.text(max_size=60))
    def test_any_text_parses_or_is_a_spec_error(self, text: str) -> None:
        """Arbitrary text gives a manifest or a SpecError, never another exception."""
        for model in (ReleaseManifest, AppManifest):
            try:
                model.parse(text)
            except SpecError as error:
                if isinstance(error, TomlSyntaxError):
                    assert error.line >= 1 and error.col >= 1
