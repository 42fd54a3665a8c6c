"""``relup install``: move the running node to another release, showing each phase.

Strategy: the command first asks the node to ``check`` the install (OTP's
``check_install_release``: a relup leads there and the first part of its script,
loading the new code, evaluates), which also says whether it goes up or down. Then
``install`` runs on one connection, from a worker thread, while the main thread
polls ``install_progress`` on a second connection every :data:`POLL_INTERVAL` and
redraws the phases with rich's ``Live``. The install's own answer carries every
phase, so the final picture never depends on what the polls caught (an install
without waits runs in a few milliseconds, between two polls).

``relup downgrade`` (:mod:`relup.cli.downgrade`) is the same command, refused
unless the node's check says the install goes down.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from rich.console import Console
from rich.live import Live

from relup.cli import exit_codes, remote
from relup.cli.diagnostics import stderr
from relup.cli.render import InstallProgress, install_plan, install_summary
from relup.control.client import Client
from relup.control.errors import ControlError, ControlTimeout

#: Seconds between two ``install_progress`` polls, and the bound on each.
POLL_INTERVAL: Final = 0.1
POLL_TIMEOUT: Final = 2.0
#: Seconds an install may take before the command stops waiting (the node goes on).
DEFAULT_INSTALL_TIMEOUT: Final = 300.0

VsnArgument = Annotated[
    str,
    typer.Argument(
        metavar="VSN",
        help="The release version to install: unpacked (relup unpack) or old.",
        show_default=False,
    ),
]
PermanentOption = Annotated[
    bool,
    typer.Option(
        "--permanent",
        help="Make the release permanent once installed (what relup permanent does).",
    ),
]
DryRunOption = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        help="Show the plan against the live node (modules, processes to suspend, the "
        "estimated pause, who a purge would kill) and change nothing.",
    ),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Install even though modules loaded by hand (relup load) are running.",
    ),
]
SuspendTimeoutOption = Annotated[
    float | None,
    typer.Option(
        "--suspend-timeout",
        metavar="S",
        min=0.0,
        help="Seconds each process may take to reach a message boundary when "
        "suspended (default: the relup's, else 5); past it the install rolls back.",
        show_default=False,
    ),
]
InstallTimeoutOption = Annotated[
    float,
    typer.Option(
        "--timeout",
        min=0.1,
        help="Seconds to wait for the node's answer (the install goes on if it is longer).",
    ),
]


@dataclass(frozen=True)
class InstallRequest:
    """What the operator asked for: ``relup install`` or ``relup downgrade`` and options."""

    vsn: str
    permanent: bool = False
    dry_run: bool = False
    force: bool = False
    suspend_timeout: float | None = None
    timeout: float = DEFAULT_INSTALL_TIMEOUT
    as_json: bool = False

    def args(self) -> dict[str, Any]:
        """The ``install`` op's arguments."""
        return {
            "vsn": self.vsn,
            "permanent": self.permanent,
            "suspend_timeout": self.suspend_timeout,
            "dry_run": self.dry_run,
            "force": self.force,
        }


def check_text(check: dict[str, Any]) -> str:
    """The ``check`` answer as one line: which relup leads there, and that its code loads."""
    direction, other = check.get("direction"), check.get("other")
    if direction == "down":
        where = f"the running release's relup leads down to {other}"
    else:
        where = f"the relup leads up from {other}"
    return f"{where}; the new code loads"


def run(root: Path, request: InstallRequest, *, only: str | None = None) -> None:
    """Check, then install (or plan) ``request.vsn`` on the node of ``root``.

    ``only`` ("down" for ``relup downgrade``) refuses an install going the other way
    before anything changes.
    """
    started = time.perf_counter()
    console = Console(highlight=False, soft_wrap=True)
    with remote.talking(as_json=request.as_json):
        check = remote.ask(root, "check", {"vsn": request.vsn}, timeout=request.timeout)
        check_seconds = time.perf_counter() - started
        direction = str(check.get("direction"))
        if only is not None and direction != only:
            raise remote.Refused(
                f"relup downgrade only goes down, and the node would go {direction} to "
                f"{request.vsn} ({direction} from {check.get('other')})",
                kind="not-a-downgrade",
                hint=f"relup install {request.vsn} installs it",
            )
        try:
            if request.dry_run or request.as_json:
                result = remote.ask(root, "install", request.args(), timeout=request.timeout)
            else:
                view = InstallProgress(
                    f"installing {request.vsn} ({direction}"
                    + (f" from {check.get('other')})" if direction == "up" else ")"),
                    check=check_text(check),
                    check_seconds=check_seconds,
                )
                result = install_live(root, request, view, console)
        except ControlTimeout:
            raise ControlTimeout(
                f"the node did not answer the install of {request.vsn} within "
                f"{request.timeout:g} s",
                hint=f"the node goes on with it: relup releases --root {root} shows when "
                "it is done; a longer --timeout waits for it",
            ) from None
    if request.as_json:
        remote.print_json(result)  # the plan, with --dry-run
    elif request.dry_run:
        console.print(install_plan(result, check=check_text(check)))
    else:
        console.print(install_summary(result, total=time.perf_counter() - started))


