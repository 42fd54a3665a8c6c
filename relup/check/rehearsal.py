"""Check (c), the rehearsal: the extension point, and the design it is waiting for.

Checks (a) and (b) read files; only running the upgrade shows that ``code_change``
works, that no request is lost while processes are suspended, and that a downgrade
gives back the state it started from. The rehearsal needs the node service
(``relup.service``, ``relup.control``), which is being built separately, so it is
not implemented yet. :func:`relup.check.run.run_check` takes any
:class:`Rehearsal`; :func:`default_rehearsal` says which one ``relup check`` uses,
today :class:`NotBuilt`, which is never available.

How the exit status stays honest: by default (``--rehearse`` not given) a rehearsal
that cannot run is reported as **skipped**, with its reason, in the text, JSON and
JUnit output (``<skipped>``), and does not fail the run; exit status 0 then means
"checks (a) and (b) passed". With ``--rehearse`` a rehearsal that cannot run is a
failure (``rehearsal-unavailable``), so a pipeline that requires it cannot pass
without it.

Design for the implementation (what :meth:`Rehearsal.run` should do)::

    1. In a temporary directory: copy NEW's release and lib directories, write the
       relup of check (b) (``plan.relup.to_text()``) to ``releases/<new>/relup``,
       and pack OLD and NEW with ``relup.release.package.pack``.
    2. ``relup init`` a throwaway root with OLD's package and start a node on it
       (``relup.service.start``), on free ports only.
    3. Start traffic: the release names an exercise function (proposed key
       ``[release] exercise = "module:function"`` in release.toml -- a change to
       relup/spec/toml_release.py, not made here), run in a client task that keeps
       calling it, counting requests and failures, for the whole rehearsal.
    4. Snapshot the state of every process (``sys.get_state`` through the control
       channel; needs a ``states`` request in relup.control, not there yet).
    5. Unpack NEW; install NEW (traffic keeps flowing); install OLD (the downgrade);
       pause traffic and compare states with the snapshot; install NEW again.
    6. Stop the node; findings, one per problem, with these codes (to be added to
       relup.check.findings.CODES): ``rehearsal-install-failed`` (a step failed:
       the release handler's reason, e.g. a code_change that raised),
       ``rehearsal-request-failed`` (a request failed or got no answer during a
       step), ``rehearsal-state-differs`` (a process's state after up-and-down is
       not its state before: the process, both states), ``rehearsal-node-failed``
       (the node did not start or died).

The throwaway node must leave nothing running, even when the check is interrupted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from relup.check.findings import Finding
from relup.check.inputs import OpenedRelease
from relup.plan import Plan


class Rehearsal(Protocol):
    """Check (c): upgrade, downgrade and upgrade a throwaway node running OLD, under traffic."""

    def unavailable(self) -> str | None:
        """None when the rehearsal can run here; otherwise why not, for the report."""
        ...

    def run(self, old: OpenedRelease, new: OpenedRelease, plan: Plan) -> Sequence[Finding]:
        """Rehearse OLD -> NEW -> OLD -> NEW with `plan` (check (b)'s relup); the findings."""
        ...


class NotBuilt:
    """The rehearsal until it exists: never available, and says so."""

    REASON = (
        "the rehearsal on a throwaway node is not built yet (it needs the node service); "
        "checks (a) and (b) ran"
    )

    def unavailable(self) -> str | None:
        return self.REASON

    def run(self, old: OpenedRelease, new: OpenedRelease, plan: Plan) -> Sequence[Finding]:
        raise NotImplementedError(self.REASON)


def default_rehearsal() -> Rehearsal:
    """The rehearsal ``relup check`` uses. Replace NotBuilt here once it exists."""
    return NotBuilt()
