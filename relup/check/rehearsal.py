"""Check (c), the rehearsal: upgrade and downgrade a throwaway node under traffic.

Checks (a) and (b) read files; only running the upgrade shows that ``code_change``
works, that no request is lost while processes are suspended, and that a downgrade
gives back the state it started from. :func:`relup.check.run.run_check` takes any
:class:`Rehearsal`; :func:`default_rehearsal` is :class:`NodeRehearsal`, which runs
the node as an OS process (:mod:`relup.service`) and drives it over its control
channel (:mod:`relup.control`). No release code runs in the checking process.

What :meth:`NodeRehearsal.run` does, each step timed for the report:

1. In a temporary directory: OLD's package as is (or packed from its tree), and
   NEW packed from a copy of its tree with check (b)'s relup as
   ``releases/<new>/relup`` (:mod:`relup.check.throwaway`).
2. A throwaway root on OLD (``relup init``) and a node on it (``relup node start``);
   NEW is unpacked into it.
3. The release's exercise function (``[release] exercise = "module:function"`` in
   release.toml, run by the node's ``exercise`` operation) is called a few times:
   one round of traffic each.
4. Traffic paused, the state of every supervised gen_server is read (the ``states``
   operation): S0. NEW is installed, then OLD (the downgrade), and the states are
   read again: S1. A process whose state differs, or that is gone, or new, is a
   ``rehearsal-state-differs`` finding (children of ``simple_one_for_one``
   supervisors come and go with the traffic: only those in both are compared).
5. A driver thread calls ``exercise`` in a loop, on its own connection, while NEW
   is installed, OLD again, and NEW once more. Every failed call counts.
6. The node is stopped (killed if it does not stop) and the directory removed,
   whatever happened.

Findings: ``rehearsal-install-failed`` (an install failed and was rolled back: the
node's message, and for a ``code_change`` that raised, the module and what its
``code_change`` receives), ``rehearsal-request-failed`` (calls of the exercise
function that failed: how many, and the first error), ``rehearsal-state-differs``
(the process, both states), ``rehearsal-node-failed`` (the node did not start or
stopped answering: the end of its log), and the warning ``rehearsal-no-traffic``
(a release names no exercise function: the installs ran without traffic). The
first failed install ends the rehearsal: the steps after it would rehearse
something else.

Every request is bounded in time; so is the boot and the stop. How the exit status
stays honest when no rehearsal runs (``--rehearse``, skipped): docs/ci.md.
"""

from __future__ import annotations

import contextlib
import re
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, Protocol

from relup.check.diff import module_path
from relup.check.findings import Finding, Step
from relup.check.inputs import OpenedRelease
from relup.check.throwaway import Packages, ThrowawayNode, log_tail, make_packages, release_dir
from relup.control.client import Client
from relup.control.errors import ControlError, RemoteError
from relup.errors import RelupError
from relup.plan import Plan
from relup.plan.release import Application
from relup.spec.toml_release import RELEASE_FILE, ReleaseManifest

#: Seconds the node has to boot OLD.
START_WAIT: Final = 15.0
#: Seconds for a request other than an install or an exercise (unpack, states).
REQUEST_TIMEOUT: Final = 10.0
#: Seconds one install may take.
INSTALL_TIMEOUT: Final = 30.0
#: Seconds one run of the exercise function may take.
EXERCISE_TIMEOUT: Final = 5.0
#: Runs of the exercise function on OLD before the states are first read.
WARM_UP_ROUNDS: Final = 3
#: Seconds of traffic before the first install under traffic, and after each.
SETTLE: Final = 0.2
#: Pause between two calls of the exercise function by the driver.
_PACE: Final = 0.005
#: Longest state text a finding quotes whole; longer ones are cut around the difference.
_SHOWN: Final = 240

_CODE_CHANGE = re.compile(r"code_change of <[0-9.]+> for (\w+) failed")


@dataclass(frozen=True, slots=True)
class Rehearsed:
    """What a rehearsal found, and the steps it timed."""

    findings: tuple[Finding, ...] = ()
    steps: tuple[Step, ...] = ()


class Rehearsal(Protocol):
    """Check (c): upgrade, downgrade and upgrade a throwaway node running OLD, under traffic."""

    def unavailable(self) -> str | None:
        """None when the rehearsal can run here; otherwise why not, for the report."""
        ...

    def run(self, old: OpenedRelease, new: OpenedRelease, plan: Plan) -> Rehearsed:
        """Rehearse OLD -> NEW -> OLD -> NEW with `plan` (check (b)'s relup)."""
        ...