class _Poller:
    """``install_progress`` on a connection of its own; gives up quietly if it fails."""

    def __init__(self, root: Path) -> None:
        self.client: Client | None = remote.connect(root, POLL_TIMEOUT)

    def phases(self, vsn: str, *, finished: bool = False) -> list[dict[str, Any]] | None:
        """The phases of the install of ``vsn`` reported so far (None: nothing to show).

        While an install runs the node names it; once it is over (``finished``) the
        node names none but still holds its phases.
        """
        if self.client is None:
            return None
        try:
            answer = remote.answer_object(
                "install_progress", self.client.request("install_progress")
            )
        except ControlError:
            self.close()  # progress is a nicety: the install's answer still comes
            return None
        if answer.get("vsn") != vsn and not (finished and answer.get("vsn") is None):
            return None
        phases = answer.get("phases")
        return phases if isinstance(phases, list) else None

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None


def install_live(
    root: Path, request: InstallRequest, view: InstallProgress, console: Console
) -> dict[str, Any]:
    """Send ``install`` from a worker thread and draw its phases until it answers."""
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["answer"] = remote.ask(root, "install", request.args(), timeout=request.timeout)
        except BaseException as e:  # re-raised in the main thread below
            outcome["error"] = e

    worker = threading.Thread(target=work, name="relup-install", daemon=True)
    poller = _Poller(root)
    # Redraw in place on a terminal; elsewhere (a pipe, a CI log) print the final picture.
    live = Live(view, console=console, refresh_per_second=12.5) if console.is_terminal else None
    seen = False  # whether a poll caught this install running (its phases, not an older one's)
    try:
        with live if live is not None else contextlib.nullcontext():
            worker.start()
            while True:
                worker.join(POLL_INTERVAL)
                if not worker.is_alive():
                    break
                phases = poller.phases(request.vsn)
                if phases is not None:
                    seen = True
                    view.update(phases)
            if "error" in outcome:
                phases = poller.phases(request.vsn, finished=True) if seen else None
                if phases is not None:
                    view.update(phases)
                timed_out = isinstance(outcome["error"], ControlTimeout)
                view.fail("no answer in time; the node goes on with it" if timed_out else "")
            else:
                view.finish(outcome["answer"].get("phases") or [])
        if live is None:
            console.print(view)
    except KeyboardInterrupt:
        stderr.print(
            f"interrupted: the node goes on with the install of {request.vsn}; "
            f"relup releases --root {root} shows where it got to"
        )
        raise typer.Exit(exit_codes.FAILED) from None
    finally:
        poller.close()
    if "error" in outcome:
        raise outcome["error"]
    answer: dict[str, Any] = outcome["answer"]
    return answer


def install(
    vsn: VsnArgument,
    root: remote.RootOption = None,
    permanent: PermanentOption = False,
    dry_run: DryRunOption = False,
    force: ForceOption = False,
    suspend_timeout: SuspendTimeoutOption = None,
    as_json: remote.JsonOption = False,
    timeout: InstallTimeoutOption = DEFAULT_INSTALL_TIMEOUT,
) -> None:
    """Install release VSN on the running node, up or down, as one transaction.

    The node checks the install first (a relup leads from the running release
    to VSN; the new code loads), then runs the relup, showing each phase:
    load object code, suspend the processes whose code changes, load,
    code_change (their state migrated), resume, purge. Any failure rolls
    everything back and the node runs the release it ran before. A summary
    follows: processes upgraded, the longest suspension, the total time.

    The install is not permanent: a restart of the node boots the permanent
    release again, until relup permanent VSN (or --permanent).

    Exit status: 0 installed (or planned, with --dry-run), 1 refused or rolled
    back (no relup leads there, hand-loaded code, a code_change failed, ...),
    2 usage, 3 no node runs at the root, 4 the node did not answer in time.

    Example: relup install 2.0.0 --root /srv/shop --dry-run
    """
    root = remote.need_root(root)
    run(
        root,
        InstallRequest(
            vsn=vsn,
            permanent=permanent,
            dry_run=dry_run,
            force=force,
            suspend_timeout=suspend_timeout,
            timeout=timeout,
            as_json=as_json,
        ),
    )
