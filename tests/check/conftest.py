"""Fixtures of the relup check tests: the throwaway nodes a test starts must all be gone."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from relup.check.throwaway import ThrowawayNode


@pytest.fixture
def throwaway_nodes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ThrowawayNode]]:
    """Every throwaway node the test starts; after it, each process and root must be gone."""
    started: list[ThrowawayNode] = []
    start = ThrowawayNode.start

    def recording(*args: object, **kwargs: object) -> ThrowawayNode:
        node = start(*args, **kwargs)  # type: ignore[arg-type]
        started.append(node)
        return node

    monkeypatch.setattr(ThrowawayNode, "start", recording)
    yield started
    for node in started:
        assert not node.root.exists()
        deadline = time.monotonic() + 5
        while alive(node.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not alive(node.pid)


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie awaiting its reaper counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
