"""Shared fixtures: where the shared reference material lives."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared reference material (spec, vectors) that sits beside the repository."""
    if not SHARED.is_dir():
        pytest.fail(f"shared material not found beside the repository (looked in {SHARED})")
    return SHARED
