"""Checking an upgrade before it ships: ``relup check`` and ``relup appup``.

An appup is written by hand and trusted by the generator, so a forgotten module or
a missing ``code_change`` only shows on a running node. This package compares two
Python releases and the appups of the newer one, without importing or running any
of their code in its own process:

* :mod:`~relup.check.classify` reads a module's source with ``ast``: gen_server,
  supervisor or plain, whether it defines ``code_change``, its state's shape;
* :mod:`~relup.check.diff` is the difference between two releases, per application
  and module;
* :mod:`~relup.check.draft` drafts appups from it (``relup appup``);
* :mod:`~relup.check.coverage` checks appups against it (check (a));
* :mod:`~relup.check.run` runs every check, including the generator (b) and the
  rehearsal (c, :mod:`~relup.check.rehearsal`: a throwaway node, started as a
  separate process by :mod:`~relup.check.throwaway`), into a
  :class:`~relup.check.findings.Report`;
* :mod:`~relup.check.report` writes the report as JSON and JUnit XML;
* :mod:`~relup.check.inputs` opens a release directory or a package.

No rich or typer here: ``relup.cli.check`` and ``relup.cli.appup`` render.
"""

from relup.check.diff import AppDiff, ModuleDiff, ReleaseDiff, diff_releases
from relup.check.draft import AppupDraft, draft_appups
from relup.check.errors import CheckError
from relup.check.findings import CHECKS, CODES, CheckResult, Finding, Report
from relup.check.run import run_check

__all__ = [
    "CHECKS",
    "CODES",
    "AppDiff",
    "AppupDraft",
    "CheckError",
    "CheckResult",
    "Finding",
    "ModuleDiff",
    "ReleaseDiff",
    "Report",
    "diff_releases",
    "draft_appups",
    "run_check",
]
