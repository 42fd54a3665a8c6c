"""The Python front end feeds the same generator: OTP's relups from Python release trees.

The strongest evidence is :class:`TestSameGeneratorAsOtp`: every OTP-produced case
(the shared vectors and ``tests/data/otp_cases``) that a Python release can express
is rewritten as a Python release tree (``release.toml``, ``app.toml``, a ``.py`` file
per module, the appup unchanged) and must give OTP's relup term for term, OTP's
warnings (less ``erts_vsn_changed``) and OTP's refusals, from the release checks
(duplicate modules, cycles...) to the instruction translator. A case is skipped
only for an OTP-only specific, named in the skip.
The refusals the Python front end adds, and the Python version's role as erts's,
are tested one by one below.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from relup.plan import Base, Plan, PlanError, PythonTree, make_relup
from relup.plan import instructions as ins
from relup.plan.otp_tree import OtpTree
from relup.plan.python_tree import (
    choose_source,
    is_otp_release_ref,
    python_release_file,
    relup_path,
)
from relup.plan.reasons import FileProblem, NoRelup, ReleaseProblem
from relup.spec.rel import RelApp, RelFile
from relup.spec.toml_release import AppManifest, ReleaseManifest
from relup.terms import Atom, Term, canonical, equal, parse_first_term, read_first_term
from tests.plan.test_otp_vectors import (
    CASE_DIRS,
    Case,
    ambiguous_cases,
    dependent_modules,
    load_case,
    otp_error_summary,
)

CORE = ("kernel", "stdlib", "sasl")
NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")
PYREL = Path(__file__).resolve().parents[1] / "data" / "pyrel"


# --- OTP case -> Python release tree ----------------------------------------------------


@dataclass
class Converted:
    """An OTP case rewritten as a Python release tree under `root`."""

    case: Case
    root: Path
    vsn_of: dict[str, str]  # OTP release ref ("r2") -> release version ("2")

    def ref(self, otp_ref: str) -> str:
        return str(self.root / "releases" / self.vsn_of[otp_ref])

    def generate(self, tie_rank: dict[str, int] | None = None) -> Plan:
        return make_relup(
            PythonTree(),
            self.ref(self.case.new),
            [Base(self.ref(b)) for b in self.case.up_from],
            [Base(self.ref(b)) for b in self.case.down_to],
            restart_emulator="restart_emulator" in self.case.options,
            warnings_as_errors="warnings_as_errors" in self.case.options,
            tie_rank=tie_rank,
        )


class Unusable(Exception):
    """The case depends on something only an OTP release has."""


def _path_safe(vsn: str) -> bool:
    return bool(vsn) and vsn not in (".", "..") and not any(c in vsn for c in "/\\\0")


def convert(directory: Path, root: Path) -> Converted:
    """Write `directory`'s OTP case as a Python release tree under `root`.

    Every release of the case goes to ``releases/<vsn>/release.toml`` (kernel,
    stdlib and sasl left out, each distinct erts version mapped to a distinct Python
    version); every application version its .rel names, found on the case's path
    as systools finds it, goes to ``lib/<app>-<vsn>/`` with its appup copied as is.
    """
    case = load_case(directory)
    otp = OtpTree([str(directory / p) for p in case.path])
    rels = {
        p.stem: RelFile.from_term(read_first_term(p), str(p))
        for p in sorted((directory / "releases").glob("*.rel"))
    }
    refs = [case.new, *case.up_from, *case.down_to]
    if any(ref not in rels for ref in refs):
        raise Unusable("a release file of the case is missing")
    used = {ref: rels[ref] for ref in dict.fromkeys(refs)}
    if len({rel.vsn for rel in used.values()}) != len(used):
        raise Unusable("two releases share a version")
    core_versions = {
        (entry.name, entry.vsn, entry.type)
        for rel in used.values()
        for entry in rel.apps
        if entry.name in CORE
    }
    if {n for n, _, _ in core_versions} != set(CORE) or len(core_versions) != len(CORE):
        raise Unusable("kernel, stdlib or sasl is missing or changes between releases")
    python_of: dict[str, str] = {}
    for rel in used.values():
        python_of.setdefault(rel.erts_vsn, f"3.{len(python_of) + 11}")
    written: set[tuple[str, str]] = set()
    for rel in used.values():
        if not _path_safe(rel.vsn):
            raise Unusable(f"release version {rel.vsn!r} cannot name a directory")
        apps = tuple(entry for entry in rel.apps if entry.name not in CORE)
        for entry in apps:
            if not (NAME.match(entry.name) and _path_safe(entry.vsn)):
                raise Unusable(f"application {entry.name} {entry.vsn} cannot be a directory")
            if entry.includes and set(entry.includes) & set(CORE):
                raise Unusable("an application includes an OTP application")
            if (entry.name, entry.vsn) not in written:
                try:
                    app, ebin = otp.find_application(entry.name, entry.vsn)
                except PlanError:
                    raise Unusable("an application of the release cannot be read") from None
                if set(app.included_applications) & set(CORE):
                    raise Unusable("an application includes an OTP application")
                if not all(NAME.match(m) for m in app.modules):
                    raise Unusable("a module name is no Python identifier")
                lib = root / "lib" / f"{entry.name}-{entry.vsn}"
                lib.mkdir(parents=True)
                manifest = AppManifest(
                    name=app.name,
                    vsn=app.vsn,
                    modules=app.modules,
                    description=app.description,
                    applications=tuple(a for a in app.applications if a not in CORE),
                    included_applications=app.included_applications,
                    optional_applications=tuple(
                        a for a in app.optional_applications if a not in CORE
                    ),
                )
                (lib / "app.toml").write_text(manifest.dumps(), encoding="utf-8")
                for m in app.modules:
                    (lib / f"{m}.py").write_text(f'"""{m} {app.vsn}."""\n', encoding="utf-8")
                appup = Path(ebin) / f"{entry.name}.appup"
                if appup.exists():
                    shutil.copyfile(appup, lib / appup.name)
                written.add((entry.name, entry.vsn))
        release_dir = root / "releases" / rel.vsn
        release_dir.mkdir(parents=True)
        manifest_text = ReleaseManifest(
            name=rel.name, vsn=rel.vsn, python=python_of[rel.erts_vsn], apps=apps
        ).dumps()
        (release_dir / "release.toml").write_text(manifest_text, encoding="utf-8")
    return Converted(case, root, {ref: rel.vsn for ref, rel in used.items()})


def matches_under_some_tie_order(converted: Converted, expected: Term) -> bool:
    """Whether some tie order makes the Python front end produce exactly `expected`."""
    import itertools

    modules = dependent_modules(expected)
    assert len(modules) <= 7, "too many modules to try every tie order"
    return any(
        equal(expected, converted.generate({m: k for k, m in enumerate(p)}).relup.to_term())
        for p in itertools.permutations(modules)
    )


def map_strings(term: Term, change: Callable[[str], str]) -> Term:
    """`term` with `change` applied to every string inside it."""
    if isinstance(term, str):
        return change(term)
    if isinstance(term, tuple):
        return tuple(map_strings(t, change) for t in term)
    if isinstance(term, list):
        return [map_strings(t, change) for t in term]
    return term


#: Refusals for what a Python release has not got: kernel, stdlib and sasl.
OTP_ONLY_REFUSALS = {
    "missing_sasl": "a Python release has no sasl",
    "missing_mandatory_app": "a Python release has no kernel or stdlib",
    "mandatory_app": "a Python release has no kernel or stdlib",
}


class TestSameGeneratorAsOtp:
    @pytest.mark.parametrize("directory", CASE_DIRS, ids=lambda p: f"{p.parent.name}/{p.name}")
    def test_case(self, directory: Path, tmp_path: Path) -> None:
        """The case as a Python tree gives OTP's relup, warnings or refusal."""
        expected_error = directory / "expected.error"
        error = read_first_term(expected_error) if expected_error.exists() else None
        if error is not None:
            assert isinstance(error, tuple) and isinstance(error[1], Atom)
            tag = otp_error_summary(error[1].name, error[2])[1]
            if tag in OTP_ONLY_REFUSALS:
                pytest.skip(f"OTP-only: {tag} ({OTP_ONLY_REFUSALS[tag]})")
        try:
            converted = convert(directory, tmp_path)
        except Unusable as why:
            pytest.skip(f"OTP-only: {why}")
        if error is not None:
            assert isinstance(error[1], Atom)
            with pytest.raises(PlanError) as caught:
                converted.generate()
            got = caught.value.reason
            # An appup sits in lib/<app>-<vsn>/, not in its ebin/; paths are relative.
            otp_reason = map_strings(error[2], lambda s: s.replace("/ebin/", "/"))
            our_reason = map_strings(got.to_term(), lambda s: s.replace(f"{tmp_path}/", ""))
            assert otp_error_summary(error[1].name, otp_reason) == otp_error_summary(
                got.otp_module, our_reason
            )
            return
        plan = converted.generate()
        expected = read_first_term(directory / "expected.relup")
        actual = plan.relup.to_term()
        if directory.name in ambiguous_cases():
            assert equal(expected, actual) or matches_under_some_tie_order(converted, expected)
        else:
            assert equal(expected, actual), f"\nexpected {expected}\nactual   {actual}"
        warnings_file = directory / "expected.warnings"
        otp_warnings = read_first_term(warnings_file) if warnings_file.exists() else []
        assert isinstance(otp_warnings, list)
        erts_warning = Atom("erts_vsn_changed")
        assert Counter(
            canonical(w)
            for w in otp_warnings
            if not (isinstance(w, tuple) and w[0] == erts_warning)
        ) == Counter(canonical(w.to_term()) for w in plan.warnings)

    def test_most_cases_are_usable(self, tmp_path: Path) -> None:
        """Nearly every OTP case converts: the equivalence does not rest on a handful."""
        usable = 0
        for n, directory in enumerate(CASE_DIRS):
            error = directory / "expected.error"
            if error.exists() and "systools_make" in error.read_text():
                continue
            try:
                convert(directory, tmp_path / str(n))
            except Unusable:
                continue
            usable += 1
        assert usable >= 160


