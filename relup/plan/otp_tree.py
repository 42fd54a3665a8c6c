"""The OTP front end: releases read from `.rel`, `.app` and `.appup` files on a path.

This is what ``systools_make:get_release`` does before the generator runs:

* a release file is looked up as given, then in each path directory;
* an application ``A`` at version ``V`` is the first ``A.app`` on the path whose
  ``vsn`` is ``V``. Path globs expand in sorted order (OTP uses the order the file
  system lists directories in, which is unspecified). When no directory holds the
  right version, the error names the ``A.app`` in the directory named ``A-V`` if
  there is one, else the first one found;
* kernel and stdlib must be in the release and permanent; an application's
  dependencies and included applications must be in the release; no two
  applications may hold the same module; cycles are errors;
* applications are put in boot order. These last checks and the boot order are
  :func:`relup.plan.release.checked_release`'s, shared with the Python front end.

Only the first term of each file is read, as systools reads them.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence

from relup.errors import SpecError, TermSyntaxError
from relup.plan import reasons as r
from relup.plan.reasons import PlanError
from relup.plan.release import Application, Release, checked_release, release_problem
from relup.spec.app import AppFile
from relup.spec.appup import Appup
from relup.spec.rel import RelFile
from relup.terms import Atom, Term, read_first_term, scan_to_first_dot


def expand_path(patterns: Sequence[str]) -> list[str]:
    """Directories matching each pattern, in pattern order, sorted within a pattern."""
    dirs: list[str] = []
    seen: set[str] = set()
    for pattern in patterns:
        if glob.has_magic(pattern):
            matches = sorted(d for d in glob.glob(pattern) if os.path.isdir(d))
        else:
            matches = [pattern] if os.path.isdir(pattern) else []
        for d in matches:
            if d not in seen:
                seen.add(d)
                dirs.append(d)
    return dirs


class OtpTree:
    """Releases and applications of an OTP-style tree found through a search path."""

    otp_rules = True

    def __init__(self, path: Sequence[str]) -> None:
        self.dirs = expand_path(path)
        self._apps: dict[tuple[str, str], tuple[AppFile, str]] = {}
        self._listings: dict[str, frozenset[str]] = {}
        self._appups: dict[str, Appup] = {}

    def _has(self, directory: str, name: str) -> bool:
        """Whether `directory` holds `name`, listing each directory once."""
        listing = self._listings.get(directory)
        if listing is None:
            try:
                listing = frozenset(os.listdir(directory))
            except OSError:
                listing = frozenset()
            self._listings[directory] = listing
        return name in listing

    # --- release files ---------------------------------------------------------------

    def _rel_file(self, ref: str) -> str:
        name = ref if ref.endswith(".rel") else ref + ".rel"
        if os.path.isfile(name):
            return name
        for d in self.dirs:
            candidate = os.path.join(d, name)
            if os.path.isfile(candidate):
                return candidate
        raise release_problem(
            "not_found",
            name,
            f"release file {name} not found",
            "name the .rel file by its path, with or without the .rel suffix",
        )

    def read_release(self, ref: str) -> Release:
        path = self._rel_file(ref)
        try:
            rel = RelFile.from_term(read_first_term(path), path)
        except TermSyntaxError as exc:
            raise release_problem("parse", path, str(exc)) from None
        except SpecError as exc:
            tag = "illegal_applications" if exc.where else "badly_formatted_release"
            raise release_problem(tag, path, str(exc)) from None
        for core in ("kernel", "stdlib"):
            entry = rel.app(core)
            if entry is None:
                raise release_problem(
                    "missing_mandatory_app", Atom(core), f"{path}: the release has no {core}"
                )
            if entry.type != "permanent":
                raise release_problem(
                    "mandatory_app",
                    (Atom(core), Atom(entry.type)),
                    f"{path}: {core} must be permanent, not {entry.type}",
                )
        apps = self._applications(rel)
        return checked_release(rel.name, rel.vsn, rel.erts_vsn, apps, rel.path or "")

    def _applications(self, rel: RelFile) -> list[Application]:
        errors: list[PlanError] = []
        apps: list[Application] = []
        for entry in rel.apps:
            try:
                app_file, directory = self.find_application(entry.name, entry.vsn)
            except PlanError as exc:
                errors.append(exc)
                continue
            includes = app_file.included_applications
            if entry.includes is not None:
                unknown = [i for i in entry.includes if i not in includes]
                if unknown:
                    errors.append(
                        PlanError(
                            r.ReleaseProblem(
                                "error_reading",
                                (
                                    Atom(entry.name),
                                    (Atom("override_include"), [Atom(i) for i in unknown]),
                                ),
                                f"{rel.path}: {entry.name}'s include list names "
                                f"{', '.join(unknown)}, which its .app does not include",
                            )
                        )
                    )
                    continue
                includes = entry.includes
            apps.append(
                Application(
                    name=entry.name,
                    vsn=entry.vsn,
                    type=entry.type,
                    modules=app_file.modules,
                    directory=directory,
                    applications=app_file.applications,
                    included_applications=includes,
                    optional_applications=app_file.optional_applications,
                )
            )
        if errors:
            raise errors[-1]  # OTP lists them last application first
        return apps

    def find_application(self, name: str, vsn: str) -> tuple[AppFile, str]:
        """The first `name.app` on the path whose version is `vsn`, with its directory."""
        cached = self._apps.get((name, vsn))
        if cached is not None:
            return cached
        mismatches: list[tuple[str, str]] = []
        first_error: PlanError | None = None
        for d in self.dirs:
            if not self._has(d, name + ".app"):
                continue
            path = os.path.join(d, name + ".app")
            try:
                term = read_first_term(path)
            except OSError:
                continue
            except TermSyntaxError as exc:
                first_error = first_error or _error_reading(name, "parse_error", str(exc))
                continue
            missing = _missing_params(term)
            if missing:
                raise _error_reading(
                    name, "missing_param", f"{path}: the .app file has no {missing} entry",
                    "systools requires description, vsn, modules, registered and applications",
                )  # fmt: skip
            try:
                app = AppFile.from_term(term, path)
            except SpecError as exc:
                raise _error_reading(name, "bad_param", str(exc)) from None
            if app.vsn == vsn:
                self._apps[(name, vsn)] = (app, d)
                return app, d
            mismatches.append((path, app.vsn))
        if mismatches:
            wanted = f"{name}-{vsn}"
            path, found = next(
                (
                    (p, v)
                    for p, v in mismatches
                    if os.path.basename(os.path.dirname(os.path.dirname(p))) == wanted
                ),
                mismatches[0],
            )
            detail: Term = (
                Atom("no_valid_version"),
                (("should be", vsn), ("found file", path, found)),
            )
            raise PlanError(
                r.ReleaseProblem(
                    "error_reading",
                    (Atom(name), detail),
                    f"{path} says {name} is version {found}, but the release wants {vsn}",
                    f'set {{vsn, "{vsn}"}} in {path}, or point --path at {name} {vsn}',
                )
            )
        if first_error is not None:
            raise first_error
        raise _error_reading(
            name, "not_found", f"no {name}.app for {name} {vsn} on the search path",
            "add the application's ebin directory with --path",
        )  # fmt: skip

    # --- appups ------------------------------------------------------------------------

    def read_appup(self, app: Application) -> Appup:
        """The appup beside `app`'s .app file, read once however many bases ask for it."""
        path = os.path.join(app.directory, app.name + ".appup")
        cached = self._appups.get(path)
        if cached is not None:
            return cached
        try:
            term = read_first_term(path)
        except FileNotFoundError:
            raise PlanError(
                r.FileProblem(path, "open", "enoent"),
                context=f"{app.name} {app.vsn} changes version but has no appup",
            ) from None
        except OSError as exc:
            raise PlanError(r.FileProblem(path, "open", exc.strerror or str(exc))) from None
        except TermSyntaxError as exc:
            # OTP's scanner fails first on a bad token or a file with no term: "read".
            problem = "read" if exc.stage == "scan" or _scan_fails(path) else "parse"
            raise PlanError(
                r.FileProblem(path, problem, str(exc), line=exc.line, col=exc.col)
            ) from None
        try:
            appup = Appup.from_term(term, path)
        except SpecError as exc:
            raise PlanError(r.FileProblem(path, "shape", exc.message)) from None
        self._appups[path] = appup
        return appup


def _scan_fails(path: str) -> bool:
    """Whether OTP's scanner would fail first: no term at all, or a bad token before
    the first terminating dot (even after a syntax error)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if all(not line.strip() or line.lstrip().startswith("%") for line in text.splitlines()):
        return True
    try:
        scan_to_first_dot(text, path=path)
    except TermSyntaxError as exc:
        return exc.stage == "scan"
    return False


_REQUIRED_PARAMS = ("vsn", "description", "modules", "registered", "applications")


def _missing_params(term: Term) -> str | None:
    """The first key systools requires in a .app file that `term` lacks."""
    if not (isinstance(term, tuple) and len(term) == 3 and isinstance(term[2], list)):
        return None  # the shape error is reported by AppFile
    keys = {i[0].name for i in term[2] if isinstance(i, tuple) and i and isinstance(i[0], Atom)}
    return next((k for k in _REQUIRED_PARAMS if k not in keys), None)


def _error_reading(name: str, problem: str, message: str, hint: str | None = None) -> PlanError:
    return PlanError(
        r.ReleaseProblem("error_reading", (Atom(name), (Atom(problem), message)), message, hint)
    )