class NodeRehearsal:
    """The rehearsal on a throwaway node (see the module docstring)."""

    def unavailable(self) -> str | None:
        if not hasattr(socket, "AF_UNIX"):
            return "the throwaway node needs Unix domain sockets, which this platform lacks"
        return None

    def run(self, old: OpenedRelease, new: OpenedRelease, plan: Plan) -> Rehearsed:
        session = _Session(_Side.of("OLD", old), _Side.of("NEW", new), plan)
        session.run()
        return Rehearsed(tuple(session.findings), tuple(session.steps))


def default_rehearsal() -> Rehearsal:
    """The rehearsal ``relup check`` uses."""
    return NodeRehearsal()


# ----------------------------------------------------------------------- the session
@dataclass(frozen=True)
class _Side:
    """OLD or NEW: the opened release and its manifest."""

    label: str
    opened: OpenedRelease
    manifest: ReleaseManifest

    @classmethod
    def of(cls, label: str, opened: OpenedRelease) -> _Side:
        return cls(label, opened, ReleaseManifest.read(release_dir(opened) / RELEASE_FILE))

    @property
    def vsn(self) -> str:
        return self.manifest.vsn

    def describe(self) -> str:
        return f"{self.label} ({self.manifest.name} {self.vsn})"


class _NodeGone(Exception):
    """The node stopped answering, or refused what it must do; the rehearsal cannot go on."""

    def __init__(self, during: str, error: ControlError) -> None:
        super().__init__(f"{during}: {error}")
        self.during = during
        self.error = error


