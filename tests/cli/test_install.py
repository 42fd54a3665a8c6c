"""`relup install`: the check first, live progress, the summary, --dry-run and --json."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from relup.cli import exit_codes
from relup.cli.install import InstallRequest, install_live
from relup.cli.render import InstallProgress
from relup.control.errors import ControlTimeout
from tests.cli.fake_node import (
    INSTALLED,
    PHASES,
    PLAN,
    FakeNode,
    Refusal,
    fake_node,
    flat,
    run,
)

__all__ = ["fake_node"]


class TestInstall:
    def test_checks_then_installs(self, fake_node: FakeNode) -> None:
        """`check` goes first, then `install` with the defaults of every option."""
        code, _, err = run("install", "2.0.0")
        assert exit_codes.OK == code, err
        ops = [op for op in fake_node.ops() if op != "install_progress"]
        assert ["check", "install"] == ops
        assert {"vsn": "2.0.0"} == fake_node.args("check")
        assert {
            "vsn": "2.0.0",
            "permanent": False,
            "suspend_timeout": None,
            "dry_run": False,
            "force": False,
        } == fake_node.args("install")

    def test_options_are_sent(self, fake_node: FakeNode) -> None:
        """--permanent, --force and --suspend-timeout reach the node's install op."""
        code, _, _ = run("install", "2.0.0", "--permanent", "--force", "--suspend-timeout", "2.5")
        assert exit_codes.OK == code
        args = fake_node.args("install")
        assert (True, True, 2.5) == (args["permanent"], args["force"], args["suspend_timeout"])

    def test_shows_every_phase_then_the_summary(self, fake_node: FakeNode) -> None:
        """Each phase with what it did, then processes upgraded, longest suspension, time."""
        code, out, _ = run("install", "2.0.0")
        assert exit_codes.OK == code
        text = flat(out)
        for line in (
            "installing 2.0.0 (up from 1.0.0)",
            "✓ check the relup leads up from 1.0.0; the new code loads",
            "✓ load object code 2 modules: kv_conn, kv_store +9.2 ms",
            "✓ point of no return +9.3 ms",
            "✓ suspend 5 processes +9.4 ms",
            "✓ load 2 modules: kv_store, kv_conn +9.6 ms",
            "✓ code_change 5 processes migrated +9.7 ms",
            "✓ resume 5 processes +9.8 ms",
            "✓ purge killed 0 +9.9 ms",
            "installed 2.0.0: upgraded from 1.0.0 in 3.5 ms",
            "processes 5 upgraded by code_change, 5 suspended",
            "longest suspension 420 µs",
            "total time 3.5 ms on the node,",
            "killed none",
            "permanent no: until relup permanent 2.0.0, a restart of the node boots",
        ):
            assert line in text

    def test_phases_not_in_the_relup_are_marked_skipped(self, fake_node: FakeNode) -> None:
        """A relup without suspend or code_change (plain loads): those phases are skipped."""
        phases = [p for p in PHASES if p["phase"] not in ("suspend", "code_change", "resume")]
        fake_node.answers["install"] = {**INSTALLED, "phases": phases, "suspended": 0}
        code, out, _ = run("install", "2.0.0")
        assert exit_codes.OK == code
        assert "– suspend not in this relup" in flat(out)
        assert "– code_change not in this relup" in flat(out)

    def test_summary_of_a_permanent_install_with_casualties(self, fake_node: FakeNode) -> None:
        """Killed processes, old code left in use, config_change and permanence are shown."""
        fake_node.answers["install"] = {
            **INSTALLED,
            "killed": ["<0.7.0>"],
            "unpurged": {"kv_proto": "soft_purge"},
            "config_changed": ["kv"],
            "permanent": True,
        }
        code, out, _ = run("install", "2.0.0", "--permanent")
        assert exit_codes.OK == code
        text = flat(out)
        assert "killed <0.7.0>" in text
        assert "old code in use kv_proto (soft_purge)" in text
        assert "config_change kv" in text
        assert "permanent yes: a restart of the node boots 2.0.0" in text

    def test_json_prints_the_result_only(self, fake_node: FakeNode) -> None:
        """--json: stdout is exactly the node's install result, nothing else."""
        code, out, _ = run("install", "2.0.0", "--json")
        assert exit_codes.OK == code
        assert INSTALLED == json.loads(out)

    def test_refused_install(self, fake_node: FakeNode) -> None:
        """A refusal: exit 1, the node's message, the phase table says it failed."""
        fake_node.answers["install"] = Refusal(
            "HandLoadedCode",
            "modules loaded by hand are running: kv_store\nhint: load the release's "
            "versions back, or pass --force",
        )
        code, out, err = run("install", "2.0.0")
        assert exit_codes.FAILED == code
        assert "error: modules loaded by hand are running: kv_store" in err
        assert "hint: load the release's versions back, or pass --force" in err
        assert "✗ install refused, or failed before its first phase" in flat(out)

    def test_check_refusal_stops_before_install(self, fake_node: FakeNode) -> None:
        """If the check fails nothing is installed: exit 1 and no install request."""
        fake_node.answers["check"] = Refusal(
            "NoMatchingRelup",
            "no relup leads from 1.0.0 to 3.0.0\nhint: generate one",
        )
        code, _, err = run("install", "3.0.0")
        assert exit_codes.FAILED == code
        assert "error: no relup leads from 1.0.0 to 3.0.0" in err
        assert "install" not in fake_node.ops()

    def test_stale_progress_of_an_earlier_install_is_not_shown(self, fake_node: FakeNode) -> None:
        """Phases the node keeps from a previous install (vsn null) never show as this one's."""
        fake_node.answers["install_progress"] = {"vsn": None, "phases": PHASES}
        fake_node.answers["install"] = Refusal("AlreadyInstalled", "release 2.0.0 is running")
        code, out, _ = run("install", "2.0.0")
        assert exit_codes.FAILED == code
        assert "load object code" not in out

    def test_timeout_says_the_install_goes_on(self, fake_node: FakeNode) -> None:
        """No answer within --timeout: exit 4, and the hint says the node goes on with it."""

        def slow(args: dict[str, Any]) -> Any:
            raise ControlTimeout("the node did not answer in time")

        fake_node.answers["install"] = slow
        code, out, err = run("install", "2.0.0", "--timeout", "1")
        assert exit_codes.NO_ANSWER == code
        assert "the node did not answer the install of 2.0.0 within 1 s" in err
        assert "the node goes on with it" in flat(err)
        assert "✗ install no answer in time; the node goes on with it" in flat(out)


