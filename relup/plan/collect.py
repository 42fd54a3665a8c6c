"""One relup from a top release and its bases (OTP's ``systools_relup``).

Rules (spec §3.2, §8.3 question 4):

* The top release is read first; then each up base in the order given, then each
  down base in the order given. Each base is finished (release read and checked,
  appups of its changed applications read, script translated) before the next
  one is opened, so the first failing base decides the error.
* Per base, the scripts are, in order: ``restart_new_emulator`` if the runtime
  version differs; an ``add_application`` per application only in the target
  (release-file order); the appup script of every application present in both
  with different versions, taken from the *top* version's appup, in the *top*
  release's boot order in both directions; a ``remove_application`` per
  application only in the source; ``restart_emulator`` if asked for.
* The runtime version is erts's for an OTP release and Python's ``major.minor``
  for a Python release. Only OTP's rules add the ``erts_vsn_changed`` warning (and
  the pre-R15 sasl fix-up): a Python release that changes interpreter does so on
  purpose, and ``--warnings-as-errors`` must not refuse it.
* Relup entries come out in the reverse of the order the bases were given.
* Warnings are collected in processing order and returned newest first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from relup.plan import instructions as ins
from relup.plan import reasons as r
from relup.plan.reasons import PlanError
from relup.plan.release import Release, ReleaseSource
from relup.plan.script import prepare
from relup.plan.translate import Mode, translate
from relup.spec.relup_file import RelupEntry, RelupFile
from relup.spec.versions import VersionPatternError
from relup.terms import Atom, Term


@dataclass(frozen=True, slots=True)
class Base:
    """A base release to upgrade from or downgrade to, with its description."""

    ref: str
    description: Term = field(default_factory=list)


@dataclass(frozen=True)
class PlannedEntry:
    """One relup entry with its typed instructions, for summaries and the handler."""

    direction: str  # "up" or "down"
    release: Release
    description: Term
    instructions: tuple[ins.Instruction, ...]


@dataclass(frozen=True)
class Plan:
    """What the generator returns: the relup, its entries typed, and the warnings."""

    top: Release
    up: tuple[PlannedEntry, ...]
    down: tuple[PlannedEntry, ...]
    warnings: tuple[r.PlanWarning, ...] = field(default=())

    @property
    def relup(self) -> RelupFile:
        def entry(e: PlannedEntry) -> RelupEntry:
            return RelupEntry(
                e.release.vsn, e.description, tuple(i.to_term() for i in e.instructions)
            )

        return RelupFile(self.top.vsn, tuple(map(entry, self.up)), tuple(map(entry, self.down)))


def _sasl_vsn(release: Release) -> str | None:
    app = release.app("sasl")
    return app.vsn if app else None


def _check_sasl(source: ReleaseSource, release: Release) -> None:
    if source.otp_rules and release.app("sasl") is None:
        raise PlanError(r.MissingSasl(release.name, release.vsn))


def _appup_scripts(
    source: ReleaseSource,
    direction: str,
    top: Release,
    base: Release,
    warnings: list[r.PlanWarning],
) -> list[Term]:
    scripts: list[Term] = []
    for app in top.apps:
        old = base.app(app.name)
        if old is None or old.vsn == app.vsn:
            continue
        appup = source.read_appup(app)
        path = appup.path or app.directory
        if not (isinstance(appup.vsn, str) and appup.vsn == app.vsn):
            warnings.append(r.BadVsn(appup.vsn, app.vsn, path))
        try:
            script = appup.script(direction, old.vsn)
        except VersionPatternError as exc:
            raise PlanError(r.BadVersionPattern(path, str(exc))) from None
        if script is None:
            raise PlanError(r.NoRelup(path, app.name, app.vsn, old.vsn, direction))
        scripts.append(script)
    return scripts


def _entry(
    source: ReleaseSource,
    mode: Mode,
    top: Release,
    base: Release,
    *,
    restart_emulator: bool,
    warnings: list[r.PlanWarning],
    tie_rank: Mapping[str, int] | None,
) -> list[ins.Instruction]:
    """The low-level script between `top` and `base` in direction `mode`."""
    target, origin = (top, base) if mode == "up" else (base, top)
    scripts = _appup_scripts(source, "up" if mode == "up" else "down", top, base, warnings)
    added: list[Term] = [
        [(Atom("add_application"), Atom(a.name), Atom(a.type))]
        for a in target.in_rel_order()
        if origin.app(a.name) is None
    ]
    removed: list[Term] = [
        [(Atom("remove_application"), Atom(a.name))]
        for a in origin.in_rel_order()
        if target.app(a.name) is None
    ]
    all_scripts: list[Term] = [*added, *scripts, *removed]
    if top.runtime_vsn != base.runtime_vsn:
        all_scripts.insert(0, [Atom("restart_new_emulator")])
        if source.otp_rules:
            warnings.append(
                r.ErtsVsnChanged((top.name, top.runtime_vsn), (base.name, base.runtime_vsn))
            )
    if restart_emulator:
        all_scripts.append([Atom("restart_emulator")])
    before, after = prepare(all_scripts)
    result = translate(mode, before, after, target.apps, origin.apps, tie_rank)
    if mode == "up" and source.otp_rules and result and result[0] == ins.RESTART_NEW_EMULATOR:
        sasl = _sasl_vsn(base)
        if sasl is not None and sasl < "2.2":
            rest = list(result[1:])
            if ins.RESTART_EMULATOR in rest:
                rest.remove(ins.RESTART_EMULATOR)
            result = [*rest, ins.RESTART_NEW_EMULATOR]
            warnings.append(r.PreR15EmulatorUpgrade())
    return result


def make_relup(
    source: ReleaseSource,
    top_ref: str,
    up_from: Sequence[Base],
    down_to: Sequence[Base],
    *,
    restart_emulator: bool = False,
    warnings_as_errors: bool = False,
    tie_rank: Mapping[str, int] | None = None,
) -> Plan:
    """Generate the relup for `top_ref` from and to the given base releases.

    `tie_rank` replaces the documented tie rule among modules that DepMods leave
    unordered (see :mod:`relup.plan.translate`); it exists for conformance tests.
    """
    top = source.read_release(top_ref)
    _check_sasl(source, top)
    warnings: list[r.PlanWarning] = []
    entries: dict[str, list[PlannedEntry]] = {"up": [], "down": []}
    for direction, mode, bases in (("up", "up", up_from), ("down", "dn", down_to)):
        for b in bases:
            base = source.read_release(b.ref)
            _check_sasl(source, base)
            try:
                script = _entry(
                    source, mode, top, base,  # type: ignore[arg-type]
                    restart_emulator=restart_emulator, warnings=warnings, tie_rank=tie_rank,
                )  # fmt: skip
            except PlanError as exc:
                if exc.context or exc.reason.located:
                    raise
                arrow = "from" if direction == "up" else "to"
                context = f"{direction}grading {top.vsn} {arrow} {base.vsn}"
                raise PlanError(exc.reason, context=context) from None
            entries[direction].insert(
                0, PlannedEntry(direction, base, b.description, tuple(script))
            )
    newest_first = tuple(reversed(warnings))
    if warnings_as_errors and newest_first:
        raise PlanError(r.WarningsTreatedAsErrors(newest_first))
    return Plan(top, tuple(entries["up"]), tuple(entries["down"]), newest_first)
