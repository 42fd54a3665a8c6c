"""`relup check` from the command line: exit statuses, text, --json, --junit, the rehearsal."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

import relup.check.run as run_module
from relup.cli import app
from tests.check.pairs import BROKEN, DATA, KVSTORE, OLD, REHEARSAL_ONLY, new
from tests.check.test_run import FakeRehearsal


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def cannot_rehearse(monkeypatch: pytest.MonkeyPatch) -> str:
    """The default rehearsal says it cannot run here; returns its reason."""
    reason = "no throwaway node here"
    monkeypatch.setattr(run_module, "default_rehearsal", lambda: FakeRehearsal(unavailable=reason))
    return reason


class TestExitStatus:
    def test_good_pair_exits_0(self) -> None:
        """All checks of (a) and (b) pass on the good pair: exit 0."""
        assert 0 == run("check", OLD, new(), "--no-rehearse")[0]

    @pytest.mark.parametrize("variant", sorted(BROKEN))
    def test_broken_variant_exits_1(self, variant: str) -> None:
        """Each broken variant makes relup check exit 1 and name its finding code."""
        code, out, _ = run("check", OLD, new(variant), "--no-rehearse")
        assert 1 == code
        assert all(c in out for c in BROKEN[variant])

    @pytest.mark.slow
    def test_good_pair_rehearsed_by_default(self) -> None:
        """Without options the rehearsal runs, its steps timed; everything passes: exit 0."""
        code, out, _ = run("check", OLD, new())
        assert 0 == code
        assert "PASS  rehearsal" in out
        assert re.search(r"\n +\d+\.\d{3} s  install 2\.0\.0 \(up again, under traffic\): ", out)
        assert "PASSED" == out.rstrip().splitlines()[-1]

    @pytest.mark.slow
    @pytest.mark.parametrize("variant", sorted(REHEARSAL_ONLY))
    def test_rehearsal_only_variant_exits_1_saying_what_to_fix(self, variant: str) -> None:
        """(a) and (b) pass; the rehearsal fails with its code and a message naming the fix."""
        code, out, _ = run("check", OLD, new(variant))
        assert 1 == code
        assert f"{REHEARSAL_ONLY[variant]} [tally tally_srv" in out
        assert "tally_srv.code_change" in out
        assert "FAILED: rehearsal" == out.rstrip().splitlines()[-1]

    def test_rehearsal_that_cannot_run_is_shown_skipped(self, cannot_rehearse: str) -> None:
        """By default a rehearsal that cannot run is skipped, and the verdict says so: exit 0."""
        code, out, _ = run("check", OLD, new())
        assert 0 == code
        assert f"SKIP  rehearsal              skipped: {cannot_rehearse}" in out
        assert "PASSED (not run: rehearsal)" == out.rstrip().splitlines()[-1]

    def test_usage_errors_exit_2(self) -> None:
        """A missing argument or an unknown option is a usage error: exit 2."""
        assert 2 == run("check", OLD)[0]
        assert 2 == run("check", OLD, new(), "--frobnicate")[0]

    def test_unreadable_release_exits_1(self, tmp_path: Path) -> None:
        """A NEW that names no release exits 1 with the releases check failed."""
        code, out, _ = run("check", OLD, tmp_path)
        assert 1 == code
        assert "FAIL  releases" in out
        assert "unreadable-release" in out

    def test_rehearse_required_exits_1(self, cannot_rehearse: str) -> None:
        """--rehearse when it cannot rehearse: exit 1, rehearsal-unavailable."""
        code, out, _ = run("check", OLD, new(), "--rehearse")
        assert 1 == code
        assert f"rehearsal-unavailable: --rehearse was given, but {cannot_rehearse}" in out

    def test_no_rehearse_exits_0(self) -> None:
        """--no-rehearse: the rehearsal is skipped because it was not asked for."""
        code, out, _ = run("check", OLD, new(), "--no-rehearse")
        assert 0 == code
        assert "skipped: not asked for (--no-rehearse)" in out


class TestOutput:
    def test_text_lists_changes_checks_and_findings(self) -> None:
        """The text names the upgrade, the changed modules, each check, and each finding."""
        _, out, _ = run("check", OLD, new("missing-module"), "--no-rehearse")
        assert out.startswith("relup check: tally 1.0.0 -> tally 2.0.0\n")
        assert "tally_srv (gen_server, code_change, state changed)" in out
        assert "FAIL  changed-modules        2 findings" in out
        assert "missing-module [tally tally_fmt up]: " in out
        assert "SKIP  rehearsal              skipped: not asked for (--no-rehearse)" in out
        assert out.rstrip().endswith("FAILED: changed-modules (not run: rehearsal)")

    def test_json(self) -> None:
        """--json prints the report as JSON, and only that."""
        code, out, _ = run("check", OLD, new("no-code-change"), "--json", "--no-rehearse")
        data = json.loads(out)
        assert (1, False) == (code, data["passed"])
        state = next(c for c in data["checks"] if c["name"] == "state-changes")
        assert ["no-code-change"] == [f["code"] for f in state["findings"]]

    def test_junit_written_even_when_failing(self, tmp_path: Path) -> None:
        """--junit FILE writes the JUnit report, failing checks included."""
        report = tmp_path / "relup-check.xml"
        code, _, _ = run("check", OLD, new("no-down-entry"), "--junit", report)
        suite = ET.parse(report).getroot().find("testsuite")
        assert suite is not None
        failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
        assert (1, ["appups", "relup"]) == (code, failed)

    def test_junit_unwritable(self, tmp_path: Path) -> None:
        """A --junit path in a missing directory is an error with a hint, exit 1."""
        code, _, err = run(
            "check", OLD, new(), "--junit", tmp_path / "no" / "r.xml", "--no-rehearse"
        )
        assert 1 == code
        assert "cannot write the JUnit report" in err
        assert "hint:" in err

    def test_packages(self, tmp_path: Path) -> None:
        """OLD and NEW may be packages; the result is the tree's."""
        from relup.release.package import pack

        old_pkg = pack(DATA / "old", "1.0.0", tmp_path)
        new_pkg = pack(DATA / "good", "2.0.0", tmp_path)
        assert 0 == run("check", old_pkg, new_pkg, "--no-rehearse")[0]


class TestKvstoreSample:
    @pytest.mark.parametrize(("old", "top"), [("1.0.0", "2.0.0"), ("2.0.0", "3.0.0")])
    def test_each_step_passes(self, old: str, top: str) -> None:
        """Checks (a) and (b) pass on each kvstore step (tests/check/test_rehearsal.py: (c))."""
        releases = KVSTORE / "releases"
        code, out, _ = run("check", releases / old, releases / top, "--no-rehearse")
        assert (0, "PASSED (not run: rehearsal)") == (code, out.rstrip().splitlines()[-1])
