"""The Python front end: releases read from ``release.toml``, ``app.toml`` and ``.appup`` files.

A Python release tree has the shape of an OTP target system (the layout is
documented in :mod:`relup.spec.toml_release` and ``docs/release-format.md``)::

    <root>/releases/<vsn>/release.toml
    <root>/lib/<app>-<vsn>/app.toml, <app>.appup, <module>.py

A release is named by its directory ``releases/<vsn>`` or by its ``release.toml``;
its tree root is the directory holding ``releases/``, and its applications are
read from that root's ``lib/``. Nothing is searched for: an application version
lives in exactly one place.

What is checked is what ``systools_make`` checks for an OTP release, reported the
same way (a :class:`~relup.plan.reasons.ReleaseProblem` with systools' tag where it
has one), plus what only a Python tree can get wrong:

* the release file exists and parses, and sits in ``releases/<its version>``;
* every application's directory ``lib/<app>-<vsn>`` and its ``app.toml`` exist;
  ``app.toml`` names the application and version the release asks for; every
  module it lists has its ``<module>.py``;
* a release's ``included`` list names only applications the ``app.toml``
  includes; dependencies and included applications are in the release; no
  module is in two applications; no cycles (:func:`relup.plan.release.checked_release`).

OTP's own rules do not apply (``otp_rules = False``): a Python release names no
kernel, stdlib or sasl, and has no erts. Its Python version (``major.minor``) is
the runtime version, so a change of it between two releases makes the generator
start the upgrade with ``restart_new_emulator`` (and end the downgrade with
``restart_emulator``), as an erts change does, without OTP's erts warning.

Appups are OTP files: they are read by the OTP front end's reader, so a missing
or malformed appup is refused with the same reason and position as in an OTP tree.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace

from relup.errors import SpecError
from relup.plan.otp_tree import OtpTree
from relup.plan.reasons import PlanError
from relup.plan.release import (
    Application,
    Release,
    ReleaseSource,
    checked_release,
    release_problem,
)
from relup.spec.appup import Appup
from relup.spec.rel import RelApp
from relup.spec.toml_release import (
    APP_FILE,
    RELEASE_FILE,
    AppManifest,
    ReleaseManifest,
    TomlSyntaxError,
)
from relup.terms import Atom, Term

RELEASES_DIR = "releases"
LIB_DIR = "lib"


def python_release_file(ref: str) -> str | None:
    """The ``release.toml`` that `ref` names, if `ref` names a Python release.

    `ref` names one if it is a ``release.toml`` file or a directory holding one.
    """
    if os.path.basename(ref) == RELEASE_FILE and os.path.isfile(ref):
        return ref
    candidate = os.path.join(ref, RELEASE_FILE)
    return candidate if os.path.isdir(ref) and os.path.isfile(candidate) else None


def is_otp_release_ref(ref: str) -> bool:
    """Whether `ref` names an OTP release: it ends in ``.rel``, or ``<ref>.rel`` is a file.

    What :func:`choose_source` reads as an OTP release; ``relup check`` uses it too,
    to refuse an OTP release with the same test rather than call it unknown.
    """
    return ref.endswith(".rel") or os.path.isfile(ref + ".rel")


def choose_source(
    new: str, bases: Sequence[str], path: Sequence[str] | None, default_path: str
) -> tuple[ReleaseSource, str, list[str]]:
    """The front end that reads release `new`, with `new` and `bases` named for it.

    `new` is a Python release if it is a ``release.toml`` or a directory holding
    one; otherwise it names an OTP ``.rel`` file (with or without the suffix, found
    through `path`, else `default_path`). One relup never mixes the two: a base of
    the other kind is refused, and so is a `path` for a Python release, whose
    applications are in its own tree and never searched for.
    """
    if python_release_file(new) is not None:
        for b in bases:
            if python_release_file(b) is None and is_otp_release_ref(b):
                raise _mixed(b, f"{b} names an OTP release (.rel), but {new} is a Python release")
        if path:
            raise release_problem(
                "path_with_python_release",
                new,
                f"--path is for OTP releases, but {new} is a Python release: its "
                f"applications are in its own tree's {LIB_DIR}/",
                "leave out --path",
            )
        return PythonTree(), new, list(bases)
    for b in bases:
        if python_release_file(b) is not None:
            raise _mixed(b, f"{b} is a Python release (release.toml), but {new} is not")

    def stem(ref: str) -> str:
        return ref.removesuffix(".rel")

    return OtpTree(path or [default_path]), stem(new), [stem(b) for b in bases]


def _mixed(ref: str, what: str) -> PlanError:
    return release_problem(
        "mixed_release_formats",
        ref,
        f"{what}: one relup cannot mix OTP and Python releases",
        "name every release the same way: all by releases/<vsn> with a release.toml, "
        "or all by .rel file",
    )


def relup_path(release: Release) -> str:
    """Where a Python release's relup belongs: ``releases/<vsn>/relup``, beside release.toml."""
    return os.path.join(os.path.dirname(release.path), "relup")


def _app_problem(
    name: str, problem: str, detail: Term, message: str, hint: str | None = None
) -> PlanError:
    return release_problem("error_reading", (Atom(name), (Atom(problem), detail)), message, hint)


