"""Shared fixtures: module sources written into tmp_path and loaded through the code server."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write dedented ``source`` to ``tmp_path/filename`` and return the path."""

    def _write(filename: str, source: str) -> Path:
        path = tmp_path / filename
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return path

    return _write
