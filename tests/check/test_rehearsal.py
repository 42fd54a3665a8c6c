"""The rehearsal on a real throwaway node: good pairs pass, each kind of broken upgrade fails.

Every test here starts a node as an OS process (a temporary root; its control socket
is a Unix socket under it, and the sample services listen on 127.0.0.1) and checks
that it is gone afterwards.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from relup.check import rehearsal
from relup.check.findings import CheckResult
from relup.check.rehearsal import WARM_UP_ROUNDS
from relup.check.run import run_check
from relup.check.throwaway import ThrowawayNode
from relup.release.package import pack
from tests.check.pairs import DATA, KVSTORE, OLD, REHEARSAL_ONLY, copy_pair, module_of, new

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("throwaway_nodes")]


def rehearse(old: Path | str, new_release: Path | str) -> CheckResult:
    report = run_check(str(old), str(new_release), rehearse=True)
    return report.check("rehearsal")


def steps(result: CheckResult) -> list[str]:
    return [s.name for s in result.steps]


def test_good_pair_passes_under_traffic(throwaway_nodes: list[ThrowawayNode]) -> None:
    """Up, down and up again, with traffic flowing: no finding, every step timed."""
    result = rehearse(OLD, new())
    assert ("passed", ()) == (result.status, result.findings)
    assert [
        "pack OLD, and NEW with the generated relup",
        "boot a throwaway node on OLD (tally 1.0.0)",
        "unpack NEW (tally 2.0.0)",
        "traffic on OLD (tally 1.0.0)",
        "read the states before the upgrade",
        "install 2.0.0 (up, no traffic)",
        "install 1.0.0 (down, no traffic)",
        "read the states after the upgrade and the downgrade",
        "compare the states",
        "install 2.0.0 (up, under traffic)",
        "install 1.0.0 (down, under traffic)",
        "install 2.0.0 (up again, under traffic)",
        "stop the node",
    ] == steps(result)
    details = {s.name: s.detail for s in result.steps}
    assert (
        f"{WARM_UP_ROUNDS} calls of tally_app:exercise" == details["traffic on OLD (tally 1.0.0)"]
    )
    assert "1 gen_server, none with another state" == details["compare the states"]
    under = [d for name, d in details.items() if "under traffic" in name]
    calls = [re.search(r"; (\d+) exercise calls? meanwhile, 0 failed$", d) for d in under]
    assert all(c is not None and int(c[1]) > 0 for c in calls), under
    assert 1 == len(throwaway_nodes)


@pytest.mark.parametrize("variant", sorted(REHEARSAL_ONLY))
def test_rehearsal_only_variants_fail(variant: str) -> None:
    """What reading the sources cannot see, the rehearsal reports with its own code."""
    report = run_check(str(OLD), str(new(variant)))
    assert not report.passed
    assert [REHEARSAL_ONLY[variant]] == [f.code for f in report.findings]


def test_code_change_that_raises_names_the_module_and_the_fix() -> None:
    """The first install fails and rolls back; the finding names code_change and its file."""
    result = rehearse(OLD, new("code-change-raises"))
    (finding,) = result.findings
    assert ("rehearsal-install-failed", "tally", "tally_srv", "up") == (
        finding.code,
        finding.app,
        finding.module,
        finding.direction,
    )
    assert finding.message.startswith(
        "the upgrade to 2.0.0 (no traffic) on the throwaway node failed, and the node "
        "rolled it back; the node says: step "
    )
    assert "code_change of <0." in finding.message
    assert "for tally_srv failed: KeyError: 'calls'." in finding.message
    path = module_of(new("code-change-raises"), "tally_srv")
    assert f"Fix tally_srv.code_change in {path}: going up it is called as" in finding.message
    assert ["install 2.0.0 (up, no traffic)", "stop the node"] == steps(result)[-2:]


def test_down_code_change_that_keeps_the_new_state() -> None:
    """S0 and S1 differ for tally_srv: the finding shows both states and says what to fix."""
    result = rehearse(OLD, new("down-not-restored"))
    (finding,) = result.findings
    assert ("rehearsal-state-differs", "tally", "tally_srv") == (
        finding.code,
        finding.app,
        finding.module,
    )
    counted = f"count => {WARM_UP_ROUNDS}"
    assert re.match(
        r"tally_sup/tally_srv \(tally_srv, <0\.\d+\.0>\) does not have the state after the "
        r"upgrade to 2\.0\.0 and the downgrade to 1\.0\.0 that it had before: "
        rf"before #\{{{counted}\}}, after #\{{calls => 0,{counted}\}}\. Going down, NEW's "
        r"tally_srv\.code_change gets \(\"down\", old_vsn\) and must give back the state",
        finding.message,
    ), finding.message


def test_without_exercise_function_installs_run_and_a_warning_says_so(tmp_path: Path) -> None:
    """No exercise key: the installs and states are rehearsed, with one warning per release."""
    old, top = copy_pair(tmp_path)
    for release in (old, top):
        toml = release / "release.toml"
        toml.write_text(toml.read_text().replace('exercise = "tally_app:exercise"\n', ""))
    result = rehearse(old, top)
    assert ("passed", ["rehearsal-no-traffic"] * 2) == (
        result.status,
        [f.code for f in result.findings],
    )
    assert "OLD (tally 1.0.0) names no exercise function" in result.findings[0].message
    assert f"the [release] table of {old / 'release.toml'}" in result.findings[0].message
    assert "install 2.0.0 (up again, no traffic: no exercise function)" in steps(result)


def test_requests_failing_during_the_installs(tmp_path: Path) -> None:
    """NEW answers in a shape the exercise refuses: the failed calls are counted, first shown."""
    old, top = copy_pair(tmp_path)
    fmt = module_of(top, "tally_fmt")
    fmt.write_text(fmt.read_text().replace('f"tally = {count}"', 'f"count = {count}"'))
    result = rehearse(old, top)
    (finding,) = result.findings
    assert "rehearsal-request-failed" == finding.code
    assert re.match(
        r"\d+ of \d+ calls of the exercise function tally_app:exercise failed while the node "
        r"was upgraded and downgraded; the first, during install 2\.0\.0 \(up, under "
        r"traffic\): the exercise function tally_app:exercise raised RuntimeError: "
        r"tally_srv answered 'count = \d+' to add\.",
        finding.message,
    ), finding.message


def test_node_that_does_not_boot(tmp_path: Path) -> None:
    """OLD's start module raises: rehearsal-node-failed, with what the node logged."""
    old, top = copy_pair(tmp_path)
    app = module_of(old, "tally_app")
    start = "async def start(start_type, start_args):\n"
    raising = start + "    raise RuntimeError('no tally today')\n"
    app.write_text(app.read_text().replace(start, raising))
    result = rehearse(old, top)
    (finding,) = result.findings
    assert "rehearsal-node-failed" == finding.code
    assert finding.message.startswith("the throwaway node did not start on OLD (tally 1.0.0): ")
    assert "no tally today" in finding.message


