"""Appup and relup instructions as frozen dataclasses, named after OTP's atoms.

High-level instructions (``Update``, ``LoadModule``, ...) exist in appups; the
generator turns them into low-level ones (``LoadObjectCode``, ``Suspend``,
``Load``, ...), which the release handler evaluates. Each class converts to
and from OTP's term with ``to_term()`` / :func:`from_term`.

Only canonical forms exist here: the shorthands of appup files
(``{update, M}``, ``{load_module, M, DepMods}``, ...) are expanded by
:mod:`relup.plan.script` before anything is typed, so the translator never sees
a shorthand. Field values keep OTP's vocabulary: purge methods are
``"soft_purge"``/``"brutal_purge"``, timeouts ``"default"``, ``"infinity"`` or an int.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from relup.terms import Atom, Term

PurgeMethod: TypeAlias = Literal["soft_purge", "brutal_purge"]
Timeout: TypeAlias = Literal["default", "infinity"] | int
ModType: TypeAlias = Literal["static", "dynamic"]
StartType: TypeAlias = Literal["none", "load", "temporary", "transient", "permanent"]


def _atoms(names: tuple[str, ...]) -> list[Term]:
    return [Atom(n) for n in names]


def _timeout_term(timeout: Timeout) -> Term:
    return timeout if isinstance(timeout, int) else Atom(timeout)


@dataclass(frozen=True, slots=True)
class Soft:
    """Change = soft: suspend and resume, no code_change."""

    def to_term(self) -> Term:
        return Atom("soft")


@dataclass(frozen=True, slots=True)
class Advanced:
    """Change = {advanced, Extra}: code_change(OldVsn, State, Extra) is called."""

    extra: Term

    def to_term(self) -> Term:
        return (Atom("advanced"), self.extra)


Change: TypeAlias = Soft | Advanced


# --- high level ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Update:
    module: str
    mod_type: ModType = "dynamic"
    timeout: Timeout = "default"
    change: Change = Soft()
    pre_purge: PurgeMethod = "brutal_purge"
    post_purge: PurgeMethod = "brutal_purge"
    dep_mods: tuple[str, ...] = ()

    def to_term(self) -> Term:
        return (
            Atom("update"),
            Atom(self.module),
            Atom(self.mod_type),
            _timeout_term(self.timeout),
            self.change.to_term(),
            Atom(self.pre_purge),
            Atom(self.post_purge),
            _atoms(self.dep_mods),
        )


@dataclass(frozen=True, slots=True)
class LoadModule:
    module: str
    pre_purge: PurgeMethod = "brutal_purge"
    post_purge: PurgeMethod = "brutal_purge"
    dep_mods: tuple[str, ...] = ()

    def to_term(self) -> Term:
        return (
            Atom("load_module"),
            Atom(self.module),
            Atom(self.pre_purge),
            Atom(self.post_purge),
            _atoms(self.dep_mods),
        )


@dataclass(frozen=True, slots=True)
class AddModule:
    module: str
    dep_mods: tuple[str, ...] = ()

    def to_term(self) -> Term:
        return (Atom("add_module"), Atom(self.module), _atoms(self.dep_mods))


@dataclass(frozen=True, slots=True)
class DeleteModule:
    module: str
    dep_mods: tuple[str, ...] = ()

    def to_term(self) -> Term:
        return (Atom("delete_module"), Atom(self.module), _atoms(self.dep_mods))


@dataclass(frozen=True, slots=True)
class AddApplication:
    application: str
    type: StartType = "permanent"

    def to_term(self) -> Term:
        return (Atom("add_application"), Atom(self.application), Atom(self.type))


@dataclass(frozen=True, slots=True)
class RemoveApplication:
    application: str

    def to_term(self) -> Term:
        return (Atom("remove_application"), Atom(self.application))


@dataclass(frozen=True, slots=True)
class RestartApplication:
    application: str

    def to_term(self) -> Term:
        return (Atom("restart_application"), Atom(self.application))


# --- low level -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadObjectCode:
    lib: str
    lib_vsn: str
    modules: tuple[str, ...]

    def to_term(self) -> Term:
        return (Atom("load_object_code"), (Atom(self.lib), self.lib_vsn, _atoms(self.modules)))


@dataclass(frozen=True, slots=True)
class PointOfNoReturn:
    def to_term(self) -> Term:
        return Atom("point_of_no_return")


@dataclass(frozen=True, slots=True)
class Load:
    module: str
    pre_purge: PurgeMethod = "brutal_purge"
    post_purge: PurgeMethod = "brutal_purge"

    def to_term(self) -> Term:
        return (Atom("load"), (Atom(self.module), Atom(self.pre_purge), Atom(self.post_purge)))


@dataclass(frozen=True, slots=True)
class Remove:
    module: str
    pre_purge: PurgeMethod = "brutal_purge"
    post_purge: PurgeMethod = "brutal_purge"

    def to_term(self) -> Term:
        return (Atom("remove"), (Atom(self.module), Atom(self.pre_purge), Atom(self.post_purge)))


@dataclass(frozen=True, slots=True)
class Purge:
    """``{purge, [M]}``: kill processes in old code of each module and drop it."""

    modules: tuple[str, ...]

    def to_term(self) -> Term:
        return (Atom("purge"), _atoms(self.modules))


@dataclass(frozen=True, slots=True)
class Suspend:
    """``{suspend, [M | {M, Timeout}]}``: an entry is a module name or a (name, timeout)
    pair, kept as written (``{M, default}`` stays a pair)."""

    modules: tuple[str | tuple[str, Timeout], ...]

    def to_term(self) -> Term:
        return (
            Atom("suspend"),
            [
                Atom(m) if isinstance(m, str) else (Atom(m[0]), _timeout_term(m[1]))
                for m in self.modules
            ],
        )

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m if isinstance(m, str) else m[0] for m in self.modules)


@dataclass(frozen=True, slots=True)
class CodeChange:
    """``{code_change, Mode, [{M, Extra}]}``; mode None is the 2-tuple form (up)."""

    mode: Literal["up", "down"] | None
    modules: tuple[tuple[str, Term], ...]

    def to_term(self) -> Term:
        entries: list[Term] = [(Atom(m), extra) for m, extra in self.modules]
        if self.mode is None:
            return (Atom("code_change"), entries)
        return (Atom("code_change"), Atom(self.mode), entries)


@dataclass(frozen=True, slots=True)
class Resume:
    modules: tuple[str, ...]

    def to_term(self) -> Term:
        return (Atom("resume"), _atoms(self.modules))


@dataclass(frozen=True, slots=True)
class Stop:
    modules: tuple[str, ...]

    def to_term(self) -> Term:
        return (Atom("stop"), _atoms(self.modules))


@dataclass(frozen=True, slots=True)
class Start:
    modules: tuple[str, ...]

    def to_term(self) -> Term:
        return (Atom("start"), _atoms(self.modules))


@dataclass(frozen=True, slots=True)
class SyncNodes:
    """``{sync_nodes, Id, [Node]}`` or ``{sync_nodes, Id, {M, F, A}}``."""

    id: Term
    nodes: tuple[str, ...] | None = None
    mfa: tuple[str, str, Term] | None = None

    def to_term(self) -> Term:
        if self.mfa is not None:
            m, f, a = self.mfa
            return (Atom("sync_nodes"), self.id, (Atom(m), Atom(f), a))
        return (Atom("sync_nodes"), self.id, _atoms(self.nodes or ()))


@dataclass(frozen=True, slots=True)
class Apply:
    """``{apply, {M, F, Args}}``; Args are carried along unchanged."""

    module: str
    function: str
    args: Term

    def to_term(self) -> Term:
        return (Atom("apply"), (Atom(self.module), Atom(self.function), self.args))


@dataclass(frozen=True, slots=True)
class Bare:
    """An instruction that is a bare atom: restart_new_emulator, restart_emulator,
    restart, reboot (point_of_no_return has its own class)."""

    name: str

    def to_term(self) -> Term:
        return Atom(self.name)


RESTART_NEW_EMULATOR = Bare("restart_new_emulator")
RESTART_EMULATOR = Bare("restart_emulator")
POINT_OF_NO_RETURN = PointOfNoReturn()

HighLevel: TypeAlias = (
    Update
    | LoadModule
    | AddModule
    | DeleteModule
    | AddApplication
    | RemoveApplication
    | RestartApplication
)
LowLevel: TypeAlias = (
    LoadObjectCode
    | PointOfNoReturn
    | Load
    | Remove
    | Purge
    | Suspend
    | CodeChange
    | Resume
    | Stop
    | Start
    | SyncNodes
    | Apply
    | Bare
)
Instruction: TypeAlias = HighLevel | LowLevel
