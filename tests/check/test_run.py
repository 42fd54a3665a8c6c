"""run_check: every check in order, unreadable inputs, and the rehearsal extension point.

The rehearsal here is a stand-in; tests/check/test_rehearsal.py runs the real one.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from relup.check.findings import CHECK_NAMES, Finding, Step
from relup.check.inputs import OpenedRelease
from relup.check.rehearsal import NodeRehearsal, Rehearsed, default_rehearsal
from relup.check.run import run_check
from relup.plan import Plan
from relup.release.package import pack
from tests.check.pairs import BROKEN, DATA, OLD, new


class FakeRehearsal:
    """A rehearsal that reports what it was given to do; unavailable when given a reason."""

    def __init__(
        self,
        findings: Sequence[Finding] = (),
        steps: Sequence[Step] = (),
        unavailable: str | None = None,
    ) -> None:
        self.findings = findings
        self.steps = steps
        self.why = unavailable
        self.calls: list[tuple[str, str, str]] = []

    def unavailable(self) -> str | None:
        return self.why

    def run(self, old: OpenedRelease, new: OpenedRelease, plan: Plan) -> Rehearsed:
        self.calls.append((old.origin, new.origin, plan.top.vsn))
        return Rehearsed(tuple(self.findings), tuple(self.steps))


class TestChecks:
    def test_good_pair_passes(self) -> None:
        """Every check of (a) and (b) passes on the good pair."""
        expected = dict.fromkeys(CHECK_NAMES, "passed") | {"rehearsal": "skipped"}
        report = run_check(str(OLD), str(new()), rehearse=False)
        assert expected == {c.name: c.status for c in report.checks}
        assert report.passed

    @pytest.mark.parametrize("variant", sorted(BROKEN))
    def test_broken_variants_fail(self, variant: str) -> None:
        """Each broken variant fails with exactly its expected error codes."""
        report = run_check(str(OLD), str(new(variant)), rehearse=False)
        assert not report.passed
        assert BROKEN[variant] == {f.code for f in report.findings if f.severity == "error"}

    def test_relup_warning_does_not_fail(self) -> None:
        """The generator's bad_vsn warning is one relup-warning finding; relup still passes."""
        report = run_check(str(OLD), str(new("appup-version-mismatch")), rehearse=False)
        relup = report.check("relup")
        assert ("passed", ["relup-warning"]) == (relup.status, [f.code for f in relup.findings])

    def test_unreadable_old_skips_the_rest(self, tmp_path: Path) -> None:
        """A missing OLD fails check releases, naming it; every later check is skipped."""
        report = run_check(str(tmp_path / "nowhere"), str(new()))
        (finding,) = report.findings
        assert "unreadable-release" == finding.code
        assert finding.message.startswith(f"OLD ({tmp_path / 'nowhere'}) cannot be read")
        assert ["failed"] + ["skipped"] * (len(CHECK_NAMES) - 1) == [
            c.status for c in report.checks
        ]

    def test_release_the_generator_refuses_to_read(self, tmp_path: Path) -> None:
        """A NEW whose app.toml lists a module without its file is unreadable-release too."""
        shutil.copytree(DATA / "good", tmp_path / "new")
        (tmp_path / "new" / "lib" / "tally-2.0.0" / "tally_log.py").unlink()
        report = run_check(str(OLD), str(tmp_path / "new" / "releases" / "2.0.0"))
        (finding,) = report.findings
        assert "unreadable-release" == finding.code
        assert "tally_log.py" in finding.message

    def test_packages_name_their_members(self, tmp_path: Path) -> None:
        """Findings about a package's files name them package:member, not a temporary path."""
        old_pkg = pack(DATA / "old", "1.0.0", tmp_path / "a")
        new_pkg = pack(DATA / "missing-module", "2.0.0", tmp_path / "b")
        report = run_check(str(old_pkg), str(new_pkg), rehearse=False)
        messages = [f.message for f in report.findings]
        assert all(f"{new_pkg}:lib/tally-2.0.0/tally.appup" in m for m in messages)
        assert ("tally", "1.0.0", "2.0.0") == (report.new.name, report.old.vsn, report.new.vsn)