def test_node_is_stopped_whatever_breaks(
    monkeypatch: pytest.MonkeyPatch, throwaway_nodes: list[ThrowawayNode]
) -> None:
    """An error in the middle of the rehearsal propagates, and the node is stopped anyway."""

    def broken(self: object, packages: object) -> None:
        raise RuntimeError("a bug in the rehearsal")

    monkeypatch.setattr(rehearsal._Session, "rehearse", broken)
    with pytest.raises(RuntimeError, match="a bug in the rehearsal"):
        rehearse(OLD, new())
    assert 1 == len(throwaway_nodes)


def test_packages(tmp_path: Path) -> None:
    """OLD and NEW given as packages rehearse the same way."""
    old_pkg = pack(DATA / "old", "1.0.0", tmp_path)
    new_pkg = pack(DATA / "down-not-restored", "2.0.0", tmp_path)
    result = rehearse(old_pkg, new_pkg)
    assert ["rehearsal-state-differs"] == [f.code for f in result.findings]


@pytest.mark.parametrize(("old", "top"), [("1.0.0", "2.0.0"), ("2.0.0", "3.0.0")])
def test_kvstore_steps_pass(old: str, top: str) -> None:
    """Each sample step rehearses cleanly: TCP traffic through every install, states restored."""
    releases = KVSTORE / "releases"
    report = run_check(str(releases / old), str(releases / top), rehearse=True)
    result = report.check("rehearsal")
    assert (True, "passed", ()) == (report.passed, result.status, result.findings)
    details = {s.name: s.detail for s in result.steps}
    assert details["compare the states"].endswith(" gen_servers, none with another state")


def test_copy_pair_is_untouched_by_the_rehearsal(tmp_path: Path) -> None:
    """The rehearsal writes nothing into the trees it checks (no relup, no bytecode)."""
    old, top = copy_pair(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert "passed" == rehearse(old, top).status
    assert before == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