class TestLiveProgress:
    def _slow_install(self, fake_node: FakeNode, result: Any, polls: int = 3) -> None:
        """The install answers only after `polls` progress polls, which see it half-way."""
        polled = threading.Semaphore(0)

        def progress(args: dict[str, Any]) -> Any:
            polled.release()
            return {"vsn": "2.0.0", "phases": PHASES[:3]}

        def install(args: dict[str, Any]) -> Any:
            for _ in range(polls):
                assert polled.acquire(timeout=10), "the command never polled install_progress"
            return result

        fake_node.answers["install_progress"] = progress
        fake_node.answers["install"] = install

    def test_progress_is_polled_while_the_install_runs(self, fake_node: FakeNode) -> None:
        """install_progress is asked on a second connection until the install answers."""
        self._slow_install(fake_node, INSTALLED)
        code, out, _ = run("install", "2.0.0")
        assert exit_codes.OK == code
        assert 3 <= fake_node.ops().count("install_progress")
        assert "✓ purge killed 0" in flat(out)

    def test_live_display_on_a_terminal(self, fake_node: FakeNode, tmp_path: Path) -> None:
        """On a terminal the phases are redrawn in place: a half-way frame, then the last."""
        self._slow_install(fake_node, INSTALLED)
        out = io.StringIO()
        console = Console(file=out, force_terminal=True, width=100, color_system=None)
        view = InstallProgress("installing 2.0.0", check="ok", check_seconds=0.001)
        result = install_live(tmp_path, InstallRequest("2.0.0"), view, console)
        assert INSTALLED == result
        frames = out.getvalue()
        assert "suspend" in frames
        assert "· load " in frames  # a frame drawn half-way: load still pending
        assert "✓ purge" in frames

    def test_failure_shows_the_rollback(self, fake_node: FakeNode) -> None:
        """An install failing after its progress was seen: the rollback and the error show."""
        failed = [
            *PHASES[:3],
            {"phase": "rollback", "at": 0.0101, "detail": {"processes": 5}},
            {"phase": "failed", "at": 0.0102, "detail": {"error": "code_change crashed"}},
        ]
        polled = threading.Semaphore(0)
        answers: list[Any] = [{"vsn": "2.0.0", "phases": PHASES[:3]}] * 3

        def progress(args: dict[str, Any]) -> Any:
            polled.release()
            return answers.pop(0) if answers else {"vsn": None, "phases": failed}

        def install(args: dict[str, Any]) -> Any:
            for _ in range(3):
                assert polled.acquire(timeout=10)
            return Refusal("InstallError", "step 6 ({code_change,...}): code_change crashed")

        fake_node.answers["install_progress"] = progress
        fake_node.answers["install"] = install
        code, out, err = run("install", "2.0.0")
        assert exit_codes.FAILED == code
        text = flat(out)
        assert "✓ suspend 5 processes" in text
        assert "✗ load" in text
        assert "! rollback everything undone; 5 processes resumed" in text
        assert "! failed code_change crashed" in text
        assert "error: step 6 ({code_change,...}): code_change crashed" in err


