"""Python releases: ``release.toml`` and ``app.toml``, the TOML twins of `.rel` and `.app`.

A Python release tree has the shape of an OTP target system (see
``docs/release-format.md``)::

    releases/<vsn>/release.toml     name, version, Python version, applications, config
    releases/<vsn>/relup            written by ``relup generate`` (Erlang term text)
    lib/<app>-<vsn>/app.toml        an application version's metadata
    lib/<app>-<vsn>/<app>.appup     its appup (Erlang term text, OTP grammar)
    lib/<app>-<vsn>/<module>.py     one file per module the app.toml lists

The Python version (``major.minor``) plays the role of OTP's erts version: a change
of it between two releases needs a new interpreter (``restart_new_emulator``).
Release-level ``[config.<app>]`` tables override application environments, as
OTP's ``sys.config`` does. Files are read with tomlkit so that a file relup edits
keeps its comments; a TOML syntax error names file, line and column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions

from relup.errors import SpecError
from relup.spec.app import AppFile
from relup.spec.rel import START_TYPES, RelApp, RelFile

RELEASE_FILE = "release.toml"
APP_FILE = "app.toml"

#: Module and application names: what ``import`` accepts, and an atom without quotes.
_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")
_PYTHON = re.compile(r"[0-9]+\.[0-9]+\Z")


def _load(text: str, path: str | None) -> dict[str, Any]:
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as e:
        message = re.sub(r" at line \d+ col \d+$", "", str(e))
        raise SpecError(message, path=path, where=f"line {e.line}, column {e.col}") from None
    return doc.unwrap()


def _read(path: str | Path) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise SpecError(f"cannot read: {e.strerror or e}", path=str(path)) from None
    except UnicodeDecodeError:
        raise SpecError("not UTF-8 text", path=str(path)) from None
    return _load(text, str(path))


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


def _name(value: Any, what: str, where: str, path: str | None) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise SpecError(
            f"{what} must be a lowercase Python identifier, got {value!r}", path=path, where=where
        )
    return value


def _names(table: Mapping[str, Any], key: str, where: str, path: str | None) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list):
        raise SpecError(f"{key} must be a list of names, got {value!r}", path=path, where=where)
    return tuple(_name(v, f"each entry of {key}", where, path) for v in value)


@dataclass(frozen=True, slots=True)
class ReleaseManifest:
    """``releases/<vsn>/release.toml``: what `.rel` and ``sys.config`` hold for OTP."""

    name: str
    vsn: str
    python: str
    apps: tuple[RelApp, ...]
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    path: str | None = field(default=None, compare=False)

    @classmethod
    def parse(cls, text: str, path: str | None = None) -> ReleaseManifest:
        return cls.from_dict(_load(text, path), path)

    @classmethod
    def read(cls, path: str | Path) -> ReleaseManifest:
        return cls.from_dict(_read(path), str(path))

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any], path: str | None = None) -> ReleaseManifest:
        rel = _table(doc, "release", path)
        name = _str(rel, "name", "release", path)
        vsn = _str(rel, "version", "release", path)
        python = _str(rel, "python", "release", path)
        if not _PYTHON.match(python):
            raise SpecError(
                f'python must be a major.minor version such as "3.11", got {python!r}',
                path=path,
                where="release",
            )
        raw_apps = _table(doc, "applications", path)
        if not raw_apps:
            raise SpecError(
                "a release needs at least one application", path=path, where="applications"
            )
        apps = tuple(_rel_app(app, entry, path) for app, entry in raw_apps.items())
        config = _table(doc, "config", path, required=False)
        for app, table in config.items():
            if not isinstance(table, dict):
                raise SpecError(f"[config.{app}] must be a table", path=path, where="config")
        return cls(name=name, vsn=vsn, python=python, apps=apps, config=config, path=path)

    def to_rel_file(self) -> RelFile:
        """The `.rel` view the generator works on (the Python version as erts's)."""
        return RelFile(
            name=self.name, vsn=self.vsn, erts_vsn=self.python, apps=self.apps, path=self.path
        )

    def dumps(self) -> str:
        doc = tomlkit.document()
        doc.add("release", {"name": self.name, "version": self.vsn, "python": self.python})
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
        return RelApp(name=app, vsn=entry)
    if not isinstance(entry, dict):
        raise SpecError(
            f"expected a version string or {{ version = ..., type = ... }}, got {entry!r}",
            path=path,
            where=where,
        )
    unknown = set(entry) - {"version", "type", "included"}
    if unknown:
        raise SpecError(f"unknown keys {sorted(unknown)}", path=path, where=where)
    vsn = _str(entry, "version", where, path)
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
        app = _table(doc, "application", path)
        where = "application"
        known = {
            "name", "version", "description", "modules", "registered", "applications",
            "included_applications", "start", "start_args", "env",
        }  # fmt: skip
        unknown = set(app) - known
        if unknown:
            raise SpecError(f"unknown keys {sorted(unknown)}", path=path, where=where)
        name = _name(app.get("name"), "name", where, path)
        if "modules" not in app:
            raise SpecError(f"application {name} has no modules list", path=path, where="modules")
        start = app.get("start")
        if start is not None:
            _name(start, "start", where, path)
        start_args = app.get("start_args", [])
        if not isinstance(start_args, list):
            raise SpecError("start_args must be a list", path=path, where=where)
        env = app.get("env", {})
        if not isinstance(env, dict):
            raise SpecError("env must be a table", path=path, where=where)
        description = app.get("description", "")
        if not isinstance(description, str):
            raise SpecError("description must be a string", path=path, where=where)
        return cls(
            name=name,
            vsn=_str(app, "version", where, path),
            modules=_names(app, "modules", "modules", path),
            description=description,
            registered=_names(app, "registered", where, path),
            applications=_names(app, "applications", where, path),
            included_applications=_names(app, "included_applications", where, path),
            start=start,
            start_args=tuple(start_args),
            env=env,
            path=path,
        )

    def to_app_file(self) -> AppFile:
        """The `.app` view the generator works on (environment left out: it needs none)."""
        return AppFile(
            name=self.name,
            vsn=self.vsn,
            modules=self.modules,
            applications=self.applications,
            included_applications=self.included_applications,
            registered=self.registered,
            description=self.description,
            path=self.path,
        )

    def dumps(self) -> str:
        table: dict[str, Any] = {"name": self.name, "version": self.vsn}
        if self.description:
            table["description"] = self.description
        table["modules"] = list(self.modules)
        for key in ("registered", "applications", "included_applications"):
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
