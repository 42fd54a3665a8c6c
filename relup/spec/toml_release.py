"""Python releases: ``release.toml`` and ``app.toml``, the TOML twins of `.rel` and `.app`.

A Python release tree has the shape of an OTP target system (see
``docs/release-format.md``)::

    releases/<vsn>/release.toml     name, version, Python version, applications, config,
                                    the exercise function relup check calls
    releases/<vsn>/relup            written by ``relup generate`` (Erlang term text)
    lib/<app>-<vsn>/app.toml        an application version's metadata
    lib/<app>-<vsn>/<app>.appup     its appup (Erlang term text, OTP grammar)
    lib/<app>-<vsn>/<module>.py     one file per module the app.toml lists

The Python version (``major.minor``) plays the role of OTP's erts version: a change
of it between two releases needs a new interpreter (``restart_new_emulator``).
Release-level ``[config.<app>]`` tables override application environments, as
OTP's ``sys.config`` does. Files are read with tomlkit so that a file relup edits
keeps its comments; a TOML syntax error is a :class:`TomlSyntaxError` naming file,
line and column (1-based).

Rules the models enforce beyond TOML's own:

* application, module and registered names are lowercase Python identifiers (an
  ``import`` can load them and they are Erlang atoms without quotes);
* versions are arbitrary strings, as in OTP (``R16B`` is a version), but each names
  a directory (``releases/<vsn>``, ``lib/<app>-<vsn>``), so it cannot be empty,
  ``.`` or ``..``, or hold ``/``, ``\\`` or a NUL;
* the Python version is ``major.minor`` without leading zeros, so that two ways of
  writing one version cannot look like a change of interpreter;
* unknown keys are refused, so that a misspelt key is not silently ignored.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions

from relup.errors import SpecError
from relup.spec.rel import START_TYPES, RelApp

RELEASE_FILE = "release.toml"
APP_FILE = "app.toml"

#: Module and application names: what ``import`` accepts, and an atom without quotes.
#: Public because the release state file (:mod:`relup.release.store`) holds the same
#: application names and must accept exactly what a release.toml accepts.
NAME_PATTERN = re.compile(r"[a-z_][a-z0-9_]*\Z")
_PYTHON = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\Z")
#: ``exercise = "module:function"``: a module name, then a Python function name.
_EXERCISE = re.compile(r"([a-z_][a-z0-9_]*):([A-Za-z_][A-Za-z0-9_]*)\Z")


class TomlSyntaxError(SpecError):
    """A release.toml or app.toml that is not valid TOML.

    ``line`` and ``col`` are 1-based and point at the offending character (at the
    end of the text when the file ends too early).
    """

    def __init__(self, message: str, *, path: str | None, line: int, col: int) -> None:
        super().__init__(message, path=path, where=f"line {line}, column {col}")
        self.line = line
        self.col = col


def toml_syntax_error(
    e: tomlkit.exceptions.TOMLKitError, text: str, path: str | None
) -> TomlSyntaxError:
    """`e`, raised by tomlkit parsing `text`, as a TomlSyntaxError with a 1-based position.

    Public so that every TOML file relup reads with tomlkit (release.toml, app.toml,
    the release state file of :mod:`relup.release.store`) names a syntax error's
    position the same way.

    tomlkit counts columns from 0, reports the end of the text as column 0 of its
    last line, points past a duplicate key's value rather than at the key, and gives
    no position at all for some duplicate keys; the stdlib's tomllib (which relup
    does not read with, as it drops comments) then supplies one.
    """
    message = re.sub(r"\.? at line \d+ col \d+$", "", str(e)).rstrip(".")
    lines = text.split("\n")
    line, col = len(lines), len(lines[-1]) + 1  # the end of the text
    if isinstance(e, tomlkit.exceptions.ParseError):
        if isinstance(e, tomlkit.exceptions.UnexpectedEofError) or message.endswith("'\\x00'"):
            message = "unexpected end of file"
        else:
            line, col = e.line, e.col + 1
    else:
        try:
            tomllib.loads(text)
        except tomllib.TOMLDecodeError as found:
            at = re.search(r"\(at line (\d+), column (\d+)\)", str(found))
            if at:
                line, col = int(at[1]), int(at[2])
    if message.endswith("already exists") and 0 < line <= len(lines):
        # both parsers point past the duplicate's value: point at its key instead
        col = len(lines[line - 1]) - len(lines[line - 1].lstrip()) + 1
    return TomlSyntaxError(message, path=path, line=line, col=col)


def _load(text: str, path: str | None) -> dict[str, Any]:
    text = text.removeprefix("\ufeff")  # a byte order mark is not TOML, but editors write one
    try:
        return tomlkit.parse(text).unwrap()
    except tomlkit.exceptions.TOMLKitError as e:
        raise toml_syntax_error(e, text, path) from None


def _read(path: str | Path) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise SpecError(f"cannot read: {e.strerror or e}", path=str(path)) from None
    except UnicodeDecodeError as e:
        raise SpecError(f"not UTF-8 text (byte {e.start})", path=str(path)) from None
    return _load(text, str(path))


def _unknown(table: Mapping[str, Any], known: set[str], where: str, path: str | None) -> None:
    unknown = [k for k in table if k not in known]
    if unknown:
        raise SpecError(
            f"unknown keys {unknown} (known: {', '.join(sorted(known))})", path=path, where=where
        )


def _table(
    doc: Mapping[str, Any], key: str, path: str | None, *, required: bool = True
) -> dict[str, Any]:
    value = doc.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise SpecError(f"expected a [{key}] table", path=path, where=key)
    return value


def _str(
    table: Mapping[str, Any], key: str, where: str, path: str | None, *, default: str | None = None
) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value:
        raise SpecError(f"{key} must be a non-empty string, got {value!r}", path=path, where=where)
    return value


def _vsn(table: Mapping[str, Any], where: str, path: str | None) -> str:
    value = _str(table, "version", where, path)
    if value in (".", "..") or any(c in value for c in "/\\\0"):
        raise SpecError(
            f"version {value!r} cannot name a directory (no '/', '\\\\' or NUL; not . or ..)",
            path=path,
            where=where,
        )
    return value


def _name(value: Any, what: str, where: str, path: str | None) -> str:
    if not isinstance(value, str) or not NAME_PATTERN.match(value):
        raise SpecError(
            f"{what} must be a lowercase Python identifier, got {value!r}", path=path, where=where
        )
    return value


def _names(table: Mapping[str, Any], key: str, where: str, path: str | None) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list):
        raise SpecError(f"{key} must be a list of names, got {value!r}", path=path, where=where)
    names = tuple(_name(v, f"each entry of {key}", where, path) for v in value)
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise SpecError(f"{key} lists {', '.join(twice)} more than once", path=path, where=where)
    return names


@dataclass(frozen=True, slots=True)
class ReleaseManifest:
    """``releases/<vsn>/release.toml``: what `.rel` and ``sys.config`` hold for OTP.

    ``exercise`` (``"module:function"``, optional) names a function of one of the
    release's modules that drives one round of traffic through the running service
    and raises if it fails; ``relup check``'s rehearsal calls it on a throwaway node.
    """

    name: str
    vsn: str
    python: str
    apps: tuple[RelApp, ...]
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    exercise: str | None = None
    path: str | None = field(default=None, compare=False)

    @property
    def exercise_function(self) -> tuple[str, str] | None:
        """``(module, function)`` of ``exercise``, or None when the release names none."""
        if self.exercise is None:
            return None
        module, _, function = self.exercise.partition(":")
        return module, function

    @classmethod
    def parse(cls, text: str, path: str | None = None) -> ReleaseManifest:
        return cls.from_dict(_load(text, path), path)

    @classmethod
    def read(cls, path: str | Path) -> ReleaseManifest:
        return cls.from_dict(_read(path), str(path))

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any], path: str | None = None) -> ReleaseManifest:
        _unknown(doc, {"release", "applications", "config"}, "top level", path)
        rel = _table(doc, "release", path)
        _unknown(rel, {"name", "version", "python", "exercise"}, "release", path)
        name = _str(rel, "name", "release.name", path)
        vsn = _vsn(rel, "release.version", path)
        python = _str(rel, "python", "release.python", path)
        if not _PYTHON.match(python):
            raise SpecError(
                f'python must be a major.minor version such as "3.11", got {python!r}',
                path=path,
                where="release.python",
            )
        raw_apps = _table(doc, "applications", path)
        if not raw_apps:
            raise SpecError(
                "a release needs at least one application", path=path, where="applications"
            )
        apps = tuple(_rel_app(app, entry, path) for app, entry in raw_apps.items())
        config = _table(doc, "config", path, required=False)
        for app, table in config.items():
            _name(app, "an application name", f"config.{app}", path)
            if not isinstance(table, dict):
                raise SpecError(f"[config.{app}] must be a table", path=path, where=f"config.{app}")
        exercise = rel.get("exercise")
        if exercise is not None and (
            not isinstance(exercise, str) or not _EXERCISE.match(exercise)
        ):
            raise SpecError(
                'exercise must be "module:function" (a module of the release and a function '
                f'in it, such as "shop_app:exercise"), got {exercise!r}',
                path=path,
                where="release.exercise",
            )
        return cls(
            name=name,
            vsn=vsn,
            python=python,
            apps=apps,
            config=config,
            exercise=exercise,
            path=path,
        )

    def dumps(self) -> str:
        doc = tomlkit.document()
        release = {"name": self.name, "version": self.vsn, "python": self.python}
        if self.exercise is not None:
            release["exercise"] = self.exercise
        doc.add("release", release)
        apps = tomlkit.table()
        for a in self.apps:
            if a.type == "permanent" and a.includes is None:
                apps.add(a.name, a.vsn)
            else:
                entry = tomlkit.inline_table()
                entry.update({"version": a.vsn})
                if a.type != "permanent":
                    entry["type"] = a.type
                if a.includes is not None:
                    entry["included"] = list(a.includes)
                apps.add(a.name, entry)
        doc.add("applications", apps)
        if self.config:
            doc.add("config", {k: dict(v) for k, v in self.config.items()})
        return tomlkit.dumps(doc)


def _rel_app(app: str, entry: Any, path: str | None) -> RelApp:
    where = f"applications.{app}"
    _name(app, "an application name", where, path)
    if isinstance(entry, str):
        return RelApp(name=app, vsn=_vsn({"version": entry}, where, path))
    if not isinstance(entry, dict):
        raise SpecError(
            f"expected a version string or {{ version = ..., type = ... }}, got {entry!r}",
            path=path,
            where=where,
        )
    _unknown(entry, {"version", "type", "included"}, where, path)
    vsn = _vsn(entry, where, path)
    start_type = entry.get("type", "permanent")
    if start_type not in START_TYPES:
        raise SpecError(
            f"type must be one of {', '.join(START_TYPES)}, got {start_type!r}",
            path=path,
            where=where,
        )
    includes = _names(entry, "included", where, path) if "included" in entry else None
    return RelApp(name=app, vsn=vsn, type=start_type, includes=includes)


@dataclass(frozen=True, slots=True)
class AppManifest:
    """``lib/<app>-<vsn>/app.toml``: what an `.app` file holds for OTP.

    ``start`` names the module whose ``start(start_type, start_args)`` returns the
    application's top supervisor (and whose optional ``stop(state)`` and
    ``config_change(changed, new, removed)`` are called); ``None`` for a library.
    """

    name: str
    vsn: str
    modules: tuple[str, ...]
    description: str = ""
    registered: tuple[str, ...] = ()
    applications: tuple[str, ...] = ()
    included_applications: tuple[str, ...] = ()
    optional_applications: tuple[str, ...] = ()
    start: str | None = None
    start_args: tuple[Any, ...] = ()
    env: Mapping[str, Any] = field(default_factory=dict)
    path: str | None = field(default=None, compare=False)

    @classmethod
    def parse(cls, text: str, path: str | None = None) -> AppManifest:
        return cls.from_dict(_load(text, path), path)

    @classmethod
    def read(cls, path: str | Path) -> AppManifest:
        return cls.from_dict(_read(path), str(path))

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any], path: str | None = None) -> AppManifest:
        _unknown(doc, {"application"}, "top level", path)
        app = _table(doc, "application", path)
        known = {
            "name", "version", "description", "modules", "registered", "applications",
            "included_applications", "optional_applications", "start", "start_args", "env",
        }  # fmt: skip
        _unknown(app, known, "application", path)
        name = _name(app.get("name"), "name", "application.name", path)
        if "modules" not in app:
            raise SpecError(
                f"application {name} has no modules list", path=path, where="application.modules"
            )
        modules = _names(app, "modules", "application.modules", path)
        start = app.get("start")
        if start is not None:
            _name(start, "start", "application.start", path)
            if start not in modules:
                raise SpecError(
                    f"the start module {start} is not in modules",
                    path=path,
                    where="application.start",
                )
        start_args = app.get("start_args", [])
        if not isinstance(start_args, list):
            raise SpecError("start_args must be a list", path=path, where="application.start_args")
        if start_args and start is None:
            raise SpecError(
                "start_args without a start module", path=path, where="application.start_args"
            )
        env = app.get("env", {})
        if not isinstance(env, dict):
            raise SpecError("env must be a table", path=path, where="application.env")
        description = app.get("description", "")
        if not isinstance(description, str):
            raise SpecError(
                "description must be a string", path=path, where="application.description"
            )
        applications = _names(app, "applications", "application.applications", path)
        included = _names(app, "included_applications", "application.included_applications", path)
        optional = _names(app, "optional_applications", "application.optional_applications", path)
        stray = [o for o in optional if o not in applications]
        if stray:
            raise SpecError(
                f"optional applications must also be in applications: {', '.join(stray)}",
                path=path,
                where="application.optional_applications",
            )
        return cls(
            name=name,
            vsn=_vsn(app, "application.version", path),
            modules=modules,
            description=description,
            registered=_names(app, "registered", "application.registered", path),
            applications=applications,
            included_applications=included,
            optional_applications=optional,
            start=start,
            start_args=tuple(start_args),
            env=env,
            path=path,
        )

    def dumps(self) -> str:
        table: dict[str, Any] = {"name": self.name, "version": self.vsn}
        if self.description:
            table["description"] = self.description
        table["modules"] = list(self.modules)
        for key in (
            "registered", "applications", "included_applications", "optional_applications"
        ):  # fmt: skip
            value = getattr(self, key)
            if value:
                table[key] = list(value)
        if self.start is not None:
            table["start"] = self.start
            if self.start_args:
                table["start_args"] = list(self.start_args)
        if self.env:
            table["env"] = dict(self.env)
        doc = tomlkit.document()
        doc.add("application", table)
        return tomlkit.dumps(doc)
