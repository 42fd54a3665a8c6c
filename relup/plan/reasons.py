"""Why the generator refuses a plan, and what it warns about, as values.

Each reason is a frozen dataclass named after OTP's error tag. It knows:

* ``otp_module`` and ``tag``: where systools raises the same refusal
  (``systools_rc``, ``systools_relup`` or ``systools_make``) and its tag;
* ``to_term()``: the reason as OTP's term, for comparison with OTP's output;
* ``describe()``: a sentence naming the application, version, module or
  instruction at fault; ``hint``: how to fix it, where that is clear.

:class:`PlanError` carries one reason; warnings are a separate list of
:class:`PlanWarning` values returned with the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from relup.errors import RelupError
from relup.terms import Atom, Term, format_term


def _show(term: Term) -> str:
    text = format_term(term)
    return text if len(text) <= 120 else text[:117] + "..."


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(names)


@dataclass(frozen=True)
class Reason:
    """Base of every refusal."""

    otp_module: ClassVar[str] = "systools_rc"
    tag: ClassVar[str] = ""
    #: The message already names the file at fault, so no release context is added.
    located: ClassVar[bool] = False

    def to_term(self) -> Term:
        return Atom(self.tag)

    def describe(self) -> str:
        return self.tag.replace("_", " ")

    @property
    def hint(self) -> str | None:
        return None


class PlanError(RelupError):
    """The generator refuses the inputs; ``reason`` says why, as data."""

    def __init__(self, reason: Reason, *, context: str | None = None) -> None:
        message = reason.describe()
        if context:
            message = f"{context}: {message}"
        super().__init__(message)
        self.reason = reason
        self.context = context


# --- systools_rc: the instruction syntax check (one offending value each) ------------


@dataclass(frozen=True)
class BadValue(Reason):
    """An instruction field of the wrong kind; ``value`` is what was written."""

    value: Term
    expected: ClassVar[str] = ""

    def to_term(self) -> Term:
        return (Atom(self.tag), self.value)

    def describe(self) -> str:
        return f"{self.expected}, got {_show(self.value)}"


@dataclass(frozen=True)
class BadInstruction(BadValue):
    tag = "bad_instruction"

    def describe(self) -> str:
        return f"unknown appup instruction {_show(self.value)}"

    @property
    def hint(self) -> str | None:
        return (
            "valid forms: update, load_module, add_module, delete_module, apply, "
            "add_application, remove_application, restart_application, restart_new_emulator, "
            "restart_emulator, or a low-level instruction"
        )


@dataclass(frozen=True)
class BadModule(BadValue):
    tag = "bad_module"
    expected = "a module name must be an atom"


@dataclass(frozen=True)
class BadChange(BadValue):
    tag = "bad_change"
    expected = "a change must be soft or {advanced, Extra}"


@dataclass(frozen=True)
class BadModType(BadValue):
    tag = "bad_mod_type"
    expected = "a module type must be static or dynamic"


@dataclass(frozen=True)
class BadPurgeMethod(BadValue):
    tag = "bad_purge_method"
    expected = "a purge method must be soft_purge or brutal_purge"


@dataclass(frozen=True)
class BadList(BadValue):
    tag = "bad_list"
    expected = "expected a list"


@dataclass(frozen=True)
class BadArgsList(BadValue):
    tag = "bad_args_list"
    expected = "the arguments of an apply must be a list"


@dataclass(frozen=True)
class BadNode(BadValue):
    tag = "bad_node"
    expected = "a node name must be an atom"


@dataclass(frozen=True)
class BadApplication(BadValue):
    tag = "bad_application"
    expected = "an application name must be an atom"


@dataclass(frozen=True)
class BadFunc(BadValue):
    tag = "bad_func"
    expected = "a function name must be an atom"


@dataclass(frozen=True)
class BadLib(BadValue):
    tag = "bad_lib"
    expected = "a library (application) name must be an atom"


@dataclass(frozen=True)
class BadLibVsn(BadValue):
    tag = "bad_lib_vsn"
    expected = "a library version must be a string"


@dataclass(frozen=True)
class BadTimeout(BadValue):
    tag = "bad_timeout"
    expected = "a timeout must be default, infinity or an integer > 0"

    @property
    def hint(self) -> str | None:
        if isinstance(self.value, Atom) and self.value.name in ("static", "dynamic"):
            return (
                "a ModType needs the 8-element form "
                "{update, Mod, ModType, Timeout, Change, PrePurge, PostPurge, DepMods}"
            )
        return None


@dataclass(frozen=True)
class BadMode(BadValue):
    tag = "bad_mode"
    expected = "a code_change mode must be up or down"


@dataclass(frozen=True)
class BadCodeChange(BadValue):
    tag = "bad_code_change"
    expected = "a code_change entry must be {Module, Extra}"


@dataclass(frozen=True)
class BadStartType(BadValue):
    tag = "bad_start_type"
    expected = "a start type must be none, load, temporary, transient or permanent"


@dataclass(frozen=True)
class NotYetImplemented(BadValue):
    tag = "not_yet_implemented"

    def describe(self) -> str:
        return f"the instruction {_show(self.value)} is not implemented (OTP refuses it too)"


@dataclass(frozen=True)
class BadOpBeforePointOfNoReturn(BadValue):
    tag = "bad_op_before_point_of_no_return"

    def describe(self) -> str:
        return f"{_show(self.value)} is placed before point_of_no_return"

    @property
    def hint(self) -> str | None:
        return "only load_object_code and apply may come before point_of_no_return"


@dataclass(frozen=True)
class TooManyPointOfNoReturn(Reason):
    tag = "too_many_point_of_no_return"

    def describe(self) -> str:
        return "an appup script has more than one point_of_no_return"


# --- systools_rc: pairing and translation -------------------------------------------


@dataclass(frozen=True)
class ModuleReason(Reason):
    """A refusal about one module."""

    module: str

    def to_term(self) -> Term:
        return (Atom(self.tag), Atom(self.module))


@dataclass(frozen=True)
class NoObjectCode(ModuleReason):
    tag = "no_object_code"

    def describe(self) -> str:
        return f"{{load, {self.module}}} has no load_object_code naming {self.module}"

    @property
    def hint(self) -> str | None:
        return f"add {self.module} to a load_object_code before point_of_no_return"


@dataclass(frozen=True)
class MuldefModule(ModuleReason):
    tag = "muldef_module"

    def describe(self) -> str:
        return f"module {self.module} has more than one instruction in the same upgrade"

    @property
    def hint(self) -> str | None:
        return (
            "keep one update/load_module/add_module/delete_module per module across all "
            "appups of the release (add_application and restart_application load modules too)"
        )


@dataclass(frozen=True)
class UndefModule(ModuleReason):
    tag = "undef_module"

    def describe(self) -> str:
        return f"module {self.module} is named in DepMods but has no instruction of its own"

    @property
    def hint(self) -> str | None:
        return (
            f"add an update or load_module for {self.module} to this upgrade, "
            "or remove it from DepMods"
        )


@dataclass(frozen=True)
class NoSuchModule(ModuleReason):
    tag = "no_such_module"

    def describe(self) -> str:
        return f"module {self.module} is not in the modules list of any application"

    @property
    def hint(self) -> str | None:
        return f"list {self.module} under modules in its application's .app file"


@dataclass(frozen=True)
class ModuleListReason(Reason):
    """A refusal about unpaired modules."""

    modules: tuple[str, ...]
    what: ClassVar[str] = ""

    def to_term(self) -> Term:
        return (Atom(self.tag), [Atom(m) for m in self.modules])

    def describe(self) -> str:
        return f"{self.what}: {_names(self.modules)}"


@dataclass(frozen=True)
class SuspendedNotResumed(ModuleListReason):
    tag = "suspended_not_resumed"
    what = "suspended but never resumed"


@dataclass(frozen=True)
class ResumedNotSuspended(ModuleListReason):
    tag = "resumed_not_suspended"
    what = "resumed but never suspended"


@dataclass(frozen=True)
class StartNotStop(ModuleListReason):
    tag = "start_not_stop"
    what = "started but never stopped"


@dataclass(frozen=True)
class StopNotStart(ModuleListReason):
    tag = "stop_not_start"
    what = "stopped but never started"


@dataclass(frozen=True)
class ApplicationReason(Reason):
    application: str

    def to_term(self) -> Term:
        return (Atom(self.tag), Atom(self.application))


@dataclass(frozen=True)
class NoSuchApplication(ApplicationReason):
    tag = "no_such_application"

    def describe(self) -> str:
        return f"application {self.application} is not in the release it applies to"


@dataclass(frozen=True)
class RemovedApplicationPresent(ApplicationReason):
    tag = "removed_application_present"

    def describe(self) -> str:
        return f"application {self.application} is removed but is still in the target release"


@dataclass(frozen=True)
class ConflictingVersions(Reason):
    tag = "conflicting_versions"
    lib: str
    first: str
    other: str

    def to_term(self) -> Term:
        return (Atom(self.tag), Atom(self.lib), self.first, self.other)

    def describe(self) -> str:
        return f"load_object_code names {self.lib} in two versions, {self.first} and {self.other}"


# --- systools_relup: reading appups, per base release --------------------------------


@dataclass(frozen=True)
class FileProblem(Reason):
    """An appup that is missing, unreadable, unparsable or of the wrong shape."""

    otp_module = "systools_relup"
    tag = "file_problem"
    located = True
    path: str
    problem: str  # "open", "read" (a bad token, or no term), "parse" or "shape"
    detail: str
    line: int | None = None
    col: int | None = None

    def to_term(self) -> Term:
        inner: Term
        if self.problem == "open":
            inner = (Atom("error"), (Atom("open"), self.path, Atom(self.detail)))
        elif self.problem == "parse":
            where: Term = (self.line or 0, Atom("erl_parse"), [self.detail])
            inner = (Atom("error"), (Atom("parse"), self.path, where))
        elif self.problem == "read":
            inner = (Atom("error"), (Atom("read"), self.path))
        else:
            inner = (Atom("ok"), self.detail)
        return (Atom(self.tag), (self.path, inner))

    def describe(self) -> str:
        if self.problem == "open":
            why = "no such file" if self.detail == "enoent" else self.detail
            return f"cannot read {self.path}: {why}"
        if self.problem in ("parse", "read"):
            return self.detail
        return f"{self.path}: {self.detail}"


@dataclass(frozen=True)
class NoRelup(Reason):
    otp_module = "systools_relup"
    tag = "no_relup"
    path: str
    application: str
    app_vsn: str
    base_vsn: str
    direction: str

    def to_term(self) -> Term:
        record = (Atom("application"), Atom(self.application), self.app_vsn)
        return (Atom(self.tag), self.path, record, self.base_vsn)

    def describe(self) -> str:
        section = "up" if self.direction == "up" else "down"
        return (
            f"{self.path} has no {section} entry for {self.application} {self.base_vsn} "
            f"(upgrading {self.application} {self.base_vsn} <-> {self.app_vsn})"
        )

    @property
    def hint(self) -> str | None:
        return f'add {{"{self.base_vsn}", [...]}} to the {self.direction} section of {self.path}'


@dataclass(frozen=True)
class MissingSasl(Reason):
    otp_module = "systools_relup"
    tag = "missing_sasl"
    release: str
    vsn: str

    def to_term(self) -> Term:
        return (Atom(self.tag), (Atom("release"), self.release, self.vsn))

    def describe(self) -> str:
        return f"release {self.release} {self.vsn} has no sasl application: it cannot be upgraded"


@dataclass(frozen=True)
class WarningsTreatedAsErrors(Reason):
    otp_module = "systools_relup"
    tag = "warnings_treated_as_errors"
    warnings: tuple[PlanWarning, ...]

    def to_term(self) -> Term:
        return (Atom(self.tag), [w.to_term() for w in self.warnings])

    def describe(self) -> str:
        return "warnings treated as errors: " + "; ".join(w.describe() for w in self.warnings)


@dataclass(frozen=True)
class BadVersionPattern(Reason):
    """relup's own refusal: a regex version key Python cannot run as PCRE would."""

    otp_module = "relup"
    tag = "bad_version_pattern"
    path: str
    message: str

    def to_term(self) -> Term:
        return (Atom(self.tag), self.path, self.message)

    def describe(self) -> str:
        return f"{self.path}: {self.message}"