# --- the Python release fixture --------------------------------------------------------------


@pytest.fixture
def pyrel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of tests/data/pyrel (shop 1.0.0, 2.0.0, 3.0.0) as the current directory."""
    root = tmp_path / "pyrel"
    shutil.copytree(PYREL, root)
    monkeypatch.chdir(root)
    return root


def plan(new: str, up: list[str], down: list[str], **options: bool) -> Plan:
    return make_relup(PythonTree(), new, [Base(b) for b in up], [Base(b) for b in down], **options)


def refusal(new: str, up: list[str] | None = None) -> ReleaseProblem:
    """The ReleaseProblem that generating `new` (up from `up`) is refused with."""
    with pytest.raises(PlanError) as caught:
        plan(new, up or [], [])
    reason = caught.value.reason
    assert isinstance(reason, ReleaseProblem)
    return reason


def app_detail(reason: ReleaseProblem) -> tuple[Term, Term]:
    """The application and the detail tag of an error_reading subject."""
    assert "error_reading" == reason.problem
    app, detail = reason.subject  # type: ignore[misc]
    return app, detail[0]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


class TestPythonTree:
    def test_upgrade_and_downgrade(self, pyrel: Path) -> None:
        """shop 1.0.0 <-> 2.0.0: stats added, counter_fmt added, counter_srv migrated."""
        result = plan("releases/2.0.0", ["releases/1.0.0"], ["releases/1.0.0"])
        (up,) = result.up
        (down,) = result.down
        assert [
            ins.LoadObjectCode("stats", "1.0.0", ("stats_app", "stats_srv")),
            ins.LoadObjectCode("counter", "2.0.0", ("counter_srv", "counter_fmt")),
            ins.POINT_OF_NO_RETURN,
            ins.Load("stats_app"),
            ins.Load("stats_srv"),
            ins.Apply("application", "start", [Atom("stats"), Atom("temporary")]),
            ins.Suspend(("counter_srv",)),
            ins.Load("counter_fmt"),
            ins.Load("counter_srv"),
            ins.CodeChange("up", (("counter_srv", []),)),
            ins.Resume(("counter_srv",)),
        ] == list(up.instructions)
        assert ins.LoadObjectCode("counter", "1.0.0", ("counter_srv",)) == down.instructions[0]
        assert ins.Apply("application", "unload", [Atom("stats")]) == down.instructions[-1]
        assert () == result.warnings

    def test_release_read(self, pyrel: Path) -> None:
        """A release: its Python version as runtime version, apps in boot order with types."""
        release = PythonTree().read_release("releases/2.0.0/release.toml")
        assert ("shop", "2.0.0", "3.11") == (release.name, release.vsn, release.runtime_vsn)
        assert [("counter", "2.0.0", "permanent"), ("stats", "1.0.0", "temporary")] == [
            (a.name, a.vsn, a.type) for a in release.apps
        ]
        stats = release.app("stats")
        assert stats is not None
        assert os.path.join("lib", "stats-1.0.0") == stats.directory

    def test_refs_by_directory_or_file_agree(self, pyrel: Path) -> None:
        """releases/<vsn>, releases/<vsn>/ and releases/<vsn>/release.toml name one release."""
        relups = [
            plan(new, [base], []).relup.to_term()
            for new, base in (
                ("releases/2.0.0", "releases/1.0.0"),
                ("releases/2.0.0/", "releases/1.0.0/"),
                ("releases/2.0.0/release.toml", str(pyrel / "releases/1.0.0/release.toml")),
            )
        ]
        assert equal(relups[0], relups[1])
        assert equal(relups[0], relups[2])

    def test_ref_from_inside_the_release_directory(
        self, pyrel: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """ "." inside releases/2.0.0 finds the tree root two levels up."""
        expected = plan("releases/2.0.0", ["releases/1.0.0"], []).relup.to_term()
        monkeypatch.chdir(pyrel / "releases" / "2.0.0")
        assert equal(expected, plan(".", ["../1.0.0"], []).relup.to_term())

    def test_dependency_order_is_boot_order(self, pyrel: Path) -> None:
        """Applications come in boot order: a dependency before what depends on it."""
        manifest = pyrel / "releases/2.0.0/release.toml"
        edit(manifest, 'counter = "2.0.0"\nstats', "stats")
        edit(manifest, 'type = "temporary" }\n', 'type = "temporary" }\ncounter = "2.0.0"\n')
        release = PythonTree().read_release("releases/2.0.0")
        assert ("stats", "counter") == release.rel_order
        assert ["counter", "stats"] == [a.name for a in release.apps]

    def test_arbitrary_versions_are_never_ordered(self, tmp_path: Path) -> None:
        """Up from "R16B" to "1.0" (which sorts lower) works: versions are only matched."""
        for vsn, mods in (("R16B", ["a"]), ("1.0", ["a", "b"])):
            lib = tmp_path / "lib" / f"app-{vsn}"
            lib.mkdir(parents=True)
            (lib / "app.toml").write_text(
                AppManifest(name="app", vsn=vsn, modules=tuple(mods)).dumps(), encoding="utf-8"
            )
            for m in mods:
                (lib / f"{m}.py").touch()
            rel = tmp_path / "releases" / vsn
            rel.mkdir(parents=True)
            (rel / "release.toml").write_text(
                ReleaseManifest("s", vsn, "3.11", (RelApp("app", vsn),)).dumps(), encoding="utf-8"
            )
        (tmp_path / "lib/app-1.0/app.appup").write_text(
            '{"1.0", [{"R16B", [{add_module, b}]}], [{"R16B", [{delete_module, b}]}]}.\n'
        )
        releases = tmp_path / "releases"
        result = plan(str(releases / "1.0"), [str(releases / "R16B")], [str(releases / "R16B")])
        assert [
            ins.LoadObjectCode("app", "1.0", ("b",)),
            ins.POINT_OF_NO_RETURN,
            ins.Load("b"),
        ] == list(result.up[0].instructions)

    def test_no_kernel_stdlib_or_sasl_needed(self, pyrel: Path) -> None:
        """A Python release names no OTP application, and no missing_sasl is raised."""
        release = PythonTree().read_release("releases/1.0.0")
        assert ["counter"] == [a.name for a in release.apps]
        assert not PythonTree.otp_rules


class TestPythonVersion:
    def test_change_restarts_the_node(self, pyrel: Path) -> None:
        """3.11 -> 3.12: restart_new_emulator first up, restart_emulator last down."""
        result = plan("releases/3.0.0", ["releases/2.0.0"], ["releases/2.0.0"])
        assert [ins.RESTART_NEW_EMULATOR, ins.POINT_OF_NO_RETURN] == list(result.up[0].instructions)
        assert [ins.POINT_OF_NO_RETURN, ins.RESTART_EMULATOR] == list(result.down[0].instructions)

    def test_change_with_code_changes(self, pyrel: Path) -> None:
        """With applications changing too, the restart still comes first up and last down."""
        result = plan("releases/3.0.0", ["releases/1.0.0"], ["releases/1.0.0"])
        up, down = result.up[0].instructions, result.down[0].instructions
        assert ins.RESTART_NEW_EMULATOR == up[0]
        assert 1 == up.count(ins.RESTART_NEW_EMULATOR)
        assert isinstance(up[1], ins.LoadObjectCode)
        assert ins.RESTART_EMULATOR == down[-1]
        assert ins.RESTART_NEW_EMULATOR not in down

    def test_same_version_no_restart(self, pyrel: Path) -> None:
        """The same Python version on both sides: no restart instruction at all."""
        result = plan("releases/2.0.0", ["releases/1.0.0"], ["releases/1.0.0"])
        for entry in (*result.up, *result.down):
            assert ins.RESTART_NEW_EMULATOR not in entry.instructions
            assert ins.RESTART_EMULATOR not in entry.instructions

    def test_no_erts_warning(self, pyrel: Path) -> None:
        """No OTP erts_vsn_changed warning: --warnings-as-errors accepts the change."""
        result = plan(
            "releases/3.0.0", ["releases/2.0.0"], ["releases/2.0.0"], warnings_as_errors=True
        )
        assert () == result.warnings

    def test_otp_still_warns(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The OTP front end (otp_rules on) keeps its erts_vsn_changed warning."""
        from tests.plan.test_otp_vectors import OWN_CASES, generate

        case = load_case(OWN_CASES / "168-erts-change-only")
        monkeypatch.chdir(case.directory)
        assert {"erts_vsn_changed"} == {w.tag for w in generate(case).warnings}


