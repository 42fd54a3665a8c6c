"""Fixtures for the fault tests: a short release root whose node is never left running."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from relup.control import ControlError
from relup.service import ServiceError
from tests.faults.live import Live
from tests.service.nodes import node_root

__all__ = ["live", "node_root"]


@pytest.fixture
def live(node_root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    """The node of ``node_root`` (not started yet).

    A node a failing test leaves up is stopped here; one that does not stop is
    SIGKILLed by ``node_root``, which then fails the test.
    """
    node = Live(node_root, monkeypatch)
    yield node
    if node.layout.node_running():
        with contextlib.suppress(ControlError, ServiceError):
            node.stop()