class _Session:
    def __init__(self, old: _Side, new: _Side, plan: Plan) -> None:
        self.old = old
        self.new = new
        self.plan = plan
        self.findings: list[Finding] = []
        self.steps: list[Step] = []
        self.node: ThrowawayNode | None = None
        self.traffic: _Traffic | None = None

    # ------------------------------------------------------------- bookkeeping
    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[list[str]]:
        """Time the block as a step; the block may append its detail to the list."""
        detail: list[str] = []
        started = time.perf_counter()
        try:
            yield detail
        finally:
            self.steps.append(Step(name, time.perf_counter() - started, "; ".join(detail)))

    def find(self, code: str, message: str, **where: Any) -> None:
        self.findings.append(Finding(code, message, **where))

    def request(self, op: str, args: dict[str, Any], timeout: float, during: str) -> Any:
        """The op's result; RemoteError is the caller's, any other failure ends the session."""
        assert self.node is not None
        try:
            return self.node.client.request(op, args, timeout=timeout)
        except RemoteError:
            raise
        except ControlError as e:
            raise _NodeGone(during, e) from None

    # -------------------------------------------------------------------- run
    def run(self) -> None:
        with tempfile.TemporaryDirectory(
            prefix="relup-rehearsal-", ignore_cleanup_errors=True
        ) as tmp:
            work = Path(tmp)
            try:
                with self.step("pack OLD, and NEW with the generated relup"):
                    packages = make_packages(
                        self.old.opened, self.new.opened, self.plan.relup.to_text(), work
                    )
            except (RelupError, OSError) as e:
                self.find(
                    "rehearsal-node-failed",
                    f"cannot make the packages for the throwaway node: {e}",
                )
                return
            root = work / "root"
            try:
                with self.step(f"boot a throwaway node on {self.old.describe()}"):
                    self.node = ThrowawayNode.start(
                        packages.old, root, wait=START_WAIT, timeout=REQUEST_TIMEOUT
                    )
            except RelupError as e:
                self.find(
                    "rehearsal-node-failed",
                    f"the throwaway node did not start on {self.old.describe()}: {e}. Fix "
                    "what it says; relup init and relup node start on OLD's package show "
                    "the same",
                )
                return
            # Each of these runs however the rehearsal ends, even if one before it fails:
            # no new call, then the node stopped (a call in flight ends), then the driver.
            with contextlib.ExitStack() as cleanup:
                cleanup.callback(self.finish_traffic)
                cleanup.callback(self.stop_node)
                cleanup.callback(self.halt_traffic)
                try:
                    self.rehearse(packages)
                except _NodeGone as e:
                    self.find(
                        "rehearsal-node-failed",
                        f"the throwaway node failed ({e.during}): {e.error}. "
                        + _log_hint(log_tail(root)),
                    )

    def halt_traffic(self) -> None:
        if self.traffic is not None:
            self.traffic.halt()

    def stop_node(self) -> None:
        if self.node is not None:
            with self.step("stop the node"):
                self.node.stop()

    def finish_traffic(self) -> None:
        if self.traffic is not None:
            self.traffic.finish()

    def rehearse(self, packages: Packages) -> None:
        assert self.node is not None
        old, new = self.old, self.new
        with self.step(f"unpack {new.describe()}"):
            try:
                self.request(
                    "unpack", {"package": str(packages.new.resolve())}, REQUEST_TIMEOUT, "unpack"
                )
            except RemoteError as e:
                self.install_failed(f"unpacking {new.vsn}", new, e, rolled_back=False)
                return
        self.warn_without_exercise()
        with self.step(f"traffic on {old.describe()}") as detail:
            warmed_up = self.warm_up(detail)
        before = self.states("read the states before the upgrade")
        if not self.install(new, "no traffic") or not self.install(old, "no traffic"):
            return
        after = self.states("read the states after the upgrade and the downgrade")
        with self.step("compare the states") as detail:
            differences = self.compare(before, after)
            detail.append(
                f"{_count(len(before), 'gen_server', 'gen_servers')}, "
                f"{differences or 'none'} with another state"
            )
        if not warmed_up:
            when = "no traffic: the exercise function fails"
        elif old.manifest.exercise is None and new.manifest.exercise is None:
            when = "no traffic: no exercise function"
        else:
            when = "under traffic"
            self.traffic = _Traffic(self.node.root, "before the installs under traffic")
            self.traffic.start()
            time.sleep(SETTLE)
        for side, again in ((new, ""), (old, ""), (new, " again")):
            if not self.install(side, when, again):
                break
        if self.traffic is not None:
            self.traffic.finish()
            self.report_traffic(self.traffic)

    # -------------------------------------------------------------- traffic
    def warn_without_exercise(self) -> None:
        for side in (self.old, self.new):
            if side.manifest.exercise is None:
                path = Path(side.opened.ref) / RELEASE_FILE
                self.find(
                    "rehearsal-no-traffic",
                    f"{side.describe()} names no exercise function, so no traffic ran through "
                    f"the service while it was installed: only the installs and the states "
                    'were rehearsed. To drive traffic, add exercise = "module:function" to '
                    f"the [release] table of {path}: a function of one of the release's "
                    "modules that makes one round of requests and raises if a reply is wrong "
                    "(docs/release-format.md)",
                )

    def warm_up(self, detail: list[str]) -> bool:
        """Run the exercise function a few times on OLD; False, and a finding, if it fails."""
        if self.old.manifest.exercise is None:
            detail.append("no exercise function")
            return True
        for n in range(1, WARM_UP_ROUNDS + 1):
            try:
                self.request(
                    "exercise",
                    {"timeout": EXERCISE_TIMEOUT},
                    EXERCISE_TIMEOUT + REQUEST_TIMEOUT,
                    "the exercise function",
                )
            except RemoteError as e:
                self.find(
                    "rehearsal-request-failed",
                    f"the exercise function {self.old.manifest.exercise} failed on "
                    f"{self.old.describe()} before any install (call {n} of {WARM_UP_ROUNDS}): "
                    f"{e.remote_message}. Fix the exercise function, or what it found wrong "
                    "in OLD's service",
                )
                detail.append(f"call {n} failed")
                return False
        detail.append(f"{WARM_UP_ROUNDS} calls of {self.old.manifest.exercise}")
        return True

    def report_traffic(self, traffic: _Traffic) -> None:
        if not traffic.failures:
            return
        phase, first = traffic.failures[0]
        exercise = self.old.manifest.exercise or self.new.manifest.exercise
        self.find(
            "rehearsal-request-failed",
            f"{len(traffic.failures)} of {traffic.calls} calls of the exercise function "
            f"{exercise} failed while the node was upgraded and downgraded; the first, "
            f"{phase}: {first}. A call that fails during an install is a request a client "
            "would lose: look at what that install suspends and converts (the install "
            "steps below say when each failed)",
        )

    # -------------------------------------------------------------- installs
    def install(self, side: _Side, when: str, again: str = "") -> bool:
        """Install `side` (up to NEW, down to OLD); False, and a finding, if it failed."""
        direction = "up" if side is self.new else "down"
        name = f"install {side.vsn} ({direction}{again}, {when})"
        if self.traffic is not None:
            self.traffic.phase = f"during {name}"
        with self.step(name) as detail:
            try:
                result = self.request(
                    "install", {"vsn": side.vsn}, INSTALL_TIMEOUT, f"installing {side.vsn}"
                )
            except RemoteError as e:
                detail.append("failed and rolled back")
                move = "upgrade" if direction == "up" else "downgrade"
                self.install_failed(f"the {move} to {side.vsn}{again} ({when})", side, e)
                return False
            detail.append(_install_detail(result))
            if self.traffic is not None:
                time.sleep(SETTLE)
                detail.append(self.traffic.count(f"during {name}"))
        return True

    def install_failed(
        self, what: str, side: _Side, error: RemoteError, *, rolled_back: bool = True
    ) -> None:
        direction: Literal["up", "down"] = "up" if side is self.new else "down"
        said, _, hint = error.remote_message.partition("\nhint: ")
        message = said.strip() + (f" (hint: {hint.strip()})" if hint.strip() else "")
        found = _CODE_CHANGE.search(said)
        app = self.new_app(found[1]) if found else None
        advice = "Fix what the node's message names."
        if found and app is not None:
            module, path = found[1], module_path(app, found[1])
            if direction == "up":
                advice = (
                    f"Fix {module}.code_change in {path}: going up it is called as "
                    f"code_change(old_vsn, state, extra), with old_vsn the __vsn__ of OLD's "
                    f"{module} and the state OLD's {module} has, and must return "
                    '("ok", new_state) without raising.'
                )
            else:
                advice = (
                    f"Fix {module}.code_change in {path}: going down it is called as "
                    'code_change(("down", old_vsn), state, extra), with old_vsn the __vsn__ '
                    f"of OLD's {module} and the state NEW's {module} has, and must return "
                    '("ok", state) with the state in OLD\'s shape, without raising.'
                )
        self.find(
            "rehearsal-install-failed",
            f"{what} on the throwaway node failed"
            + (", and the node rolled it back" if rolled_back else "")
            + f"; the node says: {message}. {advice}",
            app=app.name if app is not None else None,
            module=found[1] if found else None,
            direction=direction,
        )

    def new_app(self, module: str | None) -> Application | None:
        """NEW's application that has `module`."""
        return next((a for a in self.plan.top.apps if module in a.modules), None)

    # ---------------------------------------------------------------- states
    def states(self, name: str) -> dict[str, dict[str, Any]]:
        with self.step(name):
            try:
                result = self.request("states", {}, REQUEST_TIMEOUT, name)
            except RemoteError as e:
                raise _NodeGone(name, e) from None
        states: dict[str, dict[str, Any]] = result["states"]
        return states

    def compare(self, before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> int:
        """A finding per process whose state differs; their number."""
        found = 0
        journey = f"the upgrade to {self.new.vsn} and the downgrade to {self.old.vsn}"
        for path in sorted(before.keys() | after.keys()):
            s0, s1 = before.get(path), after.get(path)
            if s0 is not None and s1 is not None:
                if s0["state"] == s1["state"]:
                    continue
                message = _differs(path, s0, s1, journey, self.old.vsn)
            elif s0 is not None and not s0["dynamic"]:
                message = (
                    f"{path} ({s0['module']}, {s0['pid']}) ran before {journey}, but not "
                    f"after: its state {_cut(s0['state'])} is lost. A downgrade must leave "
                    "OLD's processes running: check the down entry's supervisor and apply "
                    "instructions"
                )
            elif s1 is not None and not s1["dynamic"]:
                message = (
                    f"{path} ({s1['module']}, {s1['pid']}) runs after {journey}, but did not "
                    "before: the downgrade left a process that only NEW starts. The down "
                    "entry must stop it ({apply, {supervisor, terminate_child, ...}} and "
                    "delete_child)"
                )
            else:
                continue
            found += 1
            module = (s0 or s1 or {}).get("module")
            app = self.new_app(module)
            self.find(
                "rehearsal-state-differs",
                message,
                app=app.name if app is not None else None,
                module=module,
            )
        return found


def _differs(path: str, s0: dict[str, Any], s1: dict[str, Any], journey: str, old_vsn: str) -> str:
    module = s0["module"]
    before, after = _shown_pair(s0["state"], s1["state"])
    if s0["pid"] != s1["pid"]:
        return (
            f"{path} ({module}) was restarted during {journey} (pid {s0['pid']}, then "
            f"{s1['pid']}), so its state is lost: before {before}, after {after}. Find why "
            "it was restarted: a callback that crashed on the converted state, or a "
            "supervisor update that changed its child spec"
        )
    return (
        f"{path} ({module}, {s0['pid']}) does not have the state after {journey} that it "
        f"had before: before {before}, after {after}. Going down, NEW's {module}.code_change "
        f'gets ("down", old_vsn) and must give back the state in OLD\'s shape, undoing all '
        f"that its up conversion did. old_vsn is the __vsn__ that OLD's {module} sets; a "
        "module without __vsn__ gives an MD5 number, which a code_change matching on "
        f'"{old_vsn}" never sees'
    )


def _cut(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _shown_pair(a: str, b: str) -> tuple[str, str]:
    """Two long texts cut to a window around their first difference."""
    if len(a) <= _SHOWN and len(b) <= _SHOWN:
        return a, b
    same = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    start = max(0, same - _SHOWN // 3)

    def window(text: str) -> str:
        part = text[start : start + _SHOWN]
        return ("..." if start else "") + part + ("..." if start + _SHOWN < len(text) else "")

    return window(a), window(b)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _install_detail(result: dict[str, Any]) -> str:
    parts = [
        f"{result.get('duration', 0.0) * 1000:.1f} ms on the node",
        _count(result.get("upgraded", 0), "process", "processes") + " converted",
        f"{result.get('suspended', 0)} suspended "
        f"(longest {result.get('longest_suspension', 0.0) * 1000:.1f} ms)",
    ]
    killed = result.get("killed") or []
    if killed:
        parts.append(f"{len(killed)} killed (they ran replaced code)")
    return ", ".join(parts)


def _log_hint(tail: str) -> str:
    if not tail.strip():
        return "It left no log."
    return "The end of its log:\n" + tail


# ----------------------------------------------------------------------- traffic
class _Traffic(threading.Thread):
    """Calls ``exercise`` in a loop on its own connection, counting calls and failures."""

    def __init__(self, root: Path, phase: str) -> None:
        super().__init__(name="relup-rehearsal-traffic", daemon=True)
        self.root = root
        #: what the node is doing now (set by the session), to say when a call failed
        self.phase = phase
        self.calls = 0
        self.failures: list[tuple[str, str]] = []
        self._per_phase: dict[str, list[int]] = {}
        self._halt = threading.Event()

    def run(self) -> None:
        try:
            with Client.for_root(self.root, timeout=EXERCISE_TIMEOUT + REQUEST_TIMEOUT) as client:
                while not self._halt.is_set():
                    self._once(client)
                    self._halt.wait(_PACE)
        except Exception as e:  # the driver must not die silently
            self.failures.append((self.phase, f"the traffic driver failed: {e}"))

    def _once(self, client: Client) -> None:
        """One call, counted in the phase the node is in when it ends."""
        # A call that waited for an install to resume a process it needs ends during it.
        error: str | None = None
        try:
            ran = bool(client.request("exercise", {"timeout": EXERCISE_TIMEOUT}).get("ran"))
        except RemoteError as e:
            ran, error = True, e.remote_message
        except ControlError as e:
            ran, error = True, str(e)
            self._halt.wait(0.1)  # the node may be gone: do not spin
        if not ran:
            return
        phase = self.phase
        counts = self._per_phase.setdefault(phase, [0, 0])
        self.calls += 1
        counts[0] += 1
        if error is not None:
            counts[1] += 1
            self.failures.append((phase, error))

    def count(self, phase: str) -> str:
        calls, failed = self._per_phase.get(phase, [0, 0])
        return f"{_count(calls, 'exercise call', 'exercise calls')} meanwhile, {failed} failed"

    def halt(self) -> None:
        """Make no new call."""
        self._halt.set()

    def finish(self) -> None:
        """Stop calling and wait for the call in flight (bounded by its timeout)."""
        self._halt.set()
        if self.is_alive():
            self.join(EXERCISE_TIMEOUT + REQUEST_TIMEOUT + 1)