# --- systools_make: reading releases and applications --------------------------------


@dataclass(frozen=True)
class ReleaseProblem(Reason):
    """A .rel or .app problem found while reading a release (systools_make).

    ``tag`` varies (``not_found``, ``badly_formatted_release``,
    ``missing_mandatory_app``, ``error_reading``, ``duplicate_modules``, ...),
    so it is a field here; ``subject`` is the file, application or module at fault.
    """

    otp_module = "systools_make"
    located = True
    problem: str
    subject: Term
    message: str
    hint_text: str | None = None

    def to_term(self) -> Term:
        return (Atom(self.problem), self.subject)

    def describe(self) -> str:
        return self.message

    @property
    def hint(self) -> str | None:
        return self.hint_text


# --- warnings ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanWarning:
    """Base of the warnings returned beside a plan."""

    tag: ClassVar[str] = ""

    def to_term(self) -> Term:
        return Atom(self.tag)

    def describe(self) -> str:
        return self.tag


@dataclass(frozen=True)
class BadVsn(PlanWarning):
    tag = "bad_vsn"
    appup_vsn: Term
    app_vsn: str
    path: str = ""

    def to_term(self) -> Term:
        return (Atom(self.tag), (self.appup_vsn, self.app_vsn))

    def describe(self) -> str:
        return (
            f"{self.path or 'appup'}: appup version {_show(self.appup_vsn)} differs from the "
            f"application version {self.app_vsn}"
        )


@dataclass(frozen=True)
class ErtsVsnChanged(PlanWarning):
    tag = "erts_vsn_changed"
    top: tuple[str, str]
    base: tuple[str, str]

    def to_term(self) -> Term:
        return (Atom(self.tag), (self.top, self.base))

    def describe(self) -> str:
        return (
            f"the runtime version changes between {self.top[0]} ({self.top[1]}) and "
            f"{self.base[0]} ({self.base[1]}): the node restarts into the new runtime"
        )


@dataclass(frozen=True)
class PreR15EmulatorUpgrade(PlanWarning):
    tag = "pre_R15_emulator_upgrade"

    def describe(self) -> str:
        return "upgrade from an OTP release older than R15: restart_new_emulator moved to the end"
