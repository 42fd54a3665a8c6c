"""The report as JSON and as JUnit XML: the two forms a CI system reads.

JSON (``relup check --json``) carries everything: both releases, the difference
(applications and modules with their kind and the evidence for it), and every
check with its status and findings. Its shape is documented in docs/ci.md.

JUnit (``relup check --junit FILE``) has one ``<testcase>`` per check, in a single
``<testsuite>`` named after the upgrade: a failed check holds one ``<failure>``
whose text lists its findings, a skipped check one ``<skipped>`` with the reason,
and warnings and timed steps go to the test case's ``<system-out>`` (a check's
``time`` is the sum of its steps: the rehearsal's). CI systems (GitHub Actions
reporters, GitLab, Jenkins) show each check as a test, so a red build says which
check failed and the failure text says what to fix. Written with
``xml.etree.ElementTree``, so every message is escaped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from relup.check.diff import AppDiff, ModuleDiff, ReleaseDiff
from relup.check.findings import CheckResult, Finding, ReleaseId, Report, Step

JSON_VERSION = 1


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "check": f.check,
        "severity": f.severity,
        "app": f.app,
        "module": f.module,
        "direction": f.direction,
        "message": f.message,
    }


def _module_json(m: ModuleDiff) -> dict[str, Any]:
    info = m.info
    return {
        "name": m.name,
        "change": m.change,
        "kind": m.kind,
        "evidence": list(info.evidence),
        "code_change": m.has_code_change,
        "state_change": m.state_change.describe() if m.state_change else None,
    }


def _app_json(a: AppDiff) -> dict[str, Any]:
    return {
        "name": a.name,
        "change": a.change,
        "old_vsn": a.old_vsn,
        "new_vsn": a.new_vsn,
        "modules": [_module_json(m) for m in a.modules],
    }


def diff_json(diff: ReleaseDiff) -> list[dict[str, Any]]:
    return [_app_json(a) for a in diff.apps]


def _release_json(r: ReleaseId) -> dict[str, Any]:
    return {"origin": r.origin, "name": r.name, "vsn": r.vsn}


def step_json(s: Step) -> dict[str, Any]:
    return {"name": s.name, "seconds": round(s.seconds, 3), "detail": s.detail}


def _check_json(c: CheckResult) -> dict[str, Any]:
    return {
        "name": c.name,
        "description": c.description,
        "status": c.status,
        "skipped": c.skipped,
        "findings": [finding_json(f) for f in c.findings],
        "steps": [step_json(s) for s in c.steps],
    }


def report_json(report: Report) -> dict[str, Any]:
    """The whole report as JSON-ready data (``"passed"`` decides the exit status)."""
    return {
        "version": JSON_VERSION,
        "passed": report.passed,
        "old": _release_json(report.old),
        "new": _release_json(report.new),
        "diff": diff_json(report.diff) if report.diff is not None else None,
        "checks": [_check_json(c) for c in report.checks],
    }


def finding_line(f: Finding) -> str:
    """One finding on one line: ``code [app module direction]: message``."""
    where = " ".join(p for p in (f.app, f.module, f.direction) if p)
    return f"{f.code}{f' [{where}]' if where else ''}: {f.message}"


def step_line(s: Step) -> str:
    """One timed step on one line: ``name: 1.234 s (detail)``."""
    return f"{s.name}: {s.seconds:.3f} s" + (f" ({s.detail})" if s.detail else "")


def suite_name(report: Report) -> str:
    return f"relup check {report.old.describe()} -> {report.new.describe()}"


def junit_xml(report: Report) -> bytes:
    """The report as a JUnit XML document (UTF-8, with its declaration)."""
    failed = sum(1 for c in report.checks if c.status == "failed")
    skipped = sum(1 for c in report.checks if c.status == "skipped")
    counts = {
        "tests": str(len(report.checks)),
        "failures": str(failed),
        "errors": "0",
        "skipped": str(skipped),
    }
    suites = ET.Element("testsuites", {"name": "relup check", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": suite_name(report), **counts})
    for c in report.checks:
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": "relup.check", "name": c.name, "time": f"{c.seconds:.3f}"},
        )
        if c.status == "skipped":
            ET.SubElement(case, "skipped", {"message": c.skipped or ""})
        elif c.status == "failed":
            errors = c.errors
            first = errors[0]
            summary = f"{len(errors)} finding{'s' if len(errors) > 1 else ''}: {first.code}"
            failure = ET.SubElement(case, "failure", {"message": summary, "type": first.code})
            failure.text = "\n".join(finding_line(f) for f in errors) + "\n"
        lines = ["warning: " + finding_line(f) for f in c.warnings]
        lines += ["step: " + step_line(s) for s in c.steps]
        if lines:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(lines) + "\n"
    ET.indent(suites)
    text: bytes = ET.tostring(suites, encoding="utf-8", xml_declaration=True)
    return text + b"\n"
