"""Fixtures for the control channel tests: a short root, and a server on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.control.serving import ServerThread
from tests.service.nodes import node_root

__all__ = ["node_root", "server"]


@pytest.fixture
def server(node_root: Path) -> Iterator[ServerThread]:
    """A control server with the tests' handlers on ``node_root`` (read timeout 0.5 s)."""
    with ServerThread(node_root) as running:
        yield running