class TestRefusals:
    def test_release_file_missing(self, pyrel: Path) -> None:
        """A release with no release.toml is not_found, naming the file looked for."""
        reason = refusal("releases/9.9.9")
        assert ("not_found", os.path.join("releases/9.9.9", "release.toml")) == (
            reason.problem,
            reason.subject,
        )

    def test_release_toml_syntax_error(self, pyrel: Path) -> None:
        """Bad TOML in release.toml: parse, with file, line and column in the message."""
        (pyrel / "releases/2.0.0/release.toml").write_text('[release]\nname = "shop\n')
        reason = refusal("releases/2.0.0")
        assert "parse" == reason.problem
        assert "releases/2.0.0/release.toml: line 2, column" in reason.describe()

    def test_release_toml_bad_shape(self, pyrel: Path) -> None:
        """A release.toml of the wrong shape: badly_formatted_release naming the key."""
        edit(pyrel / "releases/2.0.0/release.toml", 'python = "3.11"', 'python = "3"')
        reason = refusal("releases/2.0.0")
        assert ("badly_formatted_release", "releases/2.0.0/release.toml") == (
            reason.problem,
            reason.subject,
        )
        assert "release.python" in reason.describe()

    def test_release_in_wrong_directory(self, pyrel: Path) -> None:
        """release.toml of version 2.0.0 in releases/2.0.1: bad_release_dir."""
        (pyrel / "releases/2.0.0").rename(pyrel / "releases/2.0.1")
        reason = refusal("releases/2.0.1")
        assert "bad_release_dir" == reason.problem
        assert "2.0.1" in reason.describe()

    def test_release_outside_releases(self, pyrel: Path) -> None:
        """A release.toml not under releases/ has no tree root: bad_release_dir."""
        (pyrel / "releases").rename(pyrel / "rels")
        reason = refusal("rels/2.0.0")
        assert "bad_release_dir" == reason.problem

    def test_app_dir_missing(self, pyrel: Path) -> None:
        """An application version with no lib/<app>-<vsn>: error_reading/not_found."""
        shutil.rmtree(pyrel / "lib/stats-1.0.0")
        reason = refusal("releases/2.0.0")
        assert ("error_reading", (Atom("stats"), (Atom("not_found"), "lib/stats-1.0.0"))) == (
            reason.problem,
            reason.subject,
        )

    def test_app_toml_missing(self, pyrel: Path) -> None:
        """A directory without app.toml: error_reading/not_found naming app.toml."""
        (pyrel / "lib/stats-1.0.0/app.toml").unlink()
        reason = refusal("releases/2.0.0")
        assert (Atom("stats"), (Atom("not_found"), "lib/stats-1.0.0/app.toml")) == reason.subject

    def test_app_toml_syntax_error(self, pyrel: Path) -> None:
        """Bad TOML in app.toml: error_reading/parse_error, with line and column."""
        (pyrel / "lib/stats-1.0.0/app.toml").write_text("[application\n")
        reason = refusal("releases/2.0.0")
        assert (Atom("stats"), Atom("parse_error")) == app_detail(reason)
        assert reason.describe().startswith("lib/stats-1.0.0/app.toml: line 1, column")

    def test_app_toml_bad_shape(self, pyrel: Path) -> None:
        """An app.toml of the wrong shape: error_reading/bad_param naming the key."""
        edit(pyrel / "lib/stats-1.0.0/app.toml", 'applications = ["counter"]', "applications = 1")
        reason = refusal("releases/2.0.0")
        assert (Atom("stats"), Atom("bad_param")) == app_detail(reason)
        assert "application.applications" in reason.describe()

    def test_app_toml_other_name(self, pyrel: Path) -> None:
        """app.toml naming another application than its directory: error_reading/bad_name."""
        edit(pyrel / "lib/stats-1.0.0/app.toml", 'name = "stats"', 'name = "statz"')
        reason = refusal("releases/2.0.0")
        assert (Atom("stats"), Atom("bad_name")) == app_detail(reason)
        assert "statz" in reason.describe()

    def test_app_toml_other_version(self, pyrel: Path) -> None:
        """app.toml of another version than the release and the directory: no_valid_version."""
        edit(pyrel / "lib/stats-1.0.0/app.toml", 'version = "1.0.0"', 'version = "1.0.1"')
        reason = refusal("releases/2.0.0")
        assert (Atom("stats"), Atom("no_valid_version")) == app_detail(reason)
        assert "lib/stats-1.0.0/app.toml" in reason.describe()

    def test_module_without_file(self, pyrel: Path) -> None:
        """A listed module without its .py: error_reading/missing_modules naming it."""
        (pyrel / "lib/counter-2.0.0/counter_fmt.py").unlink()
        reason = refusal("releases/2.0.0")
        assert (
            "error_reading",
            (Atom("counter"), (Atom("missing_modules"), [Atom("counter_fmt")])),
        ) == (reason.problem, reason.subject)
        assert "counter_fmt.py" in reason.describe()

    def test_module_in_two_applications(self, pyrel: Path) -> None:
        """One module in two applications of a release: duplicate_modules."""
        edit(
            pyrel / "lib/stats-1.0.0/app.toml",
            '"stats_srv"]\nregistered',
            '"stats_srv", "counter_fmt"]\nregistered',
        )
        (pyrel / "lib/stats-1.0.0/counter_fmt.py").touch()
        reason = refusal("releases/2.0.0")
        assert "duplicate_modules" == reason.problem
        assert "counter_fmt" in reason.describe()

    def test_dependency_not_in_release(self, pyrel: Path) -> None:
        """A dependency the release lacks: undefined_applications naming it."""
        edit(pyrel / "lib/stats-1.0.0/app.toml", '["counter"]', '["counter", "web"]')
        reason = refusal("releases/2.0.0")
        assert ("undefined_applications", [Atom("web")]) == (reason.problem, reason.subject)

    def test_optional_dependency_not_in_release(self, pyrel: Path) -> None:
        """An optional dependency the release lacks is fine."""
        edit(
            pyrel / "lib/stats-1.0.0/app.toml",
            '["counter"]',
            '["counter", "web"]\noptional_applications = ["web"]',
        )
        assert 2 == len(PythonTree().read_release("releases/2.0.0").apps)

    def test_cycle(self, pyrel: Path) -> None:
        """Two applications depending on each other: circular_dependencies."""
        edit(
            pyrel / "lib/counter-2.0.0/app.toml",
            'start = "counter_app"',
            'start = "counter_app"\napplications = ["stats"]',
        )
        reason = refusal("releases/2.0.0")
        assert "circular_dependencies" == reason.problem

    def test_included_list_names_unknown(self, pyrel: Path) -> None:
        """A release's included list naming what app.toml does not include: override_include."""
        edit(
            pyrel / "releases/2.0.0/release.toml",
            'counter = "2.0.0"',
            'counter = { version = "2.0.0", included = ["stats"] }',
        )
        reason = refusal("releases/2.0.0")
        assert (
            "error_reading",
            (Atom("counter"), (Atom("override_include"), [Atom("stats")])),
        ) == (
            reason.problem,
            reason.subject,
        )

    def test_included_twice(self, pyrel: Path) -> None:
        """An application included by two others: duplicate_include."""
        for app, vsn in (("counter", "2.0.0"), ("stats", "1.0.0")):
            edit(
                pyrel / f"lib/{app}-{vsn}/app.toml",
                "modules =",
                'included_applications = ["extra"]\nmodules =',
            )
        lib = pyrel / "lib/extra-1"
        lib.mkdir()
        (lib / "app.toml").write_text(AppManifest(name="extra", vsn="1", modules=()).dumps())
        edit(
            pyrel / "releases/2.0.0/release.toml",
            "[config.counter]",
            'extra = "1"\n\n[config.counter]',
        )
        reason = refusal("releases/2.0.0")
        assert "duplicate_include" == reason.problem

    def test_appup_missing(self, pyrel: Path) -> None:
        """A changed application without an appup: the OTP front end's file_problem."""
        (pyrel / "lib/counter-2.0.0/counter.appup").unlink()
        with pytest.raises(PlanError) as caught:
            plan("releases/2.0.0", ["releases/1.0.0"], [])
        assert (
            FileProblem("lib/counter-2.0.0/counter.appup", "open", "enoent") == caught.value.reason
        )

    def test_appup_without_entry(self, pyrel: Path) -> None:
        """An appup with no entry for the base version: no_relup, as for OTP."""
        edit(pyrel / "lib/counter-2.0.0/counter.appup", '[{"1.0.0", [{update', '[{"0.9", [{update')
        with pytest.raises(PlanError) as caught:
            plan("releases/2.0.0", [], ["releases/1.0.0"])
        assert (
            NoRelup("lib/counter-2.0.0/counter.appup", "counter", "2.0.0", "1.0.0", "down")
            == caught.value.reason
        )

    def test_refusal_reads_base_releases_too(self, pyrel: Path) -> None:
        """A base release is checked like the top one."""
        (pyrel / "lib/counter-1.0.0/counter_srv.py").unlink()
        reason = refusal("releases/2.0.0", ["releases/1.0.0"])
        assert (Atom("counter"), (Atom("missing_modules"), [Atom("counter_srv")])) == reason.subject