class TestDryRun:
    def test_renders_the_plan(self, fake_node: FakeNode) -> None:
        """Modules, processes to suspend by pid and name, the pause, who a purge would kill."""
        code, out, _ = run("install", "2.0.0", "--dry-run")
        assert exit_codes.OK == code
        text = flat(out)
        for line in (
            "dry run: install 2.0.0 (up from 1.0.0); nothing was changed",
            "check passed: the relup leads up from 1.0.0; the new code loads",
            "modules loaded 2: kv_conn, kv_store",
            "processes suspended 2",
            "estimated pause 2.0 ms",
            "a purge would kill 1",
            "<0.3.0> kv_store kv_store",
            "<0.6.0> - kv_conn",
            "<0.9.0> ticker raw loop in kv_tick",
            '1 {load_object_code,{kv,"2.0.0",[kv_conn,kv_store]}}',
            "3 {suspend,[kv_conn,kv_store]}",
        ):
            assert line in text
        assert True is fake_node.args("install")["dry_run"]

    def test_json_prints_the_plan_only(self, fake_node: FakeNode) -> None:
        """--dry-run --json: stdout is exactly the node's plan."""
        code, out, _ = run("install", "2.0.0", "--dry-run", "--json")
        assert exit_codes.OK == code
        assert PLAN == json.loads(out)

    def test_nobody_to_kill(self, fake_node: FakeNode) -> None:
        """A plan without victims says so."""
        fake_node.answers["install"] = {**PLAN, "would_kill": [], "suspend": []}
        code, out, _ = run("install", "2.0.0", "--dry-run")
        assert exit_codes.OK == code
        assert "a purge would kill nobody" in flat(out)
        assert "processes suspended 0" in flat(out)


@pytest.mark.parametrize("command", ["install", "downgrade"])
def test_help_explains_the_phases_and_exit_statuses(command: str) -> None:
    """--help names the phases, the permanence rule and the exit statuses."""
    code, out, _ = run(command, "--help")
    assert exit_codes.OK == code
    text = flat(out)
    assert "Exit status: 0" in text
    assert "--dry-run" in text
    assert "--suspend-timeout" in text
