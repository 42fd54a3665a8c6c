"""``relup check`` as one function: open OLD and NEW, run every check, return the report.

Order: the releases are opened and read (check ``releases``); the difference is
computed and the appups compared with it (check (a): ``appups``,
``changed-modules``, ``added-removed-modules``, ``state-changes``,
``down-mirrors-up``); the relup is generated, up from and down to OLD, exactly as
``relup generate NEW --up-from OLD --down-to OLD`` would (check (b): ``relup``),
and nothing is written; then the rehearsal (check (c)) upgrades and downgrades a
throwaway node (:mod:`relup.check.rehearsal`), unless it is not asked for or cannot
run here. A check that cannot run is skipped with its reason:
everything after ``releases`` when a release does not read, the rehearsal when there
is no relup.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence

from relup.check.coverage import check_coverage
from relup.check.diff import diff_releases
from relup.check.findings import (
    CHECK_NAMES,
    CheckResult,
    Finding,
    ReleaseId,
    Report,
    results,
)
from relup.check.inputs import OpenedRelease, open_release
from relup.check.rehearsal import Rehearsal, default_rehearsal
from relup.errors import RelupError
from relup.plan import Base, Plan, PlanError, PythonTree, make_relup
from relup.plan.release import Release

_COVERAGE = (
    "appups",
    "changed-modules",
    "added-removed-modules",
    "state-changes",
    "down-mirrors-up",
)


def _unreadable(label: str, ref: str, error: RelupError) -> Finding:
    hint = getattr(getattr(error, "reason", None), "hint", None)
    return Finding(
        "unreadable-release",
        f"{label} ({ref}) cannot be read: {error}" + (f" ({hint})" if hint else ""),
    )


def _relup(
    source: PythonTree, old: OpenedRelease, new: OpenedRelease
) -> tuple[Plan | None, list[Finding]]:
    try:
        plan = make_relup(source, new.ref, [Base(old.ref)], [Base(old.ref)])
    except PlanError as e:
        hint = getattr(e.reason, "hint", None)
        return None, [Finding("relup-refused", str(e) + (f" (hint: {hint})" if hint else ""))]
    # OTP warns once per appup lookup (up, then down): the same sentence twice says nothing new.
    warnings = dict.fromkeys(w.describe() for w in plan.warnings)
    return plan, [Finding("relup-warning", w) for w in warnings]


def _rehearse(
    rehearsal: Rehearsal,
    rehearse: bool | None,
    old: OpenedRelease,
    new: OpenedRelease,
    plan: Plan | None,
) -> CheckResult:
    if rehearse is False:
        return CheckResult("rehearsal", skipped="not asked for (--no-rehearse)")
    if plan is None:
        return CheckResult("rehearsal", skipped="there is no relup to rehearse (see check relup)")
    why = rehearsal.unavailable()
    if why is not None:
        if rehearse:
            finding = Finding("rehearsal-unavailable", f"--rehearse was given, but {why}")
            return CheckResult("rehearsal", (finding,))
        return CheckResult("rehearsal", skipped=why)
    rehearsed = rehearsal.run(old, new, plan)
    findings = tuple(_shown(f, (old, new)) for f in rehearsed.findings)
    return CheckResult("rehearsal", findings, steps=rehearsed.steps)


def _shown(finding: Finding, opened: Sequence[OpenedRelease]) -> Finding:
    message = finding.message
    for o in opened:
        message = o.show(message)
    return dataclasses.replace(finding, message=message)


def _release_id(origin: str, release: Release | None) -> ReleaseId:
    return ReleaseId(origin, release.name, release.vsn) if release else ReleaseId(origin)


def run_check(
    old_ref: str,
    new_ref: str,
    *,
    rehearse: bool | None = None,
    rehearsal: Rehearsal | None = None,
) -> Report:
    """Check the upgrade from release `old_ref` to `new_ref` (directories or packages).

    `rehearse`: None runs the rehearsal when it is available and skips it otherwise;
    True requires it (unavailable is a failure); False skips it.
    """
    rehearsal = rehearsal or default_rehearsal()
    source = PythonTree()
    with contextlib.ExitStack() as stack:
        opened: list[OpenedRelease] = []
        releases: list[Release] = []
        for label, ref in (("OLD", old_ref), ("NEW", new_ref)):
            try:
                o = stack.enter_context(open_release(ref))
                opened.append(o)
                releases.append(source.read_release(o.ref))
            except RelupError as e:
                finding = _shown(_unreadable(label, ref, e), opened)
                skipped = "OLD or NEW cannot be read (see check releases)"
                checks = [CheckResult("releases", (finding,))]
                checks += [CheckResult(n, skipped=skipped) for n in CHECK_NAMES[1:]]
                known = [*releases, None, None]
                return Report(
                    _release_id(old_ref, known[0]), _release_id(new_ref, known[1]), tuple(checks)
                )
        old, new = opened
        diff = diff_releases(releases[0], releases[1])
        coverage = check_coverage(diff, source.read_appup)
        plan, relup_findings = _relup(source, old, new)
        findings = [_shown(f, opened) for f in (*coverage, *relup_findings)]
        checks = [
            CheckResult("releases"),
            *results(findings, names=(*_COVERAGE, "relup")),
            _rehearse(rehearsal, rehearse, old, new, plan),
        ]
        return Report(
            _release_id(old_ref, releases[0]),
            _release_id(new_ref, releases[1]),
            tuple(checks),
            diff,
        )
