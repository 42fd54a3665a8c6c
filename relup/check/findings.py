"""Findings, checks and the report: what ``relup check`` found, as data.

A :class:`Finding` is one thing wrong (or, with severity ``warning``, worth a look),
with a stable ``code`` from :data:`CODES`, the application and module it is about,
and a message that names the file and says what to change. Each code belongs to one
check (:data:`CHECKS`); a :class:`CheckResult` is one check's outcome, and the
:class:`Report` holds them all. Renderers (text in ``relup.cli``, JSON and JUnit in
:mod:`relup.check.report`) only present this data.

A check **fails** when it has at least one finding of severity ``error``; it is
**skipped** when it could not run (its reason says why); otherwise it **passed**.
The report passes when no check failed: a skipped check does not fail it, and every
renderer shows the skip and its reason, so that a pass is never mistaken for a
rehearsal that did not happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

from relup.check.diff import ReleaseDiff

Severity: TypeAlias = Literal["error", "warning"]
Status: TypeAlias = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True, slots=True)
class Check:
    """One named check: what it verifies."""

    name: str
    description: str


#: The checks, in the order they run and are reported.
CHECKS: Final = (
    Check("releases", "OLD and NEW are readable Python releases (or packages)"),
    Check(
        "appups",
        "every application whose version changed has an appup for its new version, with "
        "an up and a down entry for its old version; no version is reused for new code",
    ),
    Check(
        "changed-modules",
        "every new or changed module parses; every changed one is loaded or updated, up and down",
    ),
    Check(
        "added-removed-modules", "added modules are added (and deleted down), removed ones deleted"
    ),
    Check(
        "state-changes",
        "gen_servers whose state changes shape are updated with {advanced, _} and define "
        "code_change",
    ),
    Check("down-mirrors-up", "every module handled on the way up is handled on the way down"),
    Check("relup", "the relup generates (as relup generate would make it)"),
    Check(
        "rehearsal",
        "a throwaway node on OLD upgrades to NEW, downgrades and upgrades again under "
        "traffic, losing no request and no state",
    ),
)
CHECK_NAMES: Final = tuple(c.name for c in CHECKS)


@dataclass(frozen=True, slots=True)
class Code:
    """A finding code: its check, what it means, and how it is fixed in general."""

    check: str
    meaning: str
    fix: str
    severity: Severity = "error"


#: Every finding code. docs/ci.md explains each; a test keeps the two in step.
CODES: Final[dict[str, Code]] = {
    "unreadable-release": Code(
        "releases",
        "OLD or NEW is not a Python release, a package that does not verify, or a release "
        "the generator refuses to read (missing app.toml, module file, ...)",
        "fix the path, or the release files the message names",
    ),
    "same-version-changed-code": Code(
        "appups",
        "an application has the same version in OLD and NEW but different files",
        "give the application a new version in app.toml, its directory and release.toml",
    ),
    "no-appup": Code(
        "appups",
        "an application's version changed but NEW has no <app>.appup",
        "write lib/<app>-<vsn>/<app>.appup (relup appup OLD NEW --write drafts it)",
    ),
    "bad-appup": Code(
        "appups",
        "the appup does not read, or an instruction in it is malformed",
        "fix the appup at the place the message names",
    ),
    "appup-version-mismatch": Code(
        "appups",
        "the appup's first element is not the application's version",
        'make the appup start with {"<vsn>", ...}, the version in app.toml',
    ),
    "no-up-entry": Code(
        "appups",
        "the appup has no up entry whose key matches OLD's version of the application",
        'add {"<old vsn>", [...]} to the up list (the second element)',
    ),
    "no-down-entry": Code(
        "appups",
        "the appup has no down entry whose key matches OLD's version of the application",
        'add {"<old vsn>", [...]} to the down list (the third element)',
    ),
    "application-in-appup": Code(
        "appups",
        "an appup adds or removes an application that the release files already add or remove",
        "delete the add_application/remove_application line: the generator writes it",
    ),
    "missing-module": Code(
        "changed-modules",
        "a module's code changed but the up (or down) entry does not load or update it",
        "add the update or load_module instruction the message gives",
    ),
    "unparsable-module": Code(
        "changed-modules",
        "a new or changed module of NEW is not valid Python, so the node cannot load it",
        "fix the syntax error at the line the message gives",
    ),
    "supervisor-not-updated": Code(
        "changed-modules",
        "a supervisor module changed but is only loaded, so its new child specs are not read",
        "use {update, <module>, supervisor}",
        "warning",
    ),
    "missing-add-module": Code(
        "added-removed-modules",
        "a module that is new going up (or returns going down) has no add_module",
        "add {add_module, <module>} to the entry the message names",
    ),
    "missing-delete-module": Code(
        "added-removed-modules",
        "a module that is gone going up (or going down) has no delete_module",
        "add {delete_module, <module>} to the entry the message names",
    ),
    "no-code-change": Code(
        "state-changes",
        "a gen_server's state looks different (a heuristic) but it is not updated with "
        "{advanced, _}, or it defines no code_change",
        "update it with {update, <module>, {advanced, []}} both ways and write "
        "code_change(old_vsn, state, extra) converting up from <old vsn> and down to "
        '("down", <old vsn>)',
    ),
    "not-mirrored": Code(
        "down-mirrors-up",
        "a module is handled in one direction but not the other, or its state is "
        "converted going up but not going down",
        "give the down entry the mirror of the up instruction (add <-> delete, update <-> update)",
    ),
    "relup-refused": Code(
        "relup",
        "the generator refuses the appups and releases",
        "fix what the message says (it is relup generate's own message)",
    ),
    "relup-warning": Code(
        "relup",
        "the generator warns about the appups and releases",
        "read the warning; relup generate --warnings-as-errors would refuse it",
        "warning",
    ),
    "rehearsal-unavailable": Code(
        "rehearsal",
        "--rehearse was given but the rehearsal cannot run here",
        "run where the rehearsal is available, or leave out --rehearse",
    ),
    "rehearsal-node-failed": Code(
        "rehearsal",
        "the throwaway node did not start on OLD, or stopped answering during the rehearsal",
        "start OLD with relup init and relup node start, and read the node's log",
    ),
    "rehearsal-install-failed": Code(
        "rehearsal",
        "an install on the throwaway node failed (and was rolled back): the node's message "
        "says which instruction, process and module",
        "fix what the node's message names, often a code_change that raises",
    ),
    "rehearsal-state-differs": Code(
        "rehearsal",
        "a gen_server's state after the upgrade and the downgrade is not its state before",
        "make NEW's code_change going down give back the state OLD had",
    ),
    "rehearsal-request-failed": Code(
        "rehearsal",
        "a call of the release's exercise function failed while the node was rehearsed",
        "fix what the first error says: a request lost or answered wrongly during an install",
    ),
    "rehearsal-no-traffic": Code(
        "rehearsal",
        "a release names no exercise function, so no traffic ran through the service",
        'name one in release.toml: [release] exercise = "module:function"',
        "warning",
    ),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a check found; ``message`` says what is wrong and what to change."""

    code: str
    message: str
    app: str | None = None
    module: str | None = None
    direction: Literal["up", "down"] | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code!r}")

    @property
    def check(self) -> str:
        return CODES[self.code].check

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity


