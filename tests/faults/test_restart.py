"""A relup ending with ``restart_emulator`` on a real node: re-execution into the new release once.

The release tree is ``tests/release/kvapp.py``'s with ``restart_emulator=True``: the
generated relup 1 → 2 ends with ``restart_emulator``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from relup.control import ControlError
from relup.release.handler import BOOT_ONCE
from tests.faults.live import TIMEOUT, Kv, Live, vsn_of

pytestmark = pytest.mark.slow


def _status_after_reexec(live: Live) -> dict[str, object]:
    """The node's status once it has re-executed (connections during the exec may be cut)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            status = live.request("status")
            if status["restarts"] >= 1 and "releases" in status["ops"]:
                return status
        except ControlError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("the node did not come back after re-executing")
        time.sleep(0.02)


def test_restart_emulator_reexecutes_into_the_new_release_once(live: Live, tmp_path: Path) -> None:
    """install returns; same pid re-executes and runs 2 as current; a stop/start boots 1 again."""
    kv = Kv.build(tmp_path, restart_emulator=True)
    kv.init(live.root)
    assert "restart_emulator]" in (kv.tree / "releases" / "2" / "relup").read_text()
    pid = live.start()["pid"]
    live.request("unpack", {"package": str(kv.package("2"))})

    report = live.request("install", {"vsn": "2"})

    assert ("2", "1") == (report["vsn"], report["previous"])
    status = _status_after_reexec(live)
    assert (pid, 1) == (status["pid"], status["restarts"])
    assert ({"2": "current", "1": "permanent"}, "2") == live.releases()
    assert {"2"} == {vsn_of(r) for r in live.replies().values()}
    assert not (live.root / "releases" / BOOT_ONCE).exists()
    assert "restarting the node into release 2" in live.layout.log_file.read_text()
    live.stop()
    live.start()
    assert ({"2": "unpacked", "1": "permanent"}, "1") == live.releases()
    assert {"1"} == {vsn_of(r) for r in live.replies().values()}
    live.stop()