class TestRehearsal:
    def test_default_is_the_node_rehearsal(self) -> None:
        """relup check rehearses on a throwaway node, which can run here."""
        rehearsal = default_rehearsal()
        assert (True, None) == (isinstance(rehearsal, NodeRehearsal), rehearsal.unavailable())

    def test_unavailable_is_skipped_by_default(self) -> None:
        """Without --rehearse, a rehearsal that cannot run is skipped with its reason."""
        fake = FakeRehearsal(unavailable="no sockets here")
        report = run_check(str(OLD), str(new()), rehearsal=fake)
        assert ("no sockets here", True, []) == (
            report.check("rehearsal").skipped,
            report.passed,
            fake.calls,
        )

    def test_required_but_unavailable_fails(self) -> None:
        """--rehearse when the rehearsal cannot run is a failure: the exit status must not lie."""
        fake = FakeRehearsal(unavailable="no sockets here")
        report = run_check(str(OLD), str(new()), rehearse=True, rehearsal=fake)
        assert not report.passed
        (finding,) = report.check("rehearsal").findings
        assert ("rehearsal-unavailable", "--rehearse was given, but no sockets here") == (
            finding.code,
            finding.message,
        )

    def test_not_asked_for(self) -> None:
        """--no-rehearse skips it with that reason."""
        fake = FakeRehearsal()
        report = run_check(str(OLD), str(new()), rehearse=False, rehearsal=fake)
        assert ("not asked for (--no-rehearse)", []) == (
            report.check("rehearsal").skipped,
            fake.calls,
        )

    def test_available_rehearsal_runs_with_the_plan(self) -> None:
        """An available rehearsal runs by default, with both releases and check (b)'s plan."""
        fake = FakeRehearsal()
        report = run_check(str(OLD), str(new()), rehearsal=fake)
        assert [(str(OLD), str(new()), "2.0.0")] == fake.calls
        assert "passed" == report.check("rehearsal").status

    def test_rehearsal_findings_fail_the_run(self) -> None:
        """Findings of the rehearsal fail check rehearsal and the run."""
        finding = Finding("rehearsal-request-failed", "stand-in for a rehearsal finding")
        report = run_check(str(OLD), str(new()), rehearsal=FakeRehearsal([finding]))
        assert ("failed", False) == (report.check("rehearsal").status, report.passed)

    def test_rehearsal_warning_does_not_fail(self) -> None:
        """rehearsal-no-traffic is a warning: the rehearsal passes with it."""
        finding = Finding("rehearsal-no-traffic", "no exercise function")
        report = run_check(str(OLD), str(new()), rehearsal=FakeRehearsal([finding]))
        assert ("passed", True) == (report.check("rehearsal").status, report.passed)

    def test_rehearsal_steps_are_reported(self) -> None:
        """The steps the rehearsal timed are the check's, and its time is their sum."""
        steps = (Step("boot", 0.5, "OLD"), Step("install 2.0.0", 0.25))
        report = run_check(str(OLD), str(new()), rehearsal=FakeRehearsal(steps=steps))
        assert (steps, 0.75) == (report.check("rehearsal").steps, report.check("rehearsal").seconds)

    def test_rehearsal_findings_name_package_members(self, tmp_path: Path) -> None:
        """A rehearsal finding naming a file of an extracted package names it package:member."""
        new_pkg = pack(DATA / "good", "2.0.0", tmp_path)

        class Naming(FakeRehearsal):
            def run(self, old: OpenedRelease, new: OpenedRelease, plan: Plan) -> Rehearsed:
                message = f"see {Path(new.ref) / 'release.toml'}"
                return Rehearsed((Finding("rehearsal-request-failed", message),))

        report = run_check(str(OLD), str(new_pkg), rehearsal=Naming())
        (finding,) = report.check("rehearsal").findings
        assert f"see {new_pkg}:releases/2.0.0/release.toml" == finding.message

    def test_no_relup_no_rehearsal(self) -> None:
        """Without a relup (check b failed) the rehearsal is skipped, saying why."""
        fake = FakeRehearsal()
        report = run_check(str(OLD), str(new("no-down-entry")), rehearsal=fake)
        assert [] == fake.calls
        assert (
            "there is no relup to rehearse (see check relup)" == report.check("rehearsal").skipped
        )