@dataclass(frozen=True, slots=True)
class Step:
    """One timed step of a check, for the report (the rehearsal's boot, installs, ...)."""

    name: str
    seconds: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's outcome: its findings, or why it was skipped; the steps it timed."""

    name: str
    findings: tuple[Finding, ...] = ()
    skipped: str | None = None
    steps: tuple[Step, ...] = ()

    @property
    def seconds(self) -> float:
        """How long the timed steps took in all (0 for a check that times none)."""
        return sum(s.seconds for s in self.steps)

    @property
    def description(self) -> str:
        return next(c.description for c in CHECKS if c.name == self.name)

    @property
    def status(self) -> Status:
        if self.skipped is not None:
            return "skipped"
        return "failed" if any(f.severity == "error" for f in self.findings) else "passed"

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")


@dataclass(frozen=True, slots=True)
class ReleaseId:
    """A release as the report names it: its name, version, and what the user gave."""

    origin: str
    name: str | None = None
    vsn: str | None = None

    def describe(self) -> str:
        return f"{self.name} {self.vsn}" if self.name else self.origin


@dataclass(frozen=True)
class Report:
    """Everything ``relup check`` found; ``passed`` decides the exit status."""

    old: ReleaseId
    new: ReleaseId
    checks: tuple[CheckResult, ...]
    #: The difference, when both releases could be read.
    diff: ReleaseDiff | None = None

    @property
    def passed(self) -> bool:
        return all(c.status != "failed" for c in self.checks)

    def check(self, name: str) -> CheckResult:
        return next(c for c in self.checks if c.name == name)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for c in self.checks for f in c.findings)


def results(findings: list[Finding], *, names: tuple[str, ...]) -> list[CheckResult]:
    """`findings` grouped into one CheckResult per check name (in `names` order)."""
    return [CheckResult(n, tuple(f for f in findings if f.check == n)) for n in names]