class TestChooseSource:
    def test_python_by_directory_or_file(self, pyrel: Path) -> None:
        """A releases/<vsn> directory or its release.toml picks the Python front end."""
        for ref in ("releases/2.0.0", "releases/2.0.0/release.toml"):
            source, new, bases = choose_source(ref, ["releases/1.0.0"], None, "lib/*/ebin")
            assert isinstance(source, PythonTree)
            assert (ref, ["releases/1.0.0"]) == (new, bases)
        assert python_release_file("releases/2.0.0") is not None
        assert python_release_file("releases") is None

    def test_otp_otherwise(self, tmp_path: Path) -> None:
        """Anything else is an OTP .rel, with the .rel suffix taken off as OtpTree wants."""
        source, new, bases = choose_source("r2.rel", ["r1.rel", "r0"], None, "lib/*/ebin")
        assert isinstance(source, OtpTree)
        assert ("r2", ["r1", "r0"]) == (new, bases)

    def test_is_otp_release_ref(self, tmp_path: Path) -> None:
        """A ref names an OTP release if it ends in .rel or has a .rel file beside it."""
        (tmp_path / "old.rel").write_text("")
        assert is_otp_release_ref("r1.rel")
        assert is_otp_release_ref(str(tmp_path / "old"))
        assert not is_otp_release_ref(str(tmp_path / "other"))
        assert not is_otp_release_ref("releases/1.0.0")

    def test_python_new_with_otp_base(self, pyrel: Path) -> None:
        """A Python NEW with an OTP base is refused: mixed_release_formats naming the base."""
        (pyrel / "old.rel").write_text("")
        with pytest.raises(PlanError) as caught:
            choose_source("releases/2.0.0", ["old"], None, "lib/*/ebin")
        assert isinstance(caught.value.reason, ReleaseProblem)
        assert ("mixed_release_formats", "old") == (
            caught.value.reason.problem,
            caught.value.reason.subject,
        )

    def test_otp_new_with_python_base(self, pyrel: Path) -> None:
        """An OTP NEW with a Python base is refused the same way."""
        with pytest.raises(PlanError) as caught:
            choose_source("r2", ["releases/1.0.0"], None, "lib/*/ebin")
        assert isinstance(caught.value.reason, ReleaseProblem)
        assert "mixed_release_formats" == caught.value.reason.problem

    def test_path_with_python_release(self, pyrel: Path) -> None:
        """--path means nothing to a Python release and is refused."""
        with pytest.raises(PlanError) as caught:
            choose_source("releases/2.0.0", [], ["lib/*/ebin"], "lib/*/ebin")
        assert isinstance(caught.value.reason, ReleaseProblem)
        assert "path_with_python_release" == caught.value.reason.problem

    def test_relup_path_beside_release_toml(self, pyrel: Path) -> None:
        """A Python release's relup belongs in releases/<vsn>/relup."""
        release = PythonTree().read_release("releases/2.0.0")
        assert os.path.join("releases", "2.0.0", "relup") == relup_path(release)