class PythonTree:
    """Releases and applications of Python release trees (``release.toml``, ``app.toml``)."""

    otp_rules = False

    def __init__(self) -> None:
        self._apps: dict[str, Application] = {}
        self._appups = OtpTree([])

    # --- release files ---------------------------------------------------------------

    def _release_file(self, ref: str) -> str:
        ref = os.path.normpath(ref)
        found = python_release_file(ref)
        if found is None:
            wanted = (
                ref if os.path.basename(ref) == RELEASE_FILE else os.path.join(ref, RELEASE_FILE)
            )
            raise release_problem(
                "not_found",
                wanted,
                f"release file {wanted} not found",
                "name a Python release by its directory releases/<vsn> or its release.toml",
            )
        return found

    def read_release(self, ref: str) -> Release:
        path = self._release_file(ref)
        try:
            manifest = ReleaseManifest.read(path)
        except TomlSyntaxError as exc:
            raise release_problem("parse", path, str(exc)) from None
        except SpecError as exc:
            raise release_problem("badly_formatted_release", path, str(exc)) from None
        release_dir = os.path.dirname(path)
        releases = os.path.dirname(os.path.abspath(release_dir))
        if os.path.basename(releases) != RELEASES_DIR:
            raise release_problem(
                "bad_release_dir",
                path,
                f"{path} is not in a {RELEASES_DIR}/ directory, so its tree has no root",
                f"put it in <root>/{RELEASES_DIR}/{manifest.vsn}/, beside <root>/{LIB_DIR}/",
            )
        if os.path.basename(os.path.abspath(release_dir)) != manifest.vsn:
            raise release_problem(
                "bad_release_dir",
                path,
                f"{path} is release version {manifest.vsn}, but its directory is "
                f"{os.path.basename(os.path.abspath(release_dir))}",
                f"move it to {RELEASES_DIR}/{manifest.vsn}/ (a release lives in "
                f"{RELEASES_DIR}/<its version>/)",
            )
        root = os.path.normpath(os.path.join(release_dir, os.pardir, os.pardir))
        root = "" if root == os.curdir else root  # keep paths in messages short: lib/...
        apps: list[Application] = []
        for entry in manifest.apps:
            app = self._application(root, entry)
            includes = app.included_applications
            if entry.includes is not None:
                unknown = [i for i in entry.includes if i not in includes]
                if unknown:
                    raise _app_problem(
                        entry.name,
                        "override_include",
                        [Atom(i) for i in unknown],
                        f"{path}: {entry.name}'s included list names {', '.join(unknown)}, "
                        f"which its {APP_FILE} does not include",
                    )
                includes = entry.includes
            apps.append(replace(app, type=entry.type, included_applications=includes))
        return checked_release(manifest.name, manifest.vsn, manifest.python, apps, path)

    # --- applications -------------------------------------------------------------------

    def _application(self, root: str, entry: RelApp) -> Application:
        """`entry`'s application from ``<root>/lib/<app>-<vsn>``, read and checked once."""
        directory = os.path.join(root, LIB_DIR, f"{entry.name}-{entry.vsn}")
        key = os.path.abspath(directory)
        cached = self._apps.get(key)
        if cached is not None:
            return cached
        path = os.path.join(directory, APP_FILE)
        if not os.path.isdir(directory):
            raise _app_problem(
                entry.name,
                "not_found",
                directory,
                f"{directory} not found: the release needs {entry.name} {entry.vsn}",
                f"put {entry.name} {entry.vsn} in {directory}/ with its {APP_FILE}",
            )
        if not os.path.isfile(path):
            raise _app_problem(
                entry.name,
                "not_found",
                path,
                f"{path} not found: {directory} is no application directory",
                f"describe {entry.name} {entry.vsn} in {path}",
            )
        try:
            manifest = AppManifest.read(path)
        except TomlSyntaxError as exc:
            raise _app_problem(entry.name, "parse_error", str(exc), str(exc)) from None
        except SpecError as exc:
            raise _app_problem(entry.name, "bad_param", str(exc), str(exc)) from None
        if manifest.name != entry.name:
            raise _app_problem(
                entry.name,
                "bad_name",
                (("should be", Atom(entry.name)), ("found file", path, Atom(manifest.name))),
                f"{path} describes application {manifest.name}, but it is in the directory "
                f"of {entry.name}",
                f'set name = "{entry.name}" in {path}',
            )
        if manifest.vsn != entry.vsn:
            raise _app_problem(
                entry.name,
                "no_valid_version",
                (("should be", entry.vsn), ("found file", path, manifest.vsn)),
                f"{path} says {entry.name} is version {manifest.vsn}, but the release and "
                f"the directory name want {entry.vsn}",
                f'set version = "{entry.vsn}" in {path}',
            )
        missing = [
            m for m in manifest.modules if not os.path.isfile(os.path.join(directory, m + ".py"))
        ]
        if missing:
            files = ", ".join(f"{m}.py" for m in missing)
            raise _app_problem(
                entry.name,
                "missing_modules",
                [Atom(m) for m in missing],
                f"{path} lists modules without their files in {directory}: {files}",
                f"add {files} to {directory}/, or take the modules out of {path}",
            )
        app = Application(
            name=entry.name,
            vsn=entry.vsn,
            type=entry.type,
            modules=manifest.modules,
            directory=directory,
            applications=manifest.applications,
            included_applications=manifest.included_applications,
            optional_applications=manifest.optional_applications,
        )
        self._apps[key] = app
        return app

    # --- appups ------------------------------------------------------------------------

    def read_appup(self, app: Application) -> Appup:
        """``<app>.appup`` in the application's directory, read as the OTP front end reads it."""
        return self._appups.read_appup(app)
