"""``relup node start --watch`` on a real node: edit a module's file, the node reloads it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from relup.release.ops import WATCH_VAR
from tests.e2e.kv import ask_once
from tests.e2e.test_operator import relup, relup_json


@pytest.mark.slow
def test_watch_reloads_a_changed_module_and_marks_it_loaded_by_hand(
    node_root: Path, kv_packages: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Editing kv_conn.py changes the next reply on a new connection; status names the module."""
    monkeypatch.setenv(WATCH_VAR, "")  # the CLI sets it; undone after the test
    root = str(node_root)
    relup("init", root, str(kv_packages["1.0.0"]))
    relup("node", "start", "--watch", "--root", root, "--wait", "30")
    try:
        port = int(relup("call", "kv_listener", "port", "--root", root).strip())
        assert "1 PONG" == ask_once(port, "PING")
        source = node_root / "lib" / "kv-1.0.0" / "kv_conn.py"
        source.write_text(
            source.read_text(encoding="utf-8").replace('reply("PONG")', 'reply("PONG!")'),
            encoding="utf-8",
        )
        deadline = time.monotonic() + 10
        while ask_once(port, "PING") != "1 PONG!":
            assert time.monotonic() < deadline, "the edited module was not reloaded"
            time.sleep(0.1)
        status = relup_json("node", "status", "--root", root)
        assert ("1.0.0", [str(source)]) == (status["release"], list(status["hand_loaded"].values()))
        log = (node_root / "log" / "node.log").read_text(encoding="utf-8")
        assert "watch: kv_conn: reloaded" in log
    finally:
        relup("node", "stop", "--root", root)