DOC = Path(__file__).resolve().parents[2] / "docs" / "release-format.md"
#: A fenced block in the format doc, with the HTML comment that says what it shows.
DOC_BLOCK = re.compile(r"<!-- (.+?) -->\n```\w+\n(.*?)```", re.DOTALL)


class TestFormatDoc:
    """docs/release-format.md shows the fixture's files, and the relups generated from it."""

    def blocks(self) -> list[tuple[str, str]]:
        found = DOC_BLOCK.findall(DOC.read_text(encoding="utf-8"))
        assert len(found) >= 6
        return found

    def test_files_shown_are_the_fixture(self) -> None:
        """Every file the doc shows is the fixture's file, byte for byte."""
        repo = Path(__file__).resolve().parents[2]
        for marker, body in self.blocks():
            if not marker.startswith("relup "):
                assert (repo / marker).read_text(encoding="utf-8") == body, marker

    def test_relups_shown_are_generated(self, pyrel: Path) -> None:
        """Every relup the doc shows is what the generator makes of the fixture."""
        shown = [(m.split(), body) for m, body in self.blocks() if m.startswith("relup ")]
        assert 2 == len(shown)
        for args, body in shown:
            new = args[2]
            up = [args[i + 1] for i, a in enumerate(args) if a == "--up-from"]
            down = [args[i + 1] for i, a in enumerate(args) if a == "--down-to"]
            assert equal(parse_first_term(body), plan(new, up, down).relup.to_term())
