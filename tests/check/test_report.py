"""JSON and JUnit XML forms of the report: what CI systems read."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from relup.check.findings import CheckResult, Finding, ReleaseId, Report, Step
from relup.check.report import finding_line, junit_xml, report_json, step_line
from relup.check.run import run_check
from tests.check.pairs import OLD, new

WARNING = Finding("rehearsal-no-traffic", "no exercise function")
STEPS = (Step("boot", 0.5004, "OLD"), Step("install 2.0.0", 0.125))
REHEARSED = Report(
    ReleaseId("x"), ReleaseId("y"), (CheckResult("rehearsal", (WARNING,), steps=STEPS),)
)
WARNING_LINES = [f"warning: {finding_line(WARNING)}"]
STEP_LINES = ["step: boot: 0.500 s (OLD)", "step: install 2.0.0: 0.125 s"]


def test_step_line() -> None:
    """A step is its name, its seconds to the millisecond and its detail in parentheses."""
    assert STEP_LINES == [f"step: {step_line(s)}" for s in STEPS]


def cases(report: Report) -> dict[str, ET.Element]:
    root = ET.fromstring(junit_xml(report))
    return {case.get("name", ""): case for case in root.iter("testcase")}


class TestJson:
    def test_shape(self) -> None:
        """passed, both releases, the difference and one entry per check; JSON-serializable."""
        data = report_json(run_check(str(OLD), str(new("missing-module")), rehearse=False))
        assert json.loads(json.dumps(data)) == data
        assert (False, "1.0.0", "2.0.0") == (data["passed"], data["old"]["vsn"], data["new"]["vsn"])
        (tally,) = [a for a in data["diff"] if a["name"] == "tally"]
        srv = next(m for m in tally["modules"] if m["name"] == "tally_srv")
        assert ("gen_server", True) == (srv["kind"], srv["code_change"])
        check = next(c for c in data["checks"] if c["name"] == "changed-modules")
        assert "failed" == check["status"]
        assert {"missing-module"} == {f["code"] for f in check["findings"]}
        assert {"check", "severity", "app", "module", "direction", "message", "code"} == set(
            check["findings"][0]
        )

    def test_steps_and_their_times(self) -> None:
        """A check's timed steps are listed with their seconds (rounded to ms) and detail."""
        data = report_json(REHEARSED)
        (check,) = data["checks"]
        assert [
            {"name": "boot", "seconds": 0.5, "detail": "OLD"},
            {"name": "install 2.0.0", "seconds": 0.125, "detail": ""},
        ] == check["steps"]

    def test_unreadable_release_has_no_diff(self) -> None:
        """When a release does not read, diff is null and the release has no name."""
        data = report_json(run_check("nowhere", str(new())))
        assert (None, None) == (data["diff"], data["old"]["name"])


class TestJunit:
    def test_one_testcase_per_check(self) -> None:
        """The good pair: every check is a test case; a rehearsal not asked for is skipped."""
        report = run_check(str(OLD), str(new()), rehearse=False)
        root = ET.fromstring(junit_xml(report))
        suite = root.find("testsuite")
        assert suite is not None
        assert [c.name for c in report.checks] == [c.get("name") for c in suite.iter("testcase")]
        assert ("8", "0", "1") == (suite.get("tests"), suite.get("failures"), suite.get("skipped"))
        skipped = cases(report)["rehearsal"].find("skipped")
        assert skipped is not None
        assert "not asked for (--no-rehearse)" == skipped.get("message")

    def test_failure_lists_the_findings(self) -> None:
        """A failed check holds one failure: its type the first code, its text every finding."""
        report = run_check(str(OLD), str(new("missing-module")), rehearse=False)
        failure = cases(report)["changed-modules"].find("failure")
        assert failure is not None
        assert ("missing-module", "2 findings: missing-module") == (
            failure.get("type"),
            failure.get("message"),
        )
        expected = [finding_line(f) for f in report.check("changed-modules").findings]
        assert expected == (failure.text or "").splitlines()

    def test_warnings_go_to_system_out(self) -> None:
        """Warnings do not fail a test case; they are in its system-out."""
        report = run_check(str(OLD), str(new("appup-version-mismatch")), rehearse=False)
        case = cases(report)["relup"]
        assert None is case.find("failure")
        out = case.find("system-out")
        assert out is not None
        assert (out.text or "").startswith("warning: relup-warning: ")

    def test_rehearsal_time_and_steps(self) -> None:
        """A test case's time is its steps' sum; the steps follow the warnings in system-out."""
        case = cases(REHEARSED)["rehearsal"]
        out = case.find("system-out")
        assert out is not None
        assert ("0.625", WARNING_LINES + STEP_LINES) == (
            case.get("time"),
            (out.text or "").splitlines(),
        )

    def test_messages_are_escaped(self) -> None:
        """Markup in a message survives the XML round trip unchanged."""
        message = 'a <b> & "c" ]]> d'
        report = Report(
            ReleaseId("x"),
            ReleaseId("y"),
            (CheckResult("relup", (Finding("relup-refused", message),)),),
        )
        failure = cases(report)["relup"].find("failure")
        assert failure is not None
        assert f"relup-refused: {message}\n" == failure.text
